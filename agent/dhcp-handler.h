/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_DHCP_HANDLER_H
#define JSTACK_DHCP_HANDLER_H 1

/* The agent's DHCPv4 server (issue 12, docs/dhcp.md): the handler of the
 * packet-ins of the DHCP table (PIPELINE_T_DHCP).
 *
 * A packet-in is matched to the local port of its in_port (O(1), through
 * the host state), parsed, checked (the frame's source MAC and chaddr must
 * be the port's), decided and answered with a packet-out to the same port,
 * from the subnet's DHCP server (lib/dhcp.h does all of it without I/O).
 * RELEASE and DECLINE are logged and counted; whatever gets no answer is
 * counted by reason, and logged with a rate limit.  The handler only reads
 * the host state and the settings, and never blocks: the packet-out is
 * queued on the bridge connection.
 *
 * The pipeline holds each port to jstack-dhcp-rate packets per second
 * (a meter on its punt flow), so a flooding VM cannot starve the agent. */

#include <stdbool.h>

struct ds;
struct host_state;
struct ofctrl;
struct settings;

struct dhcp_handler;

struct dhcp_handler *dhcp_handler_create(const struct host_state *,
                                         const struct settings *);
void dhcp_handler_destroy(struct dhcp_handler *);
void dhcp_handler_register(struct dhcp_handler *, struct ofctrl *);
void dhcp_handler_run(struct dhcp_handler *);

void dhcp_handler_format_status(const struct dhcp_handler *, struct ds *);
void dhcp_handler_format_show(const struct dhcp_handler *,
                              long long int now, struct ds *);

#endif /* agent/dhcp-handler.h */
