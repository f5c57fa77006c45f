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
 * bundle, removed ones after its commit. */

#include <stdbool.h>
#include <stdint.h>

struct desired_table;
struct ds;
struct ofputil_packet_in;

struct ofctrl;

/* Called for each packet-in, with the stage taken from the cookie of the
 * flow that sent it (enum desired_stage), the decoded packet-in and the
 * raw packet.  Owned by the caller of ofctrl_set_packet_in_handler(). */
typedef void ofctrl_packet_in_cb(int stage,
                                 const struct ofputil_packet_in *,
                                 void *aux);

struct ofctrl *ofctrl_create(bool (*owns_table)(uint8_t table_id));
void ofctrl_destroy(struct ofctrl *);
void ofctrl_set_target(struct ofctrl *, const char *target);
void ofctrl_set_packet_in_handler(struct ofctrl *, ofctrl_packet_in_cb *,
                                  void *aux);
void ofctrl_run(struct ofctrl *);
void ofctrl_wait(struct ofctrl *);

void ofctrl_put(struct ofctrl *, const struct desired_table *,
                uint64_t desired_seqno, long long int now);
void ofctrl_resync(struct ofctrl *);
void ofctrl_inject_bad_flow(struct ofctrl *);

bool ofctrl_is_connected(const struct ofctrl *);
bool ofctrl_in_sync(const struct ofctrl *, uint64_t desired_seqno);
const char *ofctrl_target(const struct ofctrl *);
const struct desired_table *ofctrl_installed(const struct ofctrl *);
void ofctrl_format_status(const struct ofctrl *, struct ds *);
void ofctrl_format_diff(const struct ofctrl *, const struct desired_table *,
                        struct ds *);

#endif /* agent/ofctrl.h */
