/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_METADATA_TAP_H
#define JSTACK_METADATA_TAP_H 1

/* The host side of the metadata tap (agent/plumbing.c creates the port),
 * configured over rtnetlink with libmnl, never by running "ip":
 *
 *   - the tap's link is up and carries 169.254.169.254/32;
 *   - routing table METADATA_TAP_TABLE routes 128.0.0.0/1 (the addresses
 *     table 36 gives the VMs, 128.0.0.0 | ofport) through the tap;
 *   - a policy rule (priority METADATA_TAP_RULE_PRIORITY) sends what comes
 *     from 169.254.169.254 to that table,
 *
 * so that the proxy's answers go back through the tap and nothing else on
 * the host routes differently.  Every step is idempotent (adding what is
 * there changes nothing), is repeated when the tap is created again, and
 * is undone when the service is switched off.  Stopping the agent leaves it
 * all in place, like the flows. */

#include <stdbool.h>

struct ds;

/* The routing table and rule priority the tap's route and rule use. */
#define METADATA_TAP_TABLE 169254
#define METADATA_TAP_RULE_PRIORITY 1000

struct metadata_tap;

struct metadata_tap *metadata_tap_create(const char *tap_name);
void metadata_tap_destroy(struct metadata_tap *);
void metadata_tap_run(struct metadata_tap *, bool enabled,
                      long long int now);
void metadata_tap_wait(const struct metadata_tap *);
bool metadata_tap_is_ready(const struct metadata_tap *);
void metadata_tap_format_status(const struct metadata_tap *, struct ds *);

#endif /* agent/metadata-tap.h */
