/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "localdb.h"

#include <stdlib.h>
#include <string.h>

#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "socket-util.h"
#include "stream.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(localdb);

/* How often a local unix socket server that went away is tried. */
#define LOCALDB_LOCAL_RETRY_MS 100

/* One connection to the local OVSDB. */
struct localdb {
    char *remote;               /* Owned: e.g. "unix:/var/run/.../db.sock". */
    struct ovsdb_idl *idl;      /* Owned. */
    struct ovsdb_idl_loop loop; /* One transaction per main-loop pass. */
    bool was_connected;         /* For logging connection changes. */
    bool remote_is_local;       /* 'remote' is a unix: socket. */
    long long int next_local_retry;     /* time_msec() of the next check
                                         * whether a local server that went
                                         * away is back. */
};

/* Creates a connection to the OVSDB at 'remote' that keeps retrying in the
 * background.  The caller owns the result (localdb_destroy()). */
struct localdb *
localdb_create(const char *remote)
{
    struct localdb *db = xzalloc(sizeof *db);

    db->remote = xstrdup(remote);
    db->remote_is_local = !strncmp(remote, "unix:", 5);
    db->idl = ovsdb_idl_create(remote, &ovsrec_idl_class, false, true);

    /* Only what the agent reads or writes is replicated, so that a change
     * elsewhere in the database (another bridge's statistics, a column
     * vswitchd rewrites every few seconds) wakes the agent at most for a
     * cheap comparison of the local facts, never a recomputation. */
    static const struct ovsdb_idl_column *columns[] = {
        &ovsrec_open_vswitch_col_external_ids,
        &ovsrec_open_vswitch_col_bridges,
        &ovsrec_bridge_col_name,
        &ovsrec_bridge_col_ports,
        &ovsrec_bridge_col_fail_mode,
        &ovsrec_bridge_col_protocols,
        &ovsrec_bridge_col_external_ids,
        &ovsrec_port_col_name,
        &ovsrec_port_col_interfaces,
        &ovsrec_port_col_external_ids,
        &ovsrec_interface_col_name,
        &ovsrec_interface_col_type,
        &ovsrec_interface_col_options,
        &ovsrec_interface_col_ofport,
        &ovsrec_interface_col_mac_in_use,
        &ovsrec_interface_col_external_ids,
    };
    for (size_t i = 0; i < ARRAY_SIZE(columns); i++) {
        ovsdb_idl_add_column(db->idl, columns[i]);
    }
    db->loop = (struct ovsdb_idl_loop) OVSDB_IDL_LOOP_INITIALIZER(db->idl);
    return db;
}

/* Closes the connection and frees 'db'. */
void
localdb_destroy(struct localdb *db)
{
    if (db) {
        ovsdb_idl_loop_destroy(&db->loop);
        free(db->remote);
        free(db);
    }
}

/* While a local ovsdb-server is away, checks every LOCALDB_LOCAL_RETRY_MS
 * whether its socket accepts connections again and, once it does, makes
 * the IDL reconnect at once instead of at the end of its backoff (which
 * grows to seconds). */
static void
localdb_retry_local(struct localdb *db)
{
    long long int now = time_msec();

    if (!db->remote_is_local || ovsdb_idl_is_connected(db->idl)
        || now < db->next_local_retry) {
        return;
    }
    db->next_local_retry = now + LOCALDB_LOCAL_RETRY_MS;

    struct stream *stream;
    if (!stream_open_block(stream_open(db->remote, &stream, DSCP_DEFAULT),
                           0, &stream)) {
        stream_close(stream);
        /* A new session connects at once; the old one may be waiting out
         * its backoff, which ovsdb_idl_force_reconnect() does not cut. */
        ovsdb_idl_set_remote(db->idl, NULL, true);
        ovsdb_idl_set_remote(db->idl, db->remote, true);
    }
}

/* Processes what the database sent.  Returns the transaction in which this
 * pass of the main loop may change the database (committed by
 * localdb_wait()), or NULL while the previous one is still in flight. */
struct ovsdb_idl_txn *
localdb_run(struct localdb *db)
{
    localdb_retry_local(db);
    struct ovsdb_idl_txn *txn = ovsdb_idl_loop_run(&db->loop);

    bool connected = localdb_is_connected(db);
    if (connected != db->was_connected) {
        if (connected) {
            VLOG_INFO("%s: connected to the local OVSDB", db->remote);
        } else {
            VLOG_WARN("%s: connection to the local OVSDB lost, retrying",
                      db->remote);
        }
        db->was_connected = connected;
    }
    return txn;
}

/* Commits this pass's transaction, if it changed anything, and arranges
 * for poll_block() to wake up when localdb_run() has work. */
void
localdb_wait(struct localdb *db)
{
    ovsdb_idl_loop_commit_and_wait(&db->loop);
    if (db->remote_is_local && !ovsdb_idl_is_connected(db->idl)) {
        poll_timer_wait_until(db->next_local_retry);
    }
}

/* Returns true if the database is connected and its contents received. */
bool
localdb_is_connected(const struct localdb *db)
{
    return ovsdb_idl_is_connected(db->idl)
           && ovsdb_idl_has_ever_connected(db->idl);
}

/* Returns the remote given to localdb_create(). */
const char *
localdb_remote(const struct localdb *db)
{
    return db->remote;
}

/* Returns the external_ids of the Open_vSwitch row, or NULL while there is
 * no such row.  The smap belongs to the IDL and changes at localdb_run(). */
const struct smap *
localdb_external_ids(const struct localdb *db)
{
    const struct ovsrec_open_vswitch *ovs
        = ovsrec_open_vswitch_first(db->idl);
    return ovs ? &ovs->external_ids : NULL;
}

/* Returns a number that changes whenever the database contents change. */
unsigned int
localdb_seqno(const struct localdb *db)
{
    return ovsdb_idl_get_seqno(db->idl);
}

/* Returns the IDL, for the plumbing that reads and writes the bridge. */
struct ovsdb_idl *
localdb_idl(struct localdb *db)
{
    return db->idl;
}
