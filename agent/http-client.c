/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "http-client.h"

#include <limits.h>
#include <poll.h>
#include <stdlib.h>

#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(http_client);

/* A socket libcurl wants watched. */
struct http_socket {
    struct hmap_node node;      /* In http_client 'sockets', by fd. */
    curl_socket_t fd;
    short int events;           /* POLLIN and/or POLLOUT. */
};

/* A transfer under way: its completion callback. */
struct http_transfer {
    struct hmap_node node;      /* In http_client 'transfers', by handle. */
    CURL *easy;                 /* Not owned: the caller's handle. */
    http_client_done_cb *done;
    void *aux;
};

/* The client. */
struct http_client {
    CURLM *multi;               /* Owned. */
    struct hmap sockets;        /* Contains struct http_socket: what libcurl
                                 * waits on, as its socket callback said. */
    struct hmap transfers;      /* Contains struct http_transfer. */
    long long int deadline;     /* time_msec() of libcurl's next timeout,
                                 * LLONG_MAX for none. */
};

/* Returns the socket entry of 'fd', or NULL. */
static struct http_socket *
http_client_find_socket(const struct http_client *client, curl_socket_t fd)
{
    struct http_socket *s;
    HMAP_FOR_EACH_WITH_HASH (s, node, hash_int(fd, 0), &client->sockets) {
        if (s->fd == fd) {
            return s;
        }
    }
    return NULL;
}

/* libcurl's socket callback: what to wait for on 'fd' from now on. */
static int
http_client_socket_cb(CURL *easy OVS_UNUSED, curl_socket_t fd, int what,
                      void *client_, void *socketp OVS_UNUSED)
{
    struct http_client *client = client_;
    struct http_socket *s = http_client_find_socket(client, fd);

    if (what == CURL_POLL_REMOVE) {
        if (s) {
            hmap_remove(&client->sockets, &s->node);
            free(s);
        }
        return 0;
    }
    if (!s) {
        s = xzalloc(sizeof *s);
        s->fd = fd;
        hmap_insert(&client->sockets, &s->node, hash_int(fd, 0));
    }
    s->events = ((what == CURL_POLL_IN || what == CURL_POLL_INOUT
                  ? POLLIN : 0)
                 | (what == CURL_POLL_OUT || what == CURL_POLL_INOUT
                    ? POLLOUT : 0));
    return 0;
}

/* libcurl's timer callback: when to call it back even if no socket is
 * ready ('timeout_ms' -1 for never). */
static int
http_client_timer_cb(CURLM *multi OVS_UNUSED, long int timeout_ms,
                     void *client_)
{
    struct http_client *client = client_;

    client->deadline = (timeout_ms < 0 ? LLONG_MAX
                        : time_msec() + timeout_ms);
    return 0;
}

/* Creates a client with no transfer.  The caller owns it. */
struct http_client *
http_client_create(void)
{
    struct http_client *client = xzalloc(sizeof *client);

    /* Reference counted by libcurl; paired in http_client_destroy(). */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    client->multi = curl_multi_init();
    if (!client->multi) {
        out_of_memory();
    }
    hmap_init(&client->sockets);
    hmap_init(&client->transfers);
    client->deadline = LLONG_MAX;
    curl_multi_setopt(client->multi, CURLMOPT_SOCKETFUNCTION,
                      http_client_socket_cb);
    curl_multi_setopt(client->multi, CURLMOPT_SOCKETDATA, client);
    curl_multi_setopt(client->multi, CURLMOPT_TIMERFUNCTION,
                      http_client_timer_cb);
    curl_multi_setopt(client->multi, CURLMOPT_TIMERDATA, client);
    return client;
}

/* Returns the transfer of 'easy', or NULL. */
static struct http_transfer *
http_client_find_transfer(const struct http_client *client, CURL *easy)
{
    struct http_transfer *t;
    HMAP_FOR_EACH_WITH_HASH (t, node, hash_pointer(easy, 0),
                             &client->transfers) {
        if (t->easy == easy) {
            return t;
        }
    }
    return NULL;
}

/* Abandons the transfer of 'easy' without calling its callback; the caller
 * owns the handle again.  Does nothing if 'easy' is not under way. */
