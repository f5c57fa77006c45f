/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "agent.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "compute.h"
#include "coverage.h"
#include "daemon.h"
#include "desired.h"
#include "dhcp-handler.h"
#include "dirs.h"
#include "document-guard.h"
#include "flow-explain.h"
#include "host-publisher.h"
#include "host-snapshot.h"
#include "host-state.h"
#include "host-view.h"
#include "jsonrpc.h"
#include "localdb.h"
#include "metadata-server.h"
#include "model.h"
#include "notify.h"
#include "ofctrl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "pipeline.h"
#include "plumbing.h"
#include "settings.h"
#include "source.h"
#include "sset.h"
#include "svec.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "vr-monitor.h"

VLOG_DEFINE_THIS_MODULE(agent);

/* A changed controller document, followed from the moment the source had
 * its bytes to the barrier reply that acknowledged the bridge update that
 * carries it.  Times are time_usec() values or microsecond durations. */
struct agent_change {
    uint64_t document;          /* The source's model seqno ("#K"). */
    long long int received;     /* When the source had its bytes. */
    long long int parse_us;     /* Parsing and validating them. */
    long long int compute_us;   /* The computations from it to the desired
                                 * state that was installed. */
    uint64_t desired_seqno;     /* The newest desired state computed from
                                 * it, 0 until the first. */
    long long int sent_us;      /* From 'received' to the update's commit
                                 * written (once applied). */
    long long int barrier_us;   /* From 'received' to the barrier reply
                                 * (once applied). */
    uint64_t n_flow_mods;       /* The update's flow_mods (once
                                 * applied). */
};

COVERAGE_DEFINE(agent_memory_trim);

/* An update that sent at least this many flow_mods, or that came from a
 * full computation, is followed by returning the heap's free memory to the
 * system (see agent_trim_memory()). */
#define AGENT_TRIM_MIN_FLOW_MODS 10000

/* How long after start the first computation may wait for the bridge's
 * snapshot to be asked for (see agent_run_compute()). */
#define AGENT_SNAPSHOT_WAIT_MS 1000

/* The whole agent.  Owns every module. */
struct agent {
    /* Copies of the command line's choices. */
    char *db_remote;            /* Owned. */
    char *state_dir;            /* Owned. */
    char *switch_target;        /* Owned, may be NULL. */
    struct smap overrides;      /* Owned. */

    struct localdb *db;         /* Owned: the local OVSDB. */
    struct ofctrl *ofctrl;      /* Owned: the bridge connection. */
    struct source *source;      /* Owned: the controller's document; NULL
                                 * until the settings are first OK. */
    struct host_state state;    /* Owned: host view and local facts. */
    struct host_publisher *publisher;   /* Owned: snapshots of 'state' for
                                         * other threads. */
    uint64_t published_seqno;   /* 'state' seqno last published. */
    struct document_guard *guard;       /* Owned: holds documents that
                                         * would remove too many ports. */
    struct compute *compute;    /* Owned: host state -> desired. */
    struct notify *notify;      /* Owned: what systemd is told. */
    struct dhcp_handler *dhcp;  /* Owned: answers table 30's packet-ins. */
    struct metadata_server *metadata;   /* Owned: the metadata proxy. */
    struct vr_monitor *vr_monitor;      /* Owned: virtual-router probes ->
                                         * the host state's down routers. */

    /* When to run the plumbing again. */
    unsigned int plumbed_db_seqno;      /* localdb_seqno() it last saw. */
    bool plumbing_pending;      /* The view changed, or the last pass had
                                 * no transaction to write in. */

    /* Document changes, from arrival to the bridge. */
    struct agent_change pending;        /* The newest change, while not yet
                                         * on the bridge. */
    bool has_pending;           /* 'pending' is being followed. */
    struct agent_change last;   /* The last change applied. */
    bool has_last;              /* 'last' is valid. */

    /* Settings, re-resolved whenever the database changes. */
    unsigned int db_seqno;      /* localdb_seqno() they were resolved at. */
    struct settings settings;   /* Valid only if 'settings_ok'. */
    bool settings_ok;           /* Every required setting present? */
    struct svec problems;       /* What is missing or invalid, if not. */

