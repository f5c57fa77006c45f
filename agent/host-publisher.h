/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_HOST_PUBLISHER_H
#define JSTACK_HOST_PUBLISHER_H 1

/* Hands the latest host snapshot (lib/host-snapshot.h) from the main loop
 * to other threads.  The main loop publishes a new snapshot after each
 * change of the host state; a thread acquires the current one, reads it as
 * long as it likes, and releases it.  A snapshot is freed when the last of
 * its holders (the publisher or a thread) lets go.  Every function is
 * thread-safe; the reference counts change only under the mutex. */

struct host_snapshot;

struct host_publisher;

struct host_publisher *host_publisher_create(void);
void host_publisher_destroy(struct host_publisher *);
void host_publisher_publish(struct host_publisher *, struct host_snapshot *);
struct host_snapshot *host_publisher_acquire(struct host_publisher *);
void host_publisher_release(struct host_publisher *, struct host_snapshot *);

#endif /* agent/host-publisher.h */
