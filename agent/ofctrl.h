/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_OFCTRL_H
#define JSTACK_OFCTRL_H 1

/* The agent's one OpenFlow 1.3 connection to the integration bridge, over
 * its management socket (<rundir>/<bridge>.mgmt).  This is the only module
 * that speaks OpenFlow.
 *
 * On every (re)connection it reads the bridge's flows, groups and meters
 * once (the snapshot), and from then on keeps a mirror of what is
 * installed.  ofctrl_put() diffs the desired state against that mirror and
 * sends the difference as one atomic bundle: flow and group mods inside it
 * (each message well below 64 KiB), a barrier, and a commit only if the
 * switch reported no error; otherwise a discard and a fresh snapshot.
 * Meters cannot be bundled: new and changed ones are sent before the
 * bundle, removed ones after its commit.
 *
 * It also carries the packet handlers' traffic: packet-ins are dispatched
 * by the table of the flow that sent them to the handler registered for
 * that table, and handlers answer with packet-outs.
 *
 * A local unix socket target is retried every OFCTRL_LOCAL_RETRY_MS while
 * the switch is away, so the flows return as soon as it does, however
 * long it was gone. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/types.h"

struct desired_table;
struct ds;
struct ofputil_packet_in;
struct sset;

/* One update of the bridge toward a desired state: a committed bundle, or
 * the finding that the bridge held that state already. */
struct ofctrl_update {
    uint64_t number;            /* 1, 2, ... in order, since start. */
    uint64_t desired_seqno;     /* The desired state it brought about. */
    long long int sent;         /* time_usec() its bundle commit was
                                 * written to the switch (or it was found
                                 * in sync). */
    long long int acked;        /* time_usec() the reply to the barrier
                                 * after that commit came back (or it was
                                 * found in sync). */
    uint64_t n_flow_mods;       /* flow_mods in its bundle. */
};

struct ofctrl;

/* Called for each packet-in sent by a flow of the table the handler is
 * registered for, with the decoded packet-in (its packet and metadata
 * belong to ofctrl and are valid only during the call) and the 'aux' given
 * at registration.  A handler may call ofctrl_send_packet_out(). */
typedef void ofctrl_packet_in_cb(struct ofctrl *,
                                 const struct ofputil_packet_in *,
                                 void *aux);

struct ofctrl *ofctrl_create(bool (*owns_table)(uint8_t table_id));
void ofctrl_destroy(struct ofctrl *);
void ofctrl_set_target(struct ofctrl *, const char *target);
void ofctrl_register_packet_in(struct ofctrl *, uint8_t table_id,
                               ofctrl_packet_in_cb *, void *aux);
bool ofctrl_send_packet_out(struct ofctrl *, const void *packet,
                            size_t size, ofp_port_t out_port,
                            const ovs_be64 *tun_id);
void ofctrl_run(struct ofctrl *);
void ofctrl_wait(struct ofctrl *);

void ofctrl_set_unplumbed(struct ofctrl *, const struct sset *unplumbed,
                          long long int now);
bool ofctrl_is_connecting(const struct ofctrl *);
bool ofctrl_holds_first_install(struct ofctrl *, long long int now);
void ofctrl_put(struct ofctrl *, const struct desired_table *,
                struct desired_table *changed,
                uint64_t desired_seqno, long long int now);
void ofctrl_resync(struct ofctrl *);
void ofctrl_inject_bad_flow(struct ofctrl *, bool inject);

bool ofctrl_is_connected(const struct ofctrl *);
bool ofctrl_in_sync(const struct ofctrl *, uint64_t desired_seqno);
struct ofctrl_update ofctrl_last_update(const struct ofctrl *);
const char *ofctrl_target(const struct ofctrl *);
const struct desired_table *ofctrl_installed(const struct ofctrl *);
void ofctrl_format_status(const struct ofctrl *, struct ds *);
void ofctrl_format_diff(const struct ofctrl *, const struct desired_table *,
                        struct ds *);

#endif /* agent/ofctrl.h */