    long long int started;      /* time_msec() at agent_create(). */
};

static unixctl_cb_func agent_unixctl_status;
static unixctl_cb_func agent_unixctl_model_show;
static unixctl_cb_func agent_unixctl_flows_desired;
static unixctl_cb_func agent_unixctl_flows_installed;
static unixctl_cb_func agent_unixctl_flows_diff;
static unixctl_cb_func agent_unixctl_sync;
static unixctl_cb_func agent_unixctl_recompute;
static unixctl_cb_func agent_unixctl_source_accept;
static unixctl_cb_func agent_unixctl_flows_explain;
static unixctl_cb_func agent_unixctl_trace;
static unixctl_cb_func agent_unixctl_tunnel_list;
static unixctl_cb_func agent_unixctl_port_list;
static unixctl_cb_func agent_unixctl_inject_bad_flow;
static unixctl_cb_func agent_unixctl_dhcp_show;
static unixctl_cb_func agent_unixctl_metadata_show;

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
    agent->ofctrl = ofctrl_create(pipeline_owns_table);
    host_state_init(&agent->state);
    agent->publisher = host_publisher_create();
    agent->published_seqno = UINT64_MAX;
    agent->guard = document_guard_create();
    agent->compute = compute_create();
    agent->dhcp = dhcp_handler_create(&agent->state, &agent->settings);
    dhcp_handler_register(agent->dhcp, agent->ofctrl);
    agent->metadata = metadata_server_create(agent->publisher,
                                             PLUMBING_METADATA_TAP);
    agent->vr_monitor = vr_monitor_create(agent->ofctrl);
    agent->db_seqno = UINT_MAX;
    agent->plumbed_db_seqno = UINT_MAX;
    svec_init(&agent->problems);
    agent->started = time_msec();
    agent->notify = notify_create(agent->started);

    unixctl_command_register("status", "", 0, 0, agent_unixctl_status,
                             agent);
    unixctl_command_register("model/show", "", 0, 0,
                             agent_unixctl_model_show, agent);
    unixctl_command_register("flows/desired", "", 0, 0,
                             agent_unixctl_flows_desired, agent);
    unixctl_command_register("flows/installed", "", 0, 0,
                             agent_unixctl_flows_installed, agent);
    unixctl_command_register("flows/diff", "", 0, 0,
                             agent_unixctl_flows_diff, agent);
    unixctl_command_register("sync", "", 0, 0, agent_unixctl_sync, agent);
    unixctl_command_register("recompute", "", 0, 0,
                             agent_unixctl_recompute, agent);
    unixctl_command_register("source/accept", "", 0, 0,
                             agent_unixctl_source_accept, agent);
    unixctl_command_register("flows/explain", "COOKIE", 1, 1,
                             agent_unixctl_flows_explain, agent);
    unixctl_command_register("trace", "FLOW", 1, 1, agent_unixctl_trace,
                             agent);
    unixctl_command_register("tunnel/list", "", 0, 0,
                             agent_unixctl_tunnel_list, agent);
    unixctl_command_register("port/list", "", 0, 0,
                             agent_unixctl_port_list, agent);
    unixctl_command_register("debug/inject-bad-flow", "[on|off]", 0, 1,
                             agent_unixctl_inject_bad_flow, agent);
    unixctl_command_register("dhcp/show", "", 0, 0,
                             agent_unixctl_dhcp_show, agent);
    unixctl_command_register("metadata/show", "", 0, 0,
                             agent_unixctl_metadata_show, agent);
    return agent;
}

