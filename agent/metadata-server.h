/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_METADATA_SERVER_H
#define JSTACK_METADATA_SERVER_H 1

/* The instance-metadata proxy (docs/metadata.md): an HTTP server
 * (libmicrohttpd, one thread per connection) on 169.254.169.254:<port> of
 * the metadata tap, which forwards each VM's request to the upstream
 * metadata server (Nova's metadata API) with the VM's identity attached,
 * exactly as Neutron's metadata agent does.  The connection threads find
 * the VM behind a source address in the host snapshots the main loop
 * publishes (agent/host-publisher.h), and forward with a blocking libcurl
 * easy handle each, so the main loop never waits on a VM or the upstream.
 *
 * The main loop drives it with metadata_server_run() / _wait(): it follows
 * the settings (the service is on when jstack-metadata-url is set),
 * configures the tap's host side (agent/metadata-tap.h), starts and stops
 * the HTTP server, and reads the shared secret file when it changes. */

struct ds;
struct host_publisher;
struct settings;

struct metadata_server;

struct metadata_server *metadata_server_create(struct host_publisher *,
                                               const char *tap_name);
void metadata_server_destroy(struct metadata_server *);
void metadata_server_run(struct metadata_server *, const struct settings *,
                         long long int now);
void metadata_server_wait(const struct metadata_server *);
void metadata_server_format_status(struct metadata_server *, struct ds *);
void metadata_server_format_show(struct metadata_server *, struct ds *);

#endif /* agent/metadata-server.h */
