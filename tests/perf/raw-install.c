/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* raw-install: installs a given flow set into a bridge over one vconn as
 * fast as the switch takes it, to measure the switch's own limit for
 * exactly the agent's flows.
 *
 *   raw-install --bundle|--pipelined SWITCH FILE
 *
 * SWITCH is a vconn name (e.g. "unix:RUNDIR/br0.mgmt").  FILE holds lines
 * as "ovs-appctl -t jstack-agent flows/desired" prints them: flows,
 * "group_id=..." groups and "meter=N ..." meters.
 *
 * First, untimed: every flow, group and meter of the bridge is deleted and
 * every line of FILE is parsed and encoded.  Then the groups and meters
 * are sent, followed by a barrier, and timed on their own.  Then the
 * flows, timed, either as one bundle (--bundle: open, one bundle_add per
 * flow_mod, commit; done at the commit's reply) or pipelined
 * (--pipelined: every flow_mod back to back, then a barrier; done at the
 * barrier's reply).  Replies are drained while sending, so the switch
 * never stops reading the connection.  Prints
 *   raw-install: G groups, M meters in T ms
 *   raw-install: N flows in T ms (MODE)
 * and exits with status 1 if the switch reported any error. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/ofp-bundle.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-print.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vconn.h"
#include "socket-util.h"
#include "util.h"

/* The largest OpenFlow message: its length field has 16 bits. */
#define RAW_INSTALL_MAX_MSG 65535

/* The id of the one bundle this program opens. */
#define RAW_INSTALL_BUNDLE_ID 1

/* The connection to the switch and what came back on it. */
struct raw_install_conn {
    struct vconn *vconn;        /* Owned. */
    enum ofp_version version;   /* Negotiated with the switch. */
    size_t n_errors;            /* Error replies received so far. */
    ovs_be32 done_xid;          /* The reply that ends the current wait:
                                 * a barrier or the bundle's commit. */
    bool done;                  /* Whether 'done_xid' has been answered
                                 * (by a reply or an error). */
};

/* Returns a monotonic time in milliseconds, with microseconds. */
static double
raw_install_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Handles one message 'msg' (consumed) from the switch: counts and prints
 * errors, answers echo requests, and notes the reply to 'conn->done_xid'.
 * A bundle_ctrl reply other than a commit reply (the open's) is fine. */
static void
raw_install_handle_reply(struct raw_install_conn *conn, struct ofpbuf *msg)
{
    const struct ofp_header *oh = msg->data;
    enum ofptype type;

    if (ofptype_decode(&type, oh)) {
        ofpbuf_delete(msg);
        return;
    }
    if (type == OFPTYPE_ERROR) {
        if (conn->n_errors++ < 5) {
            char *text = ofp_to_string(oh, ntohs(oh->length), NULL, NULL, 1);
            fprintf(stderr, "raw-install: switch error: %s\n", text);
            free(text);
        }
    } else if (type == OFPTYPE_ECHO_REQUEST) {
        vconn_send_block(conn->vconn, ofputil_encode_echo_reply(oh));
    }
    if (oh->xid == conn->done_xid
        && (type == OFPTYPE_ERROR || type == OFPTYPE_BARRIER_REPLY
            || type == OFPTYPE_BUNDLE_CONTROL)) {
        conn->done = true;
    }
    ofpbuf_delete(msg);
}

/* Receives and handles every message the switch has sent so far, without
 * waiting.  Exits if the connection fails. */
static void
raw_install_drain(struct raw_install_conn *conn)
{
    for (;;) {
        struct ofpbuf *msg;
        int error = vconn_recv(conn->vconn, &msg);
        if (error == EAGAIN) {
            return;
        } else if (error) {
            ovs_fatal(error, "%s: receive failed",
                      vconn_get_name(conn->vconn));
        }
        raw_install_handle_reply(conn, msg);
    }
}

/* Sends 'msg' (consumed), draining replies whenever the socket is full, so
 * that neither side ever waits for the other. */
static void
raw_install_send(struct raw_install_conn *conn, struct ofpbuf *msg)
{
    for (;;) {
        int error = vconn_send(conn->vconn, msg);
        if (!error) {
            return;
        } else if (error != EAGAIN) {
            ovs_fatal(error, "%s: send failed", vconn_get_name(conn->vconn));
        }
        raw_install_drain(conn);
        vconn_run(conn->vconn);
        vconn_run_wait(conn->vconn);
        vconn_send_wait(conn->vconn);
        vconn_recv_wait(conn->vconn);
        poll_block();
    }
}

/* Sends 'msg' (consumed) as the message whose reply (or error) ends the
 * wait, then handles replies until that one comes. */
static void
raw_install_send_and_wait(struct raw_install_conn *conn, struct ofpbuf *msg)
{
    conn->done_xid = ((const struct ofp_header *) msg->data)->xid;
    conn->done = false;
    raw_install_send(conn, msg);
    while (!conn->done) {
        vconn_run(conn->vconn);
        raw_install_drain(conn);
        if (!conn->done) {
            vconn_run_wait(conn->vconn);
            vconn_recv_wait(conn->vconn);
            poll_block();
        }
    }
}

/* Sends every message of 'msgs' (consumed), then a barrier, and waits for
 * the barrier's reply. */
static void
raw_install_send_all(struct raw_install_conn *conn, struct ovs_list *msgs)
{
    struct ofpbuf *msg;
    LIST_FOR_EACH_POP (msg, list_node, msgs) {
        raw_install_send(conn, msg);
    }
    raw_install_send_and_wait(conn,
                              ofputil_encode_barrier_request(conn->version));
}

/* Appends to 'flows', 'groups' and 'meters' the messages that add what
 * each line of file 'path' describes, for 'version'.  Exits on a line
 * that does not parse. */
static void
raw_install_read(const char *path, enum ofp_version version,
                 struct ovs_list *flows, struct ovs_list *groups,
                 struct ovs_list *meters)
{
    enum ofputil_protocol protocol
        = ofputil_protocol_from_ofp_version(version);
    FILE *file = fopen(path, "r");
    if (!file) {
        ovs_fatal(errno, "%s: open failed", path);
    }

    struct ds line = DS_EMPTY_INITIALIZER;
    int line_number = 0;
    while (!ds_get_line(&line, file)) {
        line_number++;
        const char *text = ds_cstr(&line);
        text += strspn(text, " ");
        if (!*text) {
            continue;
        }

        enum ofputil_protocol usable;
        struct ofpbuf *msg;
        char *error;
        if (!strncmp(text, "group_id=", 9)) {
            struct ofputil_group_mod gm;
            error = parse_ofp_group_mod_str(&gm, OFPGC11_ADD, text, NULL,
                                            NULL, &usable);
            if (!error) {
                msg = ofputil_encode_group_mod(version, &gm, NULL, -1);
                ofputil_uninit_group_mod(&gm);
                ovs_list_push_back(groups, &msg->list_node);
            }
        } else if (!strncmp(text, "meter=", 6)) {
            struct ofputil_meter_mod mm;
            error = parse_ofp_meter_mod_str(&mm, text, OFPMC13_ADD, &usable);
            if (!error) {
                msg = ofputil_encode_meter_mod(version, &mm);
                free(mm.meter.bands);
                ovs_list_push_back(meters, &msg->list_node);
            }
        } else {
            struct ofputil_flow_mod fm;
            error = parse_ofp_flow_mod_str(&fm, text, NULL, NULL, OFPFC_ADD,
                                           &usable);
            if (!error) {
                msg = ofputil_encode_flow_mod(&fm, protocol);
                minimatch_destroy(&fm.match);
                free(fm.ofpacts);
                ovs_list_push_back(flows, &msg->list_node);
            }
        }
        if (error) {
            ovs_fatal(0, "%s:%d: %s", path, line_number, error);
        }
    }
    ds_destroy(&line);
    fclose(file);
}

/* Deletes every flow, group and meter of the switch, and waits until it
 * has done so. */
static void
raw_install_clear(struct raw_install_conn *conn)
{
    struct ofputil_flow_mod fm = {
        .command = OFPFC_DELETE,
        .table_id = OFPTT_ALL,
        .buffer_id = UINT32_MAX,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
    };
    struct match match;
    match_init_catchall(&match);
    minimatch_init(&fm.match, &match);
    struct ovs_list msgs = OVS_LIST_INITIALIZER(&msgs);
    struct ofpbuf *msg = ofputil_encode_flow_mod(
        &fm, ofputil_protocol_from_ofp_version(conn->version));
    minimatch_destroy(&fm.match);
    ovs_list_push_back(&msgs, &msg->list_node);

    struct ofputil_group_mod gm = {
        .command = OFPGC11_DELETE,
        .group_id = OFPG_ALL,
    };
    ovs_list_init(&gm.buckets);
    msg = ofputil_encode_group_mod(conn->version, &gm, NULL, -1);
    ovs_list_push_back(&msgs, &msg->list_node);

    struct ofputil_meter_mod mm = {
        .command = OFPMC13_DELETE,
        .meter = { .meter_id = OFPM13_ALL },
    };
    msg = ofputil_encode_meter_mod(conn->version, &mm);
    ovs_list_push_back(&msgs, &msg->list_node);

    raw_install_send_all(conn, &msgs);
}

/* Wraps each flow_mod of 'flows' into a bundle_add of the program's
 * bundle, in place.  Exits if one is too large for OpenFlow. */
static void
raw_install_wrap_in_bundle(struct raw_install_conn *conn,
                           struct ovs_list *flows)
{
    struct ovs_list wrapped = OVS_LIST_INITIALIZER(&wrapped);
    struct ofpbuf *msg;
    LIST_FOR_EACH_POP (msg, list_node, flows) {
        struct ofputil_bundle_add_msg bam = {
            .bundle_id = RAW_INSTALL_BUNDLE_ID,
            .flags = OFPBF_ATOMIC | OFPBF_ORDERED,
            .msg = msg->data,
        };
        struct ofpbuf *add = ofputil_encode_bundle_add(conn->version, &bam);
        ofpbuf_delete(msg);
        if (add->size > RAW_INSTALL_MAX_MSG) {
            ovs_fatal(0, "a bundle_add of %"PRIu32" bytes exceeds the "
                      "OpenFlow limit", add->size);
        }
        ovs_list_push_back(&wrapped, &add->list_node);
    }
    ovs_list_push_back_all(flows, &wrapped);
}

/* Sends the bundle control message of 'type' for the program's bundle;
 * with 'wait', waits for its reply. */
static void
raw_install_bundle_ctrl(struct raw_install_conn *conn, uint16_t type,
                        bool wait)
{
    struct ofputil_bundle_ctrl_msg bc = {
        .bundle_id = RAW_INSTALL_BUNDLE_ID,
        .type = type,
        .flags = OFPBF_ATOMIC | OFPBF_ORDERED,
    };
    struct ofpbuf *msg = ofputil_encode_bundle_ctrl_request(conn->version,
                                                            &bc);
    if (wait) {
        raw_install_send_and_wait(conn, msg);
    } else {
        raw_install_send(conn, msg);
    }
}

/* Prints the usage and exits. */
static void
raw_install_usage(void)
{
    printf("%s: installs a flow set over one OpenFlow connection, timed\n"
           "usage: %s --bundle|--pipelined SWITCH FILE\n"
           "FILE holds flows, groups and meters as\n"
           "\"ovs-appctl -t jstack-agent flows/desired\" prints them.\n",
           program_name, program_name);
    exit(EXIT_SUCCESS);
}

int
main(int argc, char *argv[])
{
    static const struct option long_options[] = {
        {"bundle", no_argument, NULL, 'b'},
        {"pipelined", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *mode = NULL;

    set_program_name(argv[0]);
    for (;;) {
        int c = getopt_long(argc, argv, "", long_options, NULL);
        if (c == -1) {
            break;
        } else if (c == 'b') {
            mode = "bundle";
        } else if (c == 'p') {
            mode = "pipelined";
        } else if (c == 'h') {
            raw_install_usage();
        } else {
            exit(EXIT_FAILURE);
        }
    }
    if (!mode || argc - optind != 2) {
        ovs_fatal(0, "usage: %s --bundle|--pipelined SWITCH FILE "
                  "(--help for help)", program_name);
    }
    const char *target = argv[optind];
    const char *path = argv[optind + 1];

    struct raw_install_conn conn = { .vconn = NULL };
    uint32_t versions = ((1u << OFP13_VERSION) | (1u << OFP14_VERSION)
                         | (1u << OFP15_VERSION));
    int error = vconn_open_block(target, versions, DSCP_DEFAULT, -1,
                                 &conn.vconn);
    if (error) {
        ovs_fatal(error, "%s: connection failed", target);
    }
    conn.version = vconn_get_version(conn.vconn);

    struct ovs_list flows = OVS_LIST_INITIALIZER(&flows);
    struct ovs_list groups = OVS_LIST_INITIALIZER(&groups);
    struct ovs_list meters = OVS_LIST_INITIALIZER(&meters);
    raw_install_read(path, conn.version, &flows, &groups, &meters);
    size_t n_flows = ovs_list_size(&flows);
    size_t n_groups = ovs_list_size(&groups);
    size_t n_meters = ovs_list_size(&meters);
    bool bundle = !strcmp(mode, "bundle");
    if (bundle) {
        raw_install_wrap_in_bundle(&conn, &flows);
    }
    raw_install_clear(&conn);

    /* Meters first: groups do not refer to them, flows refer to both. */
    double start = raw_install_now_ms();
    raw_install_send_all(&conn, &meters);
    raw_install_send_all(&conn, &groups);
    printf("raw-install: %"PRIuSIZE" groups, %"PRIuSIZE" meters in "
           "%.3f ms\n", n_groups, n_meters, raw_install_now_ms() - start);

    start = raw_install_now_ms();
    if (bundle) {
        raw_install_bundle_ctrl(&conn, OFPBCT_OPEN_REQUEST, false);
        struct ofpbuf *msg;
        LIST_FOR_EACH_POP (msg, list_node, &flows) {
            raw_install_send(&conn, msg);
        }
        raw_install_bundle_ctrl(&conn, OFPBCT_COMMIT_REQUEST, true);
    } else {
        raw_install_send_all(&conn, &flows);
    }
    double elapsed = raw_install_now_ms() - start;
    printf("raw-install: %"PRIuSIZE" flows in %.3f ms (%s)\n", n_flows,
           elapsed, mode);

    vconn_close(conn.vconn);
    if (conn.n_errors) {
        fprintf(stderr, "raw-install: the switch reported %"PRIuSIZE
                " errors\n", conn.n_errors);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