/* Frees 'agent'.  The bridge keeps its flows (DESIGN.md section 6). */
void
agent_destroy(struct agent *agent)
{
    if (agent) {
        notify_destroy(agent->notify);
        ofctrl_register_packet_in(agent->ofctrl, PIPELINE_T_DHCP, NULL,
                                  NULL);
        dhcp_handler_destroy(agent->dhcp);
        /* The proxy's threads read the publisher's snapshots. */
        metadata_server_destroy(agent->metadata);
        vr_monitor_destroy(agent->vr_monitor);
        compute_destroy(agent->compute);
        document_guard_destroy(agent->guard);
        host_publisher_destroy(agent->publisher);
        host_state_destroy(&agent->state);
        source_destroy(agent->source);
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

/* Creates the controller source from the settings, or points it at changed
 * ones. */
static void
agent_update_source(struct agent *agent)
{
    const struct settings *settings = &agent->settings;
    struct source_options options = {
        .url = settings->controller,
        .poll_interval = settings->poll_interval,
        .timeout = settings->controller_timeout,
        .max_document = settings->max_document_size,
        .ca_file = settings->controller_ca_file,
        .cert_file = settings->controller_cert,
        .key_file = settings->controller_key,
    };

    if (!agent->source) {
        agent->source = source_create(agent->state_dir, &options);
    } else {
        source_set_options(agent->source, &options);
    }
}

/* Tells systemd what the agent is doing (agent/notify.h): ready once the
 * bridge first equals the desired state, or while a setting is missing. */
static void
agent_run_notify(struct agent *agent)
{
    bool has_desired = compute_has_desired(agent->compute);
    uint64_t seqno = has_desired ? compute_desired_seqno(agent->compute) : 0;
    struct notify_state state = {
        .db_connected = localdb_is_connected(agent->db),
        .db_remote = agent->db_remote,
        .missing_setting = (agent->settings_ok || !agent->problems.n
                            ? NULL : agent->problems.names[0]),
        .controller = agent->settings_ok ? agent->settings.controller : NULL,
        .encap_ip = agent->settings_ok ? agent->settings.encap_ip : NULL,
        .bridge = agent->settings_ok ? agent->settings.bridge : NULL,
        .bridge_connected = ofctrl_is_connected(agent->ofctrl),
        .has_desired = has_desired,
        .desired_seqno = seqno,
        .in_sync = has_desired && ofctrl_in_sync(agent->ofctrl, seqno),
    };

    notify_run(agent->notify, &state, time_msec());
}

/* Returns what the plumbing reconciles toward, from the agent's settings
 * and host state. */
static struct plumbing_input
agent_plumbing_input(const struct agent *agent)
{
    return (struct plumbing_input) {
        .bridge = agent->settings.bridge,
        .view = agent->state.has_view ? &agent->state.view : NULL,
        .mappings = agent->settings.mappings,
        .n_mappings = agent->settings.n_mappings,
    };
}

/* Runs the plumbing (the bridge's OVSDB side) if the database or the host
 * view changed since it last ran, and passes the facts it reports to the
 * host state, which changes only if they differ from the last ones. */
static void
agent_run_plumbing(struct agent *agent, struct ovsdb_idl_txn *txn)
{
    unsigned int db_seqno = localdb_seqno(agent->db);
    if (db_seqno == agent->plumbed_db_seqno && !agent->plumbing_pending) {
        return;
    }
    agent->plumbed_db_seqno = db_seqno;
    agent->plumbing_pending = !txn;

    struct pipeline_facts facts;
    pipeline_facts_init(&facts);
    facts.metadata_port = agent->settings.metadata_port;
    facts.dhcp_rate = agent->settings.dhcp_rate;
    struct plumbing_input input = agent_plumbing_input(agent);
    struct sset unplumbed = SSET_INITIALIZER(&unplumbed);
    plumbing_run(localdb_idl(agent->db), txn, &input, &facts, &unplumbed);
    ofctrl_set_unplumbed(agent->ofctrl, &unplumbed, time_msec());
    sset_destroy(&unplumbed);
    host_state_set_facts(&agent->state, &facts);
    pipeline_facts_destroy(&facts);
}

/* Starts following the source's current document, just accepted into the
 * host state, toward the bridge; a change not yet on the bridge is
 * superseded by it. */
static void
agent_track_change(struct agent *agent)
{
    struct source_timing timing = source_model_timing(agent->source);

    agent->pending = (struct agent_change) {
        .document = source_model_seqno(agent->source),
        .received = timing.received,
        .parse_us = timing.parse_us,
    };
    agent->has_pending = true;
}

/* Runs the computation, timing it for the change being followed.  Nothing
 * is computed while the first install waits for the plumbing: its result
 * would lack the flows of the ports about to get their ofports.  Nor, for
 * at most AGENT_SNAPSHOT_WAIT_MS after start, before the bridge has been
 * asked for its flows: then ovs-vswitchd dumps them (a second for 200,000
 * flows) while the pipeline is computed, not after. */
static void
agent_run_compute(struct agent *agent)
{
    long long int now = time_msec();
    if (ofctrl_holds_first_install(agent->ofctrl, now)) {
        return;
    }
    if (!compute_has_desired(agent->compute)
        && ofctrl_is_connecting(agent->ofctrl)
        && now < agent->started + AGENT_SNAPSHOT_WAIT_MS) {
        poll_timer_wait_until(agent->started + AGENT_SNAPSHOT_WAIT_MS);
        return;
    }
    uint64_t before = (compute_has_desired(agent->compute)
                       ? compute_desired_seqno(agent->compute) : 0);
    long long int start = time_usec();
    compute_run(agent->compute, &agent->state);
    long long int elapsed = time_usec() - start;

    if (agent->has_pending && compute_has_desired(agent->compute)
        && compute_desired_seqno(agent->compute) != before) {
        agent->pending.compute_us += elapsed;
        agent->pending.desired_seqno = compute_desired_seqno(agent->compute);
    }
}

/* Appends to 'out' the stamps of 'change', applied, as "received to
 * barrier B ms (parse P ms, compute C ms, sent at S ms), N flow_mods". */
static void
agent_format_change(const struct agent_change *change, struct ds *out)
{
    ds_put_format(out, "received to barrier %.3f ms (parse %.3f ms, "
                  "compute %.3f ms, sent at %.3f ms), %"PRIu64" flow_mods",
                  change->barrier_us / 1000.0, change->parse_us / 1000.0,
                  change->compute_us / 1000.0, change->sent_us / 1000.0,
                  change->n_flow_mods);
}

/* Gives the free memory at the top and inside the heap back to the system,
 * where the C library can (glibc's malloc_trim()).  A full computation
 * or a large update frees about as much as it keeps (the old desired state,
 * the switch's dump, the flows' text), and without this the process would
 * keep its peak size for good.  Called after the update was acknowledged,
 * so that update does not wait for it; the next change pays instead, as it
 * faults back in the memory it needs (docs/decisions.md). */
static void
agent_trim_memory(void)
{
#ifdef __GLIBC__
    long long int start = time_msec();
    malloc_trim(0);
    COVERAGE_INC(agent_memory_trim);
    VLOG_DBG("returned free memory to the system in %lld ms",
             time_msec() - start);
#endif
}

/* Completes the change being followed once the bridge acknowledged an
 * update to its desired state (or a later one), and logs its stamps. */
static void
agent_check_change_applied(struct agent *agent)
{
    struct agent_change *change = &agent->pending;
    struct ofctrl_update update = ofctrl_last_update(agent->ofctrl);

    if (!agent->has_pending || !change->desired_seqno || !update.number
        || update.desired_seqno < change->desired_seqno) {
        return;
    }
    change->sent_us = update.sent - change->received;
    change->barrier_us = update.acked - change->received;
    change->n_flow_mods = update.n_flow_mods;
    agent->last = *change;
    agent->has_last = true;
    agent->has_pending = false;

    struct ds line = DS_EMPTY_INITIALIZER;
    agent_format_change(&agent->last, &line);
    VLOG_INFO("document #%"PRIu64" applied: %s", agent->last.document,
              ds_cstr(&line));
    ds_destroy(&line);

    if (update.n_flow_mods >= AGENT_TRIM_MIN_FLOW_MODS
        || compute_last_full(agent->compute)) {
        agent_trim_memory();
    }
}

/* Does the agent's work, in the order of the data flow: database and
 * settings, controller source -> model -> host view, plumbing -> local
 * facts, host state -> desired state, desired state -> bridge.  The
 * bridge connection is kept (and its snapshot read) before the
 * computation, so that a snapshot is under way while the first one runs. */
void
agent_run(struct agent *agent)
{
    struct ovsdb_idl_txn *txn = localdb_run(agent->db);
    bool db_connected = localdb_is_connected(agent->db);
    if (db_connected && localdb_seqno(agent->db) != agent->db_seqno) {
        agent->db_seqno = localdb_seqno(agent->db);
        agent_update_settings(agent);
        if (agent->settings_ok) {
            agent_update_source(agent);
        }
    }

    if (agent->source) {
        source_run(agent->source);
        const struct model *model = source_model(agent->source);
        uint64_t model_seqno = source_model_seqno(agent->source);
        if (document_guard_allows(agent->guard, &agent->state, model,
                                  model_seqno, agent->settings.encap_ip_be,
                                  agent->settings.max_removal,
                                  agent->settings.removal_confirm,
                                  time_msec())
            && host_state_set_model(&agent->state, model, model_seqno,
                                    agent->settings.encap_ip_be)) {
            agent->plumbing_pending = true;
            agent_track_change(agent);
        }
    }
    if (agent->settings_ok && db_connected) {
        agent_run_plumbing(agent, txn);
    }
    vr_monitor_run(agent->vr_monitor, &agent->state,
                   agent->settings_ok ? &agent->settings : NULL);
    if (agent->settings_ok) {
        char *target = agent_switch_target(agent);
        ofctrl_set_target(agent->ofctrl, target);
        free(target);
    }
    ofctrl_run(agent->ofctrl);
    agent_run_compute(agent);
    if (agent->state.seqno != agent->published_seqno) {
        agent->published_seqno = agent->state.seqno;
        host_publisher_publish(agent->publisher,
                               host_snapshot_create(&agent->state));
    }
    dhcp_handler_run(agent->dhcp);
    if (agent->settings_ok) {
        metadata_server_run(agent->metadata, &agent->settings, time_msec());
    }

    if (compute_has_desired(agent->compute)) {
        ofctrl_put(agent->ofctrl, compute_desired(agent->compute),
                   compute_changes(agent->compute),
                   compute_desired_seqno(agent->compute), time_msec());
    }
    agent_check_change_applied(agent);
    agent_run_notify(agent);
}

/* Arranges for poll_block() to wake up when agent_run() has work. */
void
agent_wait(struct agent *agent)
{
    localdb_wait(agent->db);
    ofctrl_wait(agent->ofctrl);
    metadata_server_wait(agent->metadata);
    vr_monitor_wait(agent->vr_monitor);
    if (agent->source) {
        source_wait(agent->source);
    }
    document_guard_wait(agent->guard);
    notify_wait(agent->notify);
}

/* Appends the host state's counts, and a line per provider subnet with a
 * local port, for "status", to 'out'. */
static void
agent_format_host_state(const struct agent *agent, struct ds *out)
{
    const struct host_state *state = &agent->state;
    if (!state->has_view) {
        return;
    }
    ds_put_format(out, "host view: %"PRIuSIZE" subnets, %"PRIuSIZE
                  " local ports (%"PRIuSIZE" bound), %"PRIuSIZE
                  " tunnel endpoints; host state #%"PRIu64"\n",
                  state->view.n_subnets, state->view.n_local_ports,
                  hmap_count(&state->ports_by_ofport),
                  state->view.n_endpoints, state->seqno);

    struct plumbing_input input = agent_plumbing_input(agent);
    for (size_t i = 0; agent->settings_ok && i < state->view.n_subnets;
         i++) {
        const struct model_subnet *subnet = state->view.subnets[i].subnet;
        if (model_subnet_is_provider(subnet)) {
            ds_put_format(out, "provider subnet %s: ", subnet->id);
            plumbing_format_provider(localdb_idl(agent->db), &input,
                                     &state->facts, subnet, out);
            ds_put_char(out, '\n');
        }
    }
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
    agent_format_host_state(agent, &out);
    document_guard_format_status(agent->guard, time_msec(), &out);
    dhcp_handler_format_status(agent->dhcp, &out);
    compute_format_status(agent->compute, &out);
    vr_monitor_format_status(agent->vr_monitor, &out);
    if (compute_has_desired(agent->compute)) {
        ds_put_format(&out, "bridge in sync: %s\n",
                      ofctrl_in_sync(agent->ofctrl,
                                     compute_desired_seqno(agent->compute))
                      ? "yes" : "no");
    }
    ds_put_cstr(&out, "last change: ");
    if (agent->has_last) {
        agent_format_change(&agent->last, &out);
    } else {
        ds_put_cstr(&out, "none yet");
    }
    ds_put_char(&out, '\n');
    if (agent->source) {
        ds_put_cstr(&out, "last successful sync: ");
        source_format_last_success(agent->source, &out);
        ds_put_char(&out, '\n');
        source_format_status(agent->source, &out);
    } else {
        ds_put_cstr(&out, "last successful sync: never\n"
                    "controller source: (not configured)\n");
    }
    metadata_server_format_status(agent->metadata, &out);
    ds_put_format(&out, "state directory: %s\n", agent->state_dir);
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

/* Appends one line on 'port' of 'subnet' to 'out', starting with 'kind'. */
static void
agent_format_port(const char *kind, const struct model_subnet *subnet,
                  const struct model_port *port, struct ds *out)
{
    ds_put_format(out, "%s %s subnet %s mac "ETH_ADDR_FMT" ip "IP_FMT
                  " host "IP_FMT" device %s\n", kind, port->id, subnet->id,
                  ETH_ADDR_ARGS(port->mac), IP_ARGS(port->fixed_ip),
                  IP_ARGS(port->host),
                  port->device_id[0] ? port->device_id : "(none)");
}

/* Appends to 'out' what 'model' means to the host with tunnel IP
 * 'local_ip': one line per subnet (with how it reaches other hosts), local
 * port, remote port (of the subnets with a local port), tunnel endpoint
 * and router. */
static void
agent_format_model(const struct agent *agent, const struct model *model,
                   ovs_be32 local_ip, struct ds *out)
{
    struct plumbing_input input = agent_plumbing_input(agent);
    struct host_view view;

    host_view_build(model, local_ip, &view);
    for (size_t i = 0; i < model->n_subnets; i++) {
        const struct model_subnet *subnet = model->subnets[i];
        ds_put_format(out, "subnet %s network "IP_FMT"/%u vni %"PRIu32
                      " metadata %#"PRIx32" mtu %"PRIu32" ports %"PRIuSIZE
                      " routers %"PRIuSIZE" ", subnet->id,
                      IP_ARGS(subnet->network), subnet->plen, subnet->vni,
                      subnet->metadata, subnet->mtu, subnet->n_ports,
                      subnet->n_routers);
        plumbing_format_provider(localdb_idl(agent->db), &input,
                                 &agent->state.facts, subnet, out);
        ds_put_char(out, '\n');
    }
    for (size_t i = 0; i < view.n_local_ports; i++) {
        agent_format_port("local port", view.local_ports[i].subnet,
                          view.local_ports[i].port, out);
    }
    for (size_t i = 0; i < view.n_subnets; i++) {
        const struct model_subnet *subnet = view.subnets[i].subnet;
        for (size_t j = 0; j < subnet->n_ports; j++) {
            if (subnet->ports[j].host != local_ip) {
                agent_format_port("remote port", subnet, &subnet->ports[j],
                                  out);
            }
        }
    }
    for (size_t i = 0; i < view.n_endpoints; i++) {
        ds_put_format(out, "tunnel endpoint "IP_FMT"\n",
                      IP_ARGS(view.endpoints[i]));
    }
    for (size_t i = 0; i < view.n_routers; i++) {
        ds_put_format(out, "router "IP_FMT"\n", IP_ARGS(view.routers[i]));
    }
    host_view_destroy(&view);
}

/* "model/show": the current model as this host sees it, one line per
 * object. */
static void
agent_unixctl_model_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                         const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    const struct model *model = (agent->source
                                 ? source_model(agent->source) : NULL);

    if (!model) {
        unixctl_command_reply(conn, "no model yet: the controller has not "
                              "answered and no document is cached\n");
        return;
    }

    struct ds out = DS_EMPTY_INITIALIZER;
    agent_format_model(agent, model, agent->settings.encap_ip_be, &out);
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

/* "flows/desired": every flow, group and meter the bridge should hold, as
 * ovs-ofctl prints them. */
static void
agent_unixctl_flows_desired(struct unixctl_conn *conn, int argc OVS_UNUSED,
                            const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds out = DS_EMPTY_INITIALIZER;

    desired_table_format(compute_desired(agent->compute), &out);
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

/* "flows/installed": the agent's mirror of what the bridge holds. */
static void
agent_unixctl_flows_installed(struct unixctl_conn *conn,
                              int argc OVS_UNUSED,
                              const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds out = DS_EMPTY_INITIALIZER;

    desired_table_format(ofctrl_installed(agent->ofctrl), &out);
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

/* "flows/diff": what differs between desired and installed; empty when
 * the bridge is in sync. */
static void
agent_unixctl_flows_diff(struct unixctl_conn *conn, int argc OVS_UNUSED,
                         const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;

    if (!ofctrl_is_connected(agent->ofctrl)) {
        unixctl_command_reply_error(conn, "not connected to the bridge");
        return;
    }
    struct ds out = DS_EMPTY_INITIALIZER;
    ofctrl_format_diff(agent->ofctrl, compute_desired(agent->compute),
                       &out);
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

/* "sync": reads the bridge again and repairs whatever differs. */
static void
agent_unixctl_sync(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;

    ofctrl_resync(agent->ofctrl);
    unixctl_command_reply(conn, NULL);
}

/* "source/accept": applies the controller document that the removal guard
 * holds. */
static void
agent_unixctl_source_accept(struct unixctl_conn *conn, int argc OVS_UNUSED,
                            const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;

    if (!document_guard_accept(agent->guard)) {
        unixctl_command_reply_error(conn, "no controller document is held");
        return;
    }
    unixctl_command_reply(conn, "the held document will be applied\n");
}

/* "flows/explain COOKIE": the stage and the document objects (with their
 * key fields) that the flows carrying COOKIE (hex 0x... or decimal) belong
 * to. */
static void
agent_unixctl_flows_explain(struct unixctl_conn *conn, int argc OVS_UNUSED,
                            const char *argv[], void *agent_)
{
    struct agent *agent = agent_;
    char *end;
    uint64_t cookie = strtoull(argv[1], &end, 0);

    if (!argv[1][0] || *end) {
        unixctl_command_reply_error(conn, "usage: flows/explain COOKIE "
                                    "(e.g. 0x6a05...)");
        return;
    }
    struct ds out = DS_EMPTY_INITIALIZER;
    flow_explain_cookie(compute_desired(agent->compute),
                        host_state_model(&agent->state), cookie, "", &out);
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

/* Runs "ofproto/trace" on ovs-vswitchd for 'flow' on the integration
 * bridge and stores its output in '*outputp'.  Returns NULL or an error
 * message; either string is the caller's to free. */
static char *
agent_ofproto_trace(const struct agent *agent, const char *flow,
                    char **outputp)
{
    *outputp = NULL;
    char *pidfile = xasprintf("%s/ovs-vswitchd.pid", ovs_rundir());
    pid_t pid = read_pidfile(pidfile);
    free(pidfile);
    if (pid <= 0) {
        return xstrdup("ovs-vswitchd is not running");
    }

    char *path = xasprintf("%s/ovs-vswitchd.%ld.ctl", ovs_rundir(),
                           (long int) pid);
    struct jsonrpc *client;
    int error = unixctl_client_create(path, &client);
    if (error) {
        char *message = xasprintf("%s: %s", path, ovs_strerror(error));
        free(path);
        return message;
    }
    free(path);

    char *args[] = { agent->settings.bridge, CONST_CAST(char *, flow) };
    char *result = NULL, *err = NULL;
    error = unixctl_client_transact(client, "ofproto/trace",
                                    ARRAY_SIZE(args), args, &result, &err);
    jsonrpc_close(client);
    if (error) {
        free(result);
        free(err);
        return xasprintf("ofproto/trace: %s", ovs_strerror(error));
    } else if (err) {
        free(result);
        return err;
    }
    *outputp = result;
    return NULL;
}

/* "trace FLOW": ofproto/trace of FLOW on the integration bridge, each flow
 * it hits followed by what its cookie stands for. */
static void
agent_unixctl_trace(struct unixctl_conn *conn, int argc OVS_UNUSED,
                    const char *argv[], void *agent_)
{
    struct agent *agent = agent_;

    if (!agent->settings_ok) {
        unixctl_command_reply_error(conn, "settings incomplete");
        return;
    }
    char *trace;
    char *error = agent_ofproto_trace(agent, argv[1], &trace);
    if (error) {
        unixctl_command_reply_error(conn, error);
        free(error);
        return;
    }

    struct ds out = DS_EMPTY_INITIALIZER;
    char *save_ptr = NULL;
    for (char *line = strtok_r(trace, "\n", &save_ptr); line;
         line = strtok_r(NULL, "\n", &save_ptr)) {
        ds_put_format(&out, "%s\n", line);
        const char *cookie_text = strstr(line, "cookie 0x");
        if (cookie_text) {
            uint64_t cookie = strtoull(cookie_text + 7, NULL, 16);
            int indent = strspn(line, " ") + 4;
            char *prefix = xasprintf("%*s", indent, "");
            flow_explain_cookie(compute_desired(agent->compute),
                                host_state_model(&agent->state), cookie,
                                prefix, &out);
            free(prefix);
        }
    }
    free(trace);
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

/* "recompute": computes the desired state again from scratch. */
static void
agent_unixctl_recompute(struct unixctl_conn *conn, int argc OVS_UNUSED,
                        const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;

    compute_force(agent->compute);
    unixctl_command_reply(conn, NULL);
}

/* "tunnel/list": one line per tunnel port: remote IP, port, ofport. */
static void
agent_unixctl_tunnel_list(struct unixctl_conn *conn, int argc OVS_UNUSED,
                          const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds out = DS_EMPTY_INITIALIZER;

    if (agent->settings_ok) {
        plumbing_format_tunnels(localdb_idl(agent->db),
                                agent->settings.bridge, &out);
    }
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

/* "port/list": one line per local VM port: id, device, ofport, subnet,
 * state. */
static void
agent_unixctl_port_list(struct unixctl_conn *conn, int argc OVS_UNUSED,
                        const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds out = DS_EMPTY_INITIALIZER;

    host_state_format_ports(&agent->state, &out);
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

/* "debug/inject-bad-flow [on|off]" (tests only): while on, every bundle
 * carries a flow the switch rejects, so the agent must discard each and
 * leave the bridge as it was; off lets the next bundle through. */
static void
agent_unixctl_inject_bad_flow(struct unixctl_conn *conn, int argc,
                              const char *argv[], void *agent_)
{
    struct agent *agent = agent_;
    const char *mode = argc > 1 ? argv[1] : "on";

    if (strcmp(mode, "on") && strcmp(mode, "off")) {
        unixctl_command_reply_error(conn, "usage: debug/inject-bad-flow "
                                    "[on|off]");
        return;
    }
    ofctrl_inject_bad_flow(agent->ofctrl, !strcmp(mode, "on"));
    unixctl_command_reply(conn, NULL);
}

/* "dhcp/show": per local port, the last DHCP message and answer, counts by
 * message type, answers and drops by reason. */
static void
agent_unixctl_dhcp_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                        const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds out = DS_EMPTY_INITIALIZER;

    dhcp_handler_format_show(agent->dhcp, time_msec(), &out);
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

/* "metadata/show": the metadata proxy and its upstream, and per local VM
 * port its requests, errors and last status. */
static void
agent_unixctl_metadata_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                            const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds out = DS_EMPTY_INITIALIZER;

    metadata_server_format_show(agent->metadata, &out);
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}
