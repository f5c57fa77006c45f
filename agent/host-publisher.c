/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "host-publisher.h"

#include <pthread.h>
#include <stdlib.h>

#include "host-snapshot.h"
#include "util.h"

/* The latest snapshot and the lock that guards every reference count.
 * (A plain pthread mutex: OVS's ovs_mutex reads its 'where' member before
 * it locks, which Helgrind rightly reports as a race.) */
struct host_publisher {
    pthread_mutex_t mutex;
    struct host_snapshot *current;      /* Guarded by 'mutex': one
                                         * reference held, or NULL before
                                         * the first publish. */
};

/* Drops one reference to 'snapshot' (may be NULL), freeing it with the
 * last. */
static void
host_publisher_unref(struct host_snapshot *snapshot)
{
    if (snapshot && !--snapshot->n_refs) {
        host_snapshot_destroy(snapshot);
    }
}

/* Creates a publisher with no snapshot yet.  The caller owns it. */
struct host_publisher *
host_publisher_create(void)
{
    struct host_publisher *pub = xzalloc(sizeof *pub);

    ovs_assert(!pthread_mutex_init(&pub->mutex, NULL));
    return pub;
}

/* Frees 'pub', dropping its reference to the current snapshot.  No thread
 * may use 'pub' any more; snapshots they still hold must have been
 * released. */
void
host_publisher_destroy(struct host_publisher *pub)
{
    if (pub) {
        ovs_assert(!pthread_mutex_lock(&pub->mutex));
        host_publisher_unref(pub->current);
        ovs_assert(!pthread_mutex_unlock(&pub->mutex));
        ovs_assert(!pthread_mutex_destroy(&pub->mutex));
        free(pub);
    }
}

/* Makes 'snapshot' (its one reference is taken over) the current one.
 * Threads that hold the previous one keep it until they release it. */
void
host_publisher_publish(struct host_publisher *pub,
                       struct host_snapshot *snapshot)
{
    ovs_assert(!pthread_mutex_lock(&pub->mutex));
    struct host_snapshot *old = pub->current;
    pub->current = snapshot;
    host_publisher_unref(old);
    ovs_assert(!pthread_mutex_unlock(&pub->mutex));
}

/* Returns the current snapshot with a reference for the caller, who must
 * give it back with host_publisher_release(), or NULL if none was
 * published yet. */
struct host_snapshot *
host_publisher_acquire(struct host_publisher *pub)
{
    ovs_assert(!pthread_mutex_lock(&pub->mutex));
    struct host_snapshot *snapshot = pub->current;
    if (snapshot) {
        snapshot->n_refs++;
    }
    ovs_assert(!pthread_mutex_unlock(&pub->mutex));
    return snapshot;
}

/* Gives back a snapshot that host_publisher_acquire() returned. */
void
host_publisher_release(struct host_publisher *pub,
                       struct host_snapshot *snapshot)
{
    ovs_assert(!pthread_mutex_lock(&pub->mutex));
    host_publisher_unref(snapshot);
    ovs_assert(!pthread_mutex_unlock(&pub->mutex));
}
