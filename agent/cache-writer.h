/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_CACHE_WRITER_H
#define JSTACK_CACHE_WRITER_H 1

/* Writes the controller's last good document and its validators to the
 * state directory in a thread of its own, so that the fsyncs that make the
 * cache durable never stall the poll loop.  Each write is atomic (a
 * temporary file, fsync, rename, fsync of the directory); a newer document
 * submitted while one is being written replaces any that waits. */

#include <stdbool.h>
#include <stddef.h>

struct cache_writer;

struct cache_writer *cache_writer_create(const char *state_dir,
                                         const char *cache_path);
void cache_writer_destroy(struct cache_writer *);
void cache_writer_submit(struct cache_writer *, char *document,
                         size_t length, char *validators);
bool cache_writer_take_result(struct cache_writer *, char **errorp);
void cache_writer_wait(struct cache_writer *);

#endif /* agent/cache-writer.h */
