/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "cache-writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ovs-thread.h"
#include "seq.h"
#include "socket-util.h"
#include "util.h"

/* One document to write, with its validators. */
struct cache_job {
    char *document;             /* Owned. */
    size_t length;              /* Bytes of 'document'. */
    char *validators;           /* Owned: the <cache>.etag contents. */
};

/* The writer and its thread. */
struct cache_writer {
    char *state_dir;            /* Owned; only the thread reads it. */
    char *cache_path;           /* Owned; only the thread reads it. */
    pthread_t thread;

    struct ovs_mutex mutex;     /* Guards what follows. */
    pthread_cond_t cond;        /* Signals 'pending' or 'exiting'. */
    struct cache_job *pending;  /* Owned: the next document, or NULL. */
    bool exiting;               /* Finish 'pending', then stop. */
    bool has_result;            /* A write ended since the last take. */
    char *result;               /* Owned: its error, NULL if it worked. */

    struct seq *done_seq;       /* Changes when a write ends. */
    uint64_t seen_seqno;        /* 'done_seq' as of the last take: main
                                 * thread only. */
};

/* Frees 'job'. */
static void
cache_job_destroy(struct cache_job *job)
{
    if (job) {
        free(job->document);
        free(job->validators);
        free(job);
    }
}

/* Writes 'length' bytes of 'text' to 'fd'; fsyncs and closes it.  Returns
 * 0 or an errno value. */
static int
cache_writer_write_fd(int fd, const char *text, size_t length)
{
    size_t n_written;
    int error = write_fully(fd, text, length, &n_written);
    if (!error && fsync(fd)) {
        error = errno;
    }
    if (close(fd) && !error) {
        error = errno;
    }
    return error;
}

/* Replaces the file 'path' in 'state_dir' by 'length' bytes of 'text',
 * atomically: a crash leaves either the old or the new file.  Creates the
 * state directory (mode 0750) if it is missing.  Returns NULL or an error
 * message that the caller must free. */
static char *
cache_writer_write_file(const char *state_dir, const char *path,
                        const char *text, size_t length)
{
    if (mkdir(state_dir, 0750) && errno != EEXIST) {
        return xasprintf("cannot create %s (%s)", state_dir,
                         ovs_strerror(errno));
    }

    char *tmp_path = xasprintf("%s.XXXXXX", path);
    int fd = mkstemp(tmp_path);
    if (fd < 0) {
        char *message = xasprintf("cannot create a file beside %s (%s)",
                                  path, ovs_strerror(errno));
        free(tmp_path);
        return message;
    }

    int error = cache_writer_write_fd(fd, text, length);
    if (!error && rename(tmp_path, path)) {
        error = errno;
    }
    if (error) {
        char *message = xasprintf("cannot write %s (%s)", path,
                                  ovs_strerror(error));
        unlink(tmp_path);
        free(tmp_path);
        return message;
    }
    free(tmp_path);

    /* Makes the rename itself durable. */
    int dir_fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0 || fsync(dir_fd)) {
        error = errno;
    }
    if (dir_fd >= 0) {
        close(dir_fd);
    }
    return (error
            ? xasprintf("cannot sync %s (%s)", state_dir,
                        ovs_strerror(error))
            : NULL);
}

/* Writes 'job': the document, then its validators beside it. */
static char *
cache_writer_write_job(const struct cache_writer *cw,
                       const struct cache_job *job)
{
    char *error = cache_writer_write_file(cw->state_dir, cw->cache_path,
                                          job->document, job->length);
    if (!error) {
        char *path = xasprintf("%s.etag", cw->cache_path);
        error = cache_writer_write_file(cw->state_dir, path, job->validators,
                                        strlen(job->validators));
        free(path);
    }
    return error;
}

/* The thread: writes each pending job until told to exit. */
static void *
cache_writer_main(void *cw_)
{
    struct cache_writer *cw = cw_;

    for (;;) {
        ovs_mutex_lock(&cw->mutex);
        while (!cw->pending && !cw->exiting) {
            ovs_mutex_cond_wait(&cw->cond, &cw->mutex);
        }
        struct cache_job *job = cw->pending;
        cw->pending = NULL;
        ovs_mutex_unlock(&cw->mutex);
        if (!job) {
            return NULL;
        }

        char *error = cache_writer_write_job(cw, job);
        cache_job_destroy(job);

        ovs_mutex_lock(&cw->mutex);
        free(cw->result);
        cw->result = error;
        cw->has_result = true;
        ovs_mutex_unlock(&cw->mutex);
        seq_change(cw->done_seq);
    }
}

/* Creates a writer for 'cache_path' in 'state_dir' and starts its thread.
 * The caller owns the result. */
struct cache_writer *
cache_writer_create(const char *state_dir, const char *cache_path)
{
    struct cache_writer *cw = xzalloc(sizeof *cw);

    cw->state_dir = xstrdup(state_dir);
    cw->cache_path = xstrdup(cache_path);
    ovs_mutex_init(&cw->mutex);
    xpthread_cond_init(&cw->cond, NULL);
    cw->done_seq = seq_create();
    cw->seen_seqno = seq_read(cw->done_seq);
    cw->thread = ovs_thread_create("cache_writer", cache_writer_main, cw);
    return cw;
}

/* Finishes a document that waits to be written, stops the thread and frees
 * 'cw'. */
void
cache_writer_destroy(struct cache_writer *cw)
{
    if (cw) {
        ovs_mutex_lock(&cw->mutex);
        cw->exiting = true;
        xpthread_cond_signal(&cw->cond);
        ovs_mutex_unlock(&cw->mutex);
        xpthread_join(cw->thread, NULL);

        free(cw->result);
        seq_destroy(cw->done_seq);
        xpthread_cond_destroy(&cw->cond);
        ovs_mutex_destroy(&cw->mutex);
        free(cw->state_dir);
        free(cw->cache_path);
        free(cw);
    }
}

/* Hands the thread 'document' ('length' bytes) and 'validators' (both
 * consumed) to write, replacing any document that still waits. */
void
cache_writer_submit(struct cache_writer *cw, char *document, size_t length,
                    char *validators)
{
    struct cache_job *job = xmalloc(sizeof *job);
    job->document = document;
    job->length = length;
    job->validators = validators;

    ovs_mutex_lock(&cw->mutex);
    cache_job_destroy(cw->pending);
    cw->pending = job;
    xpthread_cond_signal(&cw->cond);
    ovs_mutex_unlock(&cw->mutex);
}

/* Returns true if a write ended since the last call, storing its error (a
 * message the caller frees) or NULL in '*errorp'. */
bool
cache_writer_take_result(struct cache_writer *cw, char **errorp)
{
    cw->seen_seqno = seq_read(cw->done_seq);
    ovs_mutex_lock(&cw->mutex);
    bool has_result = cw->has_result;
    *errorp = has_result ? cw->result : NULL;
    cw->result = NULL;
    cw->has_result = false;
    ovs_mutex_unlock(&cw->mutex);
    return has_result;
}

/* Arranges for poll_block() to wake up when a write ends that
 * cache_writer_take_result() has not seen. */
void
cache_writer_wait(struct cache_writer *cw)
{
    seq_wait(cw->done_seq, cw->seen_seqno);
}
