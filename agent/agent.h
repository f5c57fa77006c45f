/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_AGENT_H
#define JSTACK_AGENT_H 1

/* The agent: every I/O module wired together in one poll loop.  main()
 * creates it, calls agent_run() and agent_wait() around poll_block(), and
 * destroys it on exit. */

#include <stdbool.h>
#include "smap.h"

/* What the command line decides; all owned by the caller. */
struct agent_options {
    const char *db_remote;      /* Local OVSDB, e.g. "unix:.../db.sock". */
    const char *state_dir;      /* Where the last good document is kept. */
    const char *switch_target;  /* Bridge socket override, or NULL for
                                 * "unix:<rundir>/<bridge>.mgmt". */
    struct smap overrides;      /* Settings given on the command line, keyed
                                 * like external_ids ("jstack-bridge"). */
};

struct agent;

struct agent *agent_create(const struct agent_options *);
void agent_destroy(struct agent *);
void agent_run(struct agent *);
void agent_wait(struct agent *);

#endif /* agent/agent.h */
