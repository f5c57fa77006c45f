/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "agent.h"

#include <stdlib.h>
#include <unistd.h>

#include "dirs.h"
#include "localdb.h"
#include "ofctrl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "settings.h"
#include "svec.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(agent);

/* The whole agent.  Owns every module. */
struct agent {
    /* Copies of the command line's choices. */
    char *db_remote;            /* Owned. */
    char *state_dir;            /* Owned. */
    char *switch_target;        /* Owned, may be NULL. */
    struct smap overrides;      /* Owned. */

    struct localdb *db;         /* Owned: the local OVSDB. */
    struct ofctrl *ofctrl;      /* Owned: the bridge connection. */

    /* Settings, re-resolved whenever the database changes. */
    unsigned int db_seqno;      /* localdb_seqno() they were resolved at. */
    struct settings settings;   /* Valid only if 'settings_ok'. */
    bool settings_ok;           /* Every required setting present? */
    struct svec problems;       /* What is missing or invalid, if not. */

    long long int started;      /* time_msec() at agent_create(). */
};

static unixctl_cb_func agent_unixctl_status;

/* Creates the agent with the choices in 'options' (copied), and registers
 * its unixctl commands.  The caller owns the result (agent_destroy()). */
struct agent *
agent_create(const struct agent_options *options)
{
    struct agent *agent = xzalloc(sizeof *agent);

    agent->db_remote = xstrdup(options->db_remote);
    agent->state_dir = xstrdup(options->state_dir);
    agent->switch_target = nullable_xstrdup(options->switch_target);
    smap_clone(&agent->overrides, &options->overrides);

    agent->db = localdb_create(agent->db_remote);
    agent->ofctrl = ofctrl_create();
    agent->db_seqno = UINT_MAX;
    svec_init(&agent->problems);
    agent->started = time_msec();

    unixctl_command_register("status", "", 0, 0, agent_unixctl_status,
                             agent);
    return agent;
}

/* Frees 'agent'.  The bridge keeps its flows (DESIGN.md section 6). */
void
agent_destroy(struct agent *agent)
{
    if (agent) {
        ofctrl_destroy(agent->ofctrl);
        localdb_destroy(agent->db);
        settings_destroy(&agent->settings);
        svec_destroy(&agent->problems);
        smap_destroy(&agent->overrides);
        free(agent->switch_target);
        free(agent->state_dir);
        free(agent->db_remote);
        free(agent);
    }
}

/* Re-resolves the settings from the database and the command line, and
 * logs what is missing, once per change of it. */
static void
agent_update_settings(struct agent *agent)
{
    struct settings settings;
    struct svec problems = SVEC_EMPTY_INITIALIZER;
    bool ok = settings_resolve(localdb_external_ids(agent->db),
                               &agent->overrides, &settings, &problems);

    if (!svec_equal(&problems, &agent->problems)) {
        for (size_t i = 0; i < problems.n; i++) {
            VLOG_WARN("%s; waiting for it", problems.names[i]);
        }
        if (!problems.n) {
            VLOG_INFO("all required settings present");
        }
    }
    svec_swap(&problems, &agent->problems);
    svec_destroy(&problems);

    settings_destroy(&agent->settings);
    agent->settings = settings;
    agent->settings_ok = ok;
}

/* Returns the OpenFlow target of the integration bridge. */
static char *
agent_switch_target(const struct agent *agent)
{
    if (agent->switch_target) {
        return xstrdup(agent->switch_target);
    }
    return xasprintf("unix:%s/%s.mgmt", ovs_rundir(),
                     agent->settings.bridge);
}

/* Does the agent's work: database, settings, bridge connection. */
void
agent_run(struct agent *agent)
{
    localdb_run(agent->db);
    if (localdb_is_connected(agent->db)
        && localdb_seqno(agent->db) != agent->db_seqno) {
        agent->db_seqno = localdb_seqno(agent->db);
        agent_update_settings(agent);
    }

    if (agent->settings_ok) {
        char *target = agent_switch_target(agent);
        ofctrl_set_target(agent->ofctrl, target);
        free(target);
    }
    ofctrl_run(agent->ofctrl);
}

/* Arranges for poll_block() to wake up when agent_run() has work. */
void
agent_wait(struct agent *agent)
{
    localdb_wait(agent->db);
    ofctrl_wait(agent->ofctrl);
}

/* "status": one screen on the agent's connections and counts. */
static void
agent_unixctl_status(struct unixctl_conn *conn, int argc OVS_UNUSED,
                     const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds out = DS_EMPTY_INITIALIZER;

    ds_put_format(&out, "jstack-agent %s, pid %ld, up %lld s\n",
                  JSTACK_VERSION, (long int) getpid(),
                  (time_msec() - agent->started) / 1000);
    ds_put_format(&out, "local OVSDB: %s (%s)\n",
                  localdb_is_connected(agent->db)
                  ? "connected" : "disconnected",
                  localdb_remote(agent->db));
    if (agent->settings_ok) {
        ds_put_format(&out, "settings: ok (encap-ip %s, bridge %s)\n",
                      agent->settings.encap_ip, agent->settings.bridge);
    } else {
        ds_put_cstr(&out, "settings: waiting\n");
        for (size_t i = 0; i < agent->problems.n; i++) {
            ds_put_format(&out, "  %s\n", agent->problems.names[i]);
        }
    }
    ofctrl_format_status(agent->ofctrl, &out);
    ds_put_format(&out, "controller source: %s\n",
                  agent->settings_ok ? agent->settings.controller
                  : "(not configured)");
    ds_put_format(&out, "state directory: %s\n", agent->state_dir);
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}
