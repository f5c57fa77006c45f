/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_VR_MONITOR_H
#define JSTACK_VR_MONITOR_H 1

/* Virtual-router liveness, the agent's side (docs/vr-probes.md).
 *
 * Every jstack-vr-probe-interval ms the monitor sends one probe frame
 * (lib/vr-probe.h) through the tunnel port of each router of the host
 * view, as a packet-out with tun_id 0.  Table 0 punts the reflected
 * replies that arrive through a router's tunnel port; the monitor, the
 * handler of table 0's packet-ins, passes each to the liveness state
 * machine (lib/vr-liveness.h) with the router of the port it arrived on.
 *
 * Whenever a router becomes down or live again, the monitor gives the host
 * state the new set of down routers (host_state_set_down_routers()), so the
 * pipeline recomputes the select groups without their buckets and the
 * group_mods reach the bridge through the same diff and bundle as every
 * other change.  It logs each router's changes of state, and an error each
 * time a group starts failing open (every router down, all kept).
 *
 * It registers the unixctl command "vr/show". */

struct ds;
struct host_state;
struct ofctrl;
struct settings;

struct vr_monitor;

struct vr_monitor *vr_monitor_create(struct ofctrl *);
void vr_monitor_destroy(struct vr_monitor *);
void vr_monitor_run(struct vr_monitor *, struct host_state *,
                    const struct settings *);
void vr_monitor_wait(const struct vr_monitor *);
void vr_monitor_format_status(const struct vr_monitor *, struct ds *);

#endif /* agent/vr-monitor.h */
