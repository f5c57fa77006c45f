/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_LOCALDB_H
#define JSTACK_LOCALDB_H 1

/* The connection to the local OVSDB (ovsdb-server's Open_vSwitch database),
 * through OVS's ovsdb-idl.  It supplies the agent's settings (the
 * Open_vSwitch row's external_ids) and, later, the bridge's ports. */

#include <stdbool.h>

struct ovsdb_idl;
struct ovsdb_idl_txn;
struct smap;

struct localdb;

struct localdb *localdb_create(const char *remote);
void localdb_destroy(struct localdb *);
struct ovsdb_idl_txn *localdb_run(struct localdb *);
void localdb_wait(struct localdb *);

bool localdb_is_connected(const struct localdb *);
const char *localdb_remote(const struct localdb *);
const struct smap *localdb_external_ids(const struct localdb *);
unsigned int localdb_seqno(const struct localdb *);
struct ovsdb_idl *localdb_idl(struct localdb *);

#endif /* agent/localdb.h */
