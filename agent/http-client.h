/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_HTTP_CLIENT_H
#define JSTACK_HTTP_CLIENT_H 1

/* HTTP(S) and file:// transfers with libcurl's multi interface, driven from
 * the OVS poll loop through libcurl's socket and timer callbacks
 * (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION): the client learns
 * which descriptors libcurl waits on and when its next timeout is, waits
 * for exactly those with poll_fd_wait() and poll_timer_wait_until(), and
 * hands libcurl only the sockets that are ready.  No fd_set, so any
 * descriptor number works.
 *
 * A caller prepares a CURL easy handle as it likes (URL, headers, write
 * callback, TLS) and gives it to http_client_start(); when the transfer
 * ends, the client calls the caller's completion callback once, from
 * http_client_run(), and the caller then owns the handle again. */

#include <curl/curl.h>
#include <stdbool.h>
#include "openvswitch/compiler.h"

struct http_client;

/* Called once when the transfer of 'easy' has ended with 'result'.  The
 * handle is no longer the client's: the callback may free it, or reuse
 * it with http_client_start(). */
typedef void http_client_done_cb(CURL *easy, CURLcode result, void *aux);

struct http_client *http_client_create(void);
void http_client_destroy(struct http_client *);
char *http_client_start(struct http_client *, CURL *easy,
                        http_client_done_cb *, void *aux)
    OVS_WARN_UNUSED_RESULT;
void http_client_cancel(struct http_client *, CURL *easy);
void http_client_run(struct http_client *);
void http_client_wait(struct http_client *);

#endif /* agent/http-client.h */
