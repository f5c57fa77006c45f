/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* jstack-agent: parses the command line, daemonizes, and runs the poll
 * loop.  Everything else lives in agent/libjstack-agent.a. */

#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent.h"
#include "command-line.h"
#include "daemon.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "memory.h"
#include "notify.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "settings.h"
#include "simap.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(main);

#define JSTACK_DEFAULT_STATE_DIR "/var/lib/jstack-agent"

/* What parse_options() found; main() owns it. */
struct main_options {
    struct agent_options agent; /* Passed to agent_create(). */
    char *unixctl_path;         /* --unixctl, or NULL for the default. */
    char *db_remote;            /* Owned storage behind agent.db_remote. */
};

static unixctl_cb_func main_unixctl_exit;
static void parse_options(int argc, char *argv[], struct main_options *);
static void usage(void) OVS_NO_RETURN;

int
main(int argc, char *argv[])
{
    struct main_options options;
    struct unixctl_server *unixctl;
    bool exiting = false;

    ovs_set_program_name(argv[0], JSTACK_VERSION);
    ovs_cmdl_proctitle_init(argc, argv);
    service_start(&argc, &argv);
    /* Under systemd the log goes to the journal; -v options may still
     * change that. */
    notify_log_to_journal();
    parse_options(argc, argv, &options);
    fatal_ignore_sigpipe();

    daemonize_start(false);
    int error = unixctl_server_create(options.unixctl_path, &unixctl);
    if (error) {
        ovs_fatal(error, "could not create the unixctl server");
    }
    unixctl_command_register("exit", "", 0, 0, main_unixctl_exit, &exiting);

    struct agent *agent = agent_create(&options.agent);
    daemonize_complete();
    VLOG_INFO("jstack-agent %s starting", JSTACK_VERSION);

    while (!exiting) {
        memory_run();
        if (memory_should_report()) {
            struct simap usage = SIMAP_INITIALIZER(&usage);
            memory_report(&usage);
            simap_destroy(&usage);
        }
        agent_run(agent);
        unixctl_server_run(unixctl);

        memory_wait();
        agent_wait(agent);
        unixctl_server_wait(unixctl);
        if (exiting) {
            poll_immediate_wake();
        }
        poll_block();
        if (should_service_stop()) {
            exiting = true;
        }
    }

    VLOG_INFO("jstack-agent exiting; the bridge keeps its flows");
    agent_destroy(agent);
    unixctl_server_destroy(unixctl);
    smap_destroy(&options.agent.overrides);
    free(options.db_remote);
    free(options.unixctl_path);
    service_stop();
    return 0;
}

/* "exit": stops the agent, leaving the bridge's flows in place. */
static void
main_unixctl_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
                  const char *argv[] OVS_UNUSED, void *exiting_)
{
    bool *exiting = exiting_;

    *exiting = true;
    unixctl_command_reply(conn, NULL);
}

/* Option codes beyond the single characters. */
enum {
    OPT_DB = UCHAR_MAX + 1,
    OPT_UNIXCTL,
    OPT_STATE_DIR,
    OPT_SWITCH,
    VLOG_OPTION_ENUMS,
    DAEMON_OPTION_ENUMS,
    OPT_SETTING,            /* First of the settings' options, one each. */
};

/* Parses the command line into 'options'. */
static void
parse_options(int argc, char *argv[], struct main_options *options)
{
    static const struct option fixed_options[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"db", required_argument, NULL, OPT_DB},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"state-dir", required_argument, NULL, OPT_STATE_DIR},
        {"switch", required_argument, NULL, OPT_SWITCH},
        VLOG_LONG_OPTIONS,
        DAEMON_LONG_OPTIONS,
    };
    size_t n_keys;
    const struct settings_key *keys = settings_keys(&n_keys);
    size_t n_fixed = ARRAY_SIZE(fixed_options);
    struct option *long_options = xcalloc(n_fixed + n_keys + 1,
                                          sizeof *long_options);

    /* Every setting of external_ids is also a "--name=VALUE" option. */
    memcpy(long_options, fixed_options, sizeof fixed_options);
    for (size_t i = 0; i < n_keys; i++) {
        long_options[n_fixed + i] = (struct option) {
            keys[i].option, required_argument, NULL, OPT_SETTING + i,
        };
    }
    char *short_options = ovs_cmdl_long_options_to_short_options(
        long_options);

    memset(options, 0, sizeof *options);
    smap_init(&options->agent.overrides);
    options->agent.state_dir = JSTACK_DEFAULT_STATE_DIR;

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }
        if (c >= OPT_SETTING && c < OPT_SETTING + (int) n_keys) {
            smap_replace(&options->agent.overrides,
                         keys[c - OPT_SETTING].key, optarg);
            continue;
        }
        switch (c) {
        case 'h':
            usage();

        case 'V':
            printf("jstack-agent %s (Open vSwitch library %s)\n",
                   JSTACK_VERSION, PACKAGE_VERSION);
            exit(EXIT_SUCCESS);

        case OPT_DB:
            free(options->db_remote);
            options->db_remote = xstrdup(optarg);
            break;

        case OPT_UNIXCTL:
            free(options->unixctl_path);
            options->unixctl_path = xstrdup(optarg);
            break;

        case OPT_STATE_DIR:
            options->agent.state_dir = optarg;
            break;

        case OPT_SWITCH:
            options->agent.switch_target = optarg;
            break;

        VLOG_OPTION_HANDLERS
        DAEMON_OPTION_HANDLERS

        case '?':
            exit(EXIT_FAILURE);

        default:
            abort();
        }
    }
    free(short_options);
    free(long_options);

    if (optind < argc) {
        ovs_fatal(0, "unexpected argument \"%s\" (use --help for help)",
                  argv[optind]);
    }
    if (!options->db_remote) {
        options->db_remote = xasprintf("unix:%s/db.sock", ovs_rundir());
    }
    options->agent.db_remote = options->db_remote;
}

/* Prints --help and exits. */
static void
usage(void)
{
    size_t n_keys;
    const struct settings_key *keys = settings_keys(&n_keys);

    printf("%s: the jstack per-host SDN agent\n"
           "usage: %s [OPTIONS]\n"
           "\nIt programs the local Open vSwitch bridge from the "
           "controller's document.\n"
           "\nSettings (external_ids of the local Open_vSwitch row; "
           "each option overrides\nthe key of the same name):\n",
           program_name, program_name);
    for (size_t i = 0; i < n_keys; i++) {
        printf("  --%s=VALUE%*s %s%s%s\n", keys[i].option,
               (int) (20 - strlen(keys[i].option)), "", keys[i].key,
               keys[i].required ? " (required)" : ", default ",
               keys[i].required ? "" : keys[i].default_value);
    }
    printf("\nOther options:\n"
           "  --db=REMOTE             local OVSDB (default: unix:%s/db.sock)\n"
           "  --switch=TARGET         bridge OpenFlow socket (default: "
           "unix:%s/BRIDGE.mgmt)\n"
           "  --state-dir=DIR         last good document cache (default: "
           "%s)\n"
           "  --unixctl=SOCKET        override default control socket name\n"
           "  -h, --help              display this help message\n"
           "  -V, --version           display version information\n",
           ovs_rundir(), ovs_rundir(), JSTACK_DEFAULT_STATE_DIR);
    daemon_usage();
    vlog_usage();
    exit(EXIT_SUCCESS);
}
