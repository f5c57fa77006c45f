/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_NOTIFY_H
#define JSTACK_NOTIFY_H 1

/* systemd integration: the service manager's notification protocol
 * (sd_notify(3)) and the journal.
 *
 * notify_run() tells the service manager what the agent is doing (STATUS=),
 * that it is ready (READY=1, once the bridge first equals the desired state,
 * or at once while a required setting is missing so that a boot is not held
 * up), that it is re-reading changed settings (RELOADING=1, then READY=1
 * again), and that its main loop is alive (WATCHDOG=1, at a third of
 * WatchdogSec, timed by the poll loop).  notify_destroy() says STOPPING=1.
 * Without $NOTIFY_SOCKET every call does nothing.
 *
 * notify_log_to_journal() points OVS's vlog at the journal when the agent's
 * stderr is a journal stream ($JOURNAL_STREAM). */

#include <stdbool.h>
#include <stdint.h>

/* What the agent is doing, filled in by the agent for each notify_run().
 * Every string is owned by the caller and only read during the call. */
struct notify_state {
    bool db_connected;          /* Connected to the local OVSDB? */
    const char *db_remote;      /* The local OVSDB's remote. */
    const char *missing_setting;    /* The first missing or invalid
                                     * setting's message, or NULL when all
                                     * are present. */
    const char *controller;     /* jstack-controller, NULL if not known. */
    const char *encap_ip;       /* jstack-encap-ip, NULL if not known. */
    const char *bridge;         /* jstack-bridge, NULL if not known. */
    bool bridge_connected;      /* Connected to the bridge's socket? */
    bool has_desired;           /* Has a desired state been computed? */
    uint64_t desired_seqno;     /* The desired state's number, if so. */
    bool in_sync;               /* Does the bridge equal it? */
};

struct notify;

struct notify *notify_create(long long int now);
void notify_destroy(struct notify *);
void notify_run(struct notify *, const struct notify_state *,
                long long int now);
void notify_wait(const struct notify *);
bool notify_log_to_journal(void);

#endif /* agent/notify.h */