void
http_client_cancel(struct http_client *client, CURL *easy)
{
    struct http_transfer *t = http_client_find_transfer(client, easy);

    if (t) {
        curl_multi_remove_handle(client->multi, easy);
        hmap_remove(&client->transfers, &t->node);
        free(t);
    }
}

/* Frees 'client', abandoning its transfers (their callbacks are not
 * called; their handles stay their callers'). */
void
http_client_destroy(struct http_client *client)
{
    if (client) {
        struct http_transfer *t;
        HMAP_FOR_EACH_SAFE (t, node, &client->transfers) {
            http_client_cancel(client, t->easy);
        }
        curl_multi_cleanup(client->multi);
        curl_global_cleanup();

        struct http_socket *s;
        HMAP_FOR_EACH_POP (s, node, &client->sockets) {
            free(s);
        }
        hmap_destroy(&client->sockets);
        hmap_destroy(&client->transfers);
        free(client);
    }
}

/* Starts the transfer that 'easy' describes; 'done' is called with 'aux'
 * when it ends.  Returns NULL, or a malloc()ed message if libcurl refuses
 * the handle (the caller keeps it then). */
char *
http_client_start(struct http_client *client, CURL *easy,
                  http_client_done_cb *done, void *aux)
{
    CURLMcode error = curl_multi_add_handle(client->multi, easy);
    if (error != CURLM_OK) {
        return xasprintf("cannot start a transfer: %s",
                         curl_multi_strerror(error));
    }
    struct http_transfer *t = xmalloc(sizeof *t);
    t->easy = easy;
    t->done = done;
    t->aux = aux;
    hmap_insert(&client->transfers, &t->node, hash_pointer(easy, 0));
    return NULL;
}

/* Calls the callbacks of the transfers that ended. */
static void
http_client_finish(struct http_client *client)
{
    CURLMsg *msg;
    int n_left;

    while ((msg = curl_multi_info_read(client->multi, &n_left))) {
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        CURL *easy = msg->easy_handle;
        CURLcode result = msg->data.result;
        struct http_transfer *t = http_client_find_transfer(client, easy);
        if (!t) {
            continue;
        }
        http_client_done_cb *done = t->done;
        void *aux = t->aux;
        http_client_cancel(client, easy);
        done(easy, result, aux);
    }
}

/* Hands libcurl the sockets that are ready and its timeout if it passed,
 * then calls the callbacks of the transfers that ended. */
void
http_client_run(struct http_client *client)
{
    size_t n = hmap_count(&client->sockets);
    struct pollfd *fds = xmalloc(MAX(n, 1) * sizeof *fds);
    size_t i = 0;
    struct http_socket *s;
    HMAP_FOR_EACH (s, node, &client->sockets) {
        fds[i++] = (struct pollfd) { .fd = s->fd, .events = s->events };
    }

    int n_running;
    if (n && poll(fds, n, 0) > 0) {
        /* libcurl's callbacks may change 'sockets' meanwhile: act on the
         * copy. */
        for (i = 0; i < n; i++) {
            int flags = ((fds[i].revents & POLLIN ? CURL_CSELECT_IN : 0)
                         | (fds[i].revents & POLLOUT ? CURL_CSELECT_OUT : 0)
                         | (fds[i].revents & (POLLERR | POLLHUP | POLLNVAL)
                            ? CURL_CSELECT_ERR : 0));
            if (flags) {
                curl_multi_socket_action(client->multi, fds[i].fd, flags,
                                         &n_running);
            }
        }
    }
    free(fds);

    if (time_msec() >= client->deadline) {
        client->deadline = LLONG_MAX;
        curl_multi_socket_action(client->multi, CURL_SOCKET_TIMEOUT, 0,
                                 &n_running);
    }
    http_client_finish(client);
}

/* Arranges for poll_block() to wake up when a socket libcurl waits on is
 * ready or its timeout passes. */
void
http_client_wait(struct http_client *client)
{
    struct http_socket *s;
    HMAP_FOR_EACH (s, node, &client->sockets) {
        poll_fd_wait(s->fd, s->events);
    }
    if (client->deadline != LLONG_MAX) {
        poll_timer_wait_until(client->deadline);
    }
}
