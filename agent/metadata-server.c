/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "metadata-server.h"

#include <curl/curl.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hash.h"
#include "host-publisher.h"
#include "host-snapshot.h"
#include "metadata-tap.h"
#include "metadata.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "settings.h"
#include "sset.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(metadata_server);

/* Limits on what one VM may make the proxy hold. */
#define METADATA_MAX_BODY (1024 * 1024)         /* Request body, bytes. */
#define METADATA_MAX_ANSWER (16 * 1024 * 1024)  /* Upstream answer. */
#define METADATA_MAX_SECRET 4096                /* Secret file, bytes. */
#define METADATA_MAX_CONNECTIONS 512            /* All VMs together. */
#define METADATA_MAX_CONNECTIONS_PER_VM 64      /* Per source address. */
#define METADATA_IDLE_TIMEOUT 30                /* s, idle connection. */
#define METADATA_RETRY_INTERVAL 1000            /* ms, failed start. */
#define METADATA_SECRET_CHECK_INTERVAL 1000     /* ms, secret file. */

/* What the proxy counts of one VM port.  Guarded by the server's mutex;
 * kept out of the host snapshots, which are immutable. */
struct metadata_vm {
    struct hmap_node node;      /* In metadata_server 'vms', by port id. */
    char *port_id;              /* Owned. */
    uint64_t n_requests;        /* Requests received. */
    uint64_t n_errors;          /* Answers with a status of 400 or more. */
    uint64_t n_limited;         /* Of those, refused for the rate (429). */
    unsigned int last_status;   /* Status of the last answer, 0 if none. */
    long long int last_time;    /* time_wall_msec() of the last answer. */
    struct metadata_bucket bucket;  /* The VM's request rate. */
};

/* The proxy.  The main loop owns it; the connection threads use the
 * members under 'mutex' and the immutable 'publisher' and 'share'. */
struct metadata_server {
    struct host_publisher *publisher;   /* Not owned: the agent's. */
    struct metadata_tap *tap;   /* Owned: the tap's host side. */

    /* Main thread only. */
    struct MHD_Daemon *daemon;  /* Owned: the HTTP server, NULL when not
                                 * serving. */
    unsigned int listen_port;   /* Port 'daemon' listens on. */
    long long int next_start;   /* When a failed start is tried again. */
    char *start_error;          /* Owned: why the last start failed. */
    bool enabled;               /* jstack-metadata-url set at last run? */
    uint64_t pruned_seqno;      /* Snapshot seqno 'vms' was pruned at. */
    char *secret_file;          /* Owned: the secret file read, "" for
                                 * none. */
    struct stat secret_stat;    /* Its stat() when last read. */
    bool secret_stat_valid;     /* 'secret_stat' holds a read file? */
    long long int next_secret_check;    /* When to stat() it again. */
    char *secret_error;         /* Owned: why the file could not be read,
                                 * NULL if it was. */
    char *secret_source;        /* Owned: where the secret came from, for
                                 * "status" (never the secret). */

    /* libcurl's shared connection cache, so that the connection threads
     * reuse connections to the upstream; 'share_locks' guard its parts. */
    CURLSH *share;              /* Owned. */
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];

    pthread_mutex_t mutex;      /* Guards every member below. */
    char *upstream_url;         /* Owned: jstack-metadata-url. */
    char *secret;               /* Owned: the shared secret, NULL until one
                                 * is known. */
    size_t secret_len;          /* Bytes of 'secret'. */
    unsigned int timeout;       /* Upstream request timeout, ms. */
    unsigned int rate;          /* Requests per second and VM. */
    unsigned int burst;         /* Requests a VM may make at once. */
    struct hmap vms;            /* Contains struct metadata_vm. */
    uint64_t n_requests;        /* Every request, from any source. */
    uint64_t n_unknown;         /* From a source that names no VM. */
    uint64_t n_forwarded;       /* Answered by the upstream. */
    uint64_t n_upstream_failures;       /* Upstream down or too slow. */
    unsigned int upstream_status;       /* Last upstream answer's status,
                                         * 0 if none. */
    char upstream_error[CURL_ERROR_SIZE];   /* Last failure, "" if none. */
    long long int upstream_last_ok;     /* time_wall_msec(), or 0. */
    long long int upstream_last_failure;    /* time_wall_msec(), or 0. */
};

/* One request of a VM, from its first call of the access handler to its
 * completion.  Owned by the MHD connection (its 'con_cls'). */
struct metadata_request {
    bool answered;              /* A response was queued. */
    char *port_id;              /* Owned: the VM's port, NULL if unknown. */
    char *device_id;            /* Owned: its deviceId (X-Instance-ID). */
    char *tenant_id;            /* Owned: its subnet's tenantId. */
    ovs_be32 fixed_ip;          /* Its fixed IP (X-Forwarded-For). */
    struct svec headers;        /* Owned: the VM's headers that may go on,
                                 * "Name: value". */
    struct ds body;             /* Owned: the request body so far. */
    bool body_too_big;          /* More than METADATA_MAX_BODY came. */
};

/* libcurl's lock callback for the share handle. */
static void
metadata_server_share_lock(CURL *easy OVS_UNUSED, curl_lock_data data,
                           curl_lock_access access OVS_UNUSED,
                           void *server_)
{
    struct metadata_server *server = server_;
    ovs_assert(!pthread_mutex_lock(&server->share_locks[data]));
}

/* libcurl's unlock callback for the share handle. */
static void
metadata_server_share_unlock(CURL *easy OVS_UNUSED, curl_lock_data data,
                             void *server_)
{
    struct metadata_server *server = server_;
    ovs_assert(!pthread_mutex_unlock(&server->share_locks[data]));
}

/* Creates the proxy, off until metadata_server_run() sees the service
 * enabled.  Its threads read host snapshots from 'publisher', which must
 * outlive it; 'tap_name' is the metadata tap's interface.  The caller owns
 * the result. */
struct metadata_server *
metadata_server_create(struct host_publisher *publisher,
                       const char *tap_name)
{
    struct metadata_server *server = xzalloc(sizeof *server);

    /* Reference counted by libcurl; paired in metadata_server_destroy().
     * Called here, in the main thread, before any connection thread. */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    server->publisher = publisher;
    server->tap = metadata_tap_create(tap_name);
    server->secret_file = xstrdup("");
    server->secret_source = xstrdup("none");
    server->pruned_seqno = UINT64_MAX;

    for (size_t i = 0; i < ARRAY_SIZE(server->share_locks); i++) {
        ovs_assert(!pthread_mutex_init(&server->share_locks[i], NULL));
    }
    server->share = curl_share_init();
    if (!server->share) {
        out_of_memory();
    }
    curl_share_setopt(server->share, CURLSHOPT_LOCKFUNC,
                      metadata_server_share_lock);
    curl_share_setopt(server->share, CURLSHOPT_UNLOCKFUNC,
                      metadata_server_share_unlock);
    curl_share_setopt(server->share, CURLSHOPT_USERDATA, server);
    curl_share_setopt(server->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(server->share, CURLSHOPT_SHARE,
                      CURL_LOCK_DATA_CONNECT);

    ovs_assert(!pthread_mutex_init(&server->mutex, NULL));
    server->upstream_url = xstrdup("");
    hmap_init(&server->vms);
    return server;
}

/* Stops the HTTP server, waiting for its connection threads (each ends
 * within the upstream timeout). */
static void
metadata_server_stop(struct metadata_server *server)
{
    if (server->daemon) {
        MHD_stop_daemon(server->daemon);
        server->daemon = NULL;
        VLOG_INFO("metadata proxy stopped listening on "
                  "169.254.169.254:%u", server->listen_port);
    }
}

/* Frees 'server' after stopping its HTTP server.  The tap keeps its
 * configuration (so does the bridge its flows). */
void
metadata_server_destroy(struct metadata_server *server)
{
    if (!server) {
        return;
    }
    metadata_server_stop(server);
    metadata_tap_destroy(server->tap);
    curl_share_cleanup(server->share);
    for (size_t i = 0; i < ARRAY_SIZE(server->share_locks); i++) {
        ovs_assert(!pthread_mutex_destroy(&server->share_locks[i]));
    }
    curl_global_cleanup();

    struct metadata_vm *vm;
    HMAP_FOR_EACH_POP (vm, node, &server->vms) {
        free(vm->port_id);
        free(vm);
    }
    hmap_destroy(&server->vms);
    ovs_assert(!pthread_mutex_destroy(&server->mutex));
    free(server->upstream_url);
    if (server->secret) {
        explicit_bzero(server->secret, server->secret_len);
        free(server->secret);
    }
    free(server->start_error);
    free(server->secret_file);
    free(server->secret_error);
    free(server->secret_source);
    free(server);
}

/* Returns the counters of port 'port_id', created if needed.  The caller
 * holds the server's mutex. */
static struct metadata_vm *
metadata_server_vm(struct metadata_server *server, const char *port_id,
                   long long int now)
{
    uint32_t hash = hash_string(port_id, 0);
    struct metadata_vm *vm;

    HMAP_FOR_EACH_WITH_HASH (vm, node, hash, &server->vms) {
        if (!strcmp(vm->port_id, port_id)) {
            return vm;
        }
    }
    vm = xzalloc(sizeof *vm);
    vm->port_id = xstrdup(port_id);
    metadata_bucket_init(&vm->bucket, server->burst, now);
    hmap_insert(&server->vms, &vm->node, hash);
    return vm;
}

/* Counts the answer 'status' to a request of port 'port_id' (NULL for an
 * unknown source). */
static void
metadata_server_count(struct metadata_server *server, const char *port_id,
                      unsigned int status)
{
    if (!port_id) {
        return;
    }
    ovs_assert(!pthread_mutex_lock(&server->mutex));
    struct metadata_vm *vm = metadata_server_vm(server, port_id,
                                                time_msec());
    vm->last_status = status;
    vm->last_time = time_wall_msec();
    if (status >= 400) {
        vm->n_errors++;
    }
    ovs_assert(!pthread_mutex_unlock(&server->mutex));
}

/* Queues the answer 'status' with 'body' ('len' bytes, taken over, freed
 * by libmicrohttpd) of type 'content_type' (NULL for none) on 'conn', and
 * counts it for 'request'. */
static enum MHD_Result
metadata_server_reply(struct metadata_server *server,
                      struct MHD_Connection *conn,
                      struct metadata_request *request, unsigned int status,
                      const char *content_type, char *body, size_t len)
{
    struct MHD_Response *response = MHD_create_response_from_buffer(
        len, body, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free(body);
        return MHD_NO;
    }
    if (content_type) {
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                                content_type);
    }
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
        MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW,
                                "GET, HEAD, POST, PUT");
    }
    enum MHD_Result result = MHD_queue_response(conn, status, response);
    MHD_destroy_response(response);
    request->answered = true;
    metadata_server_count(server, request->port_id, status);
    return result;
}

/* Answers 'status' with a one-line plain-text body made from 'format'. */
static enum MHD_Result OVS_PRINTF_FORMAT(5, 6)
metadata_server_reply_text(struct metadata_server *server,
                           struct MHD_Connection *conn,
                           struct metadata_request *request,
                           unsigned int status, const char *format, ...)
{
    struct ds body = DS_EMPTY_INITIALIZER;
    va_list args;

    va_start(args, format);
    ds_put_format_valist(&body, format, args);
    va_end(args);
    ds_put_char(&body, '\n');

    size_t len = body.length;
    return metadata_server_reply(server, conn, request, status,
                                 "text/plain; charset=utf-8",
                                 ds_steal_cstr(&body), len);
}

/* MHD_KeyValueIteratorN: passes one of the VM's headers on, unless it may
 * not go (lib/metadata.c says which). */
static enum MHD_Result
metadata_server_collect_header(void *request_, enum MHD_ValueKind kind
                               OVS_UNUSED, const char *key, size_t key_size,
                               const char *value, size_t value_size)
{
    struct metadata_request *request = request_;

    if (value && strlen(key) == key_size && strlen(value) == value_size) {
        metadata_headers_add_vm(&request->headers, key, value);
    }
    return MHD_YES;
}

/* MHD_KeyValueIteratorN: appends one query argument to the URL in 'url_'
 * (a struct ds that ends in the path or an earlier argument). */
static enum MHD_Result
metadata_server_collect_arg(void *url_, enum MHD_ValueKind kind OVS_UNUSED,
                            const char *key, size_t key_size OVS_UNUSED,
                            const char *value, size_t value_size OVS_UNUSED)
{
    struct ds *url = url_;

    metadata_url_add_query_arg(url, !strchr(ds_cstr(url), '?'), key, value);
    return MHD_YES;
}

/* Finds the VM behind the connection's source address (128.0.0.0 | its
 * ofport, as table 36 writes it) in the current host snapshot and copies
 * its identity into 'request'.  Returns false if none is there, storing
 * the source address in '*source'. */
static bool
metadata_server_identify(struct metadata_server *server,
                         struct MHD_Connection *conn,
                         struct metadata_request *request, ovs_be32 *source)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(
        conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr_in *sin = (info && info->client_addr
                                     && info->client_addr->sa_family
                                        == AF_INET
                                     ? (const struct sockaddr_in *)
                                       info->client_addr
                                     : NULL);
    *source = sin ? sin->sin_addr.s_addr : 0;

    uint32_t ofport;
    if (!sin || !metadata_ofport_from_address(*source, &ofport)) {
        return false;
    }

    struct host_snapshot *snapshot = host_publisher_acquire(
        server->publisher);
    const struct host_snapshot_port *sp = (snapshot
                                           ? host_snapshot_find(snapshot,
                                                                ofport)
                                           : NULL);
    if (sp) {
        request->port_id = xstrdup(sp->port_id);
        request->device_id = xstrdup(sp->device_id);
        request->tenant_id = xstrdup(sp->tenant_id);
        request->fixed_ip = sp->fixed_ip;
    }
    if (snapshot) {
        host_publisher_release(server->publisher, snapshot);
    }
    return sp != NULL;
}

/* Takes a token from the bucket of the request's VM and counts the
 * request.  Returns false if the VM exceeds its rate. */
static bool
metadata_server_admit(struct metadata_server *server,
                      const struct metadata_request *request)
{
    long long int now = time_msec();

    ovs_assert(!pthread_mutex_lock(&server->mutex));
    struct metadata_vm *vm = metadata_server_vm(server, request->port_id,
                                                now);
    vm->n_requests++;
    bool admitted = metadata_bucket_take(&vm->bucket, server->rate,
                                         server->burst, now);
    if (!admitted) {
        vm->n_limited++;
    }
    ovs_assert(!pthread_mutex_unlock(&server->mutex));
    return admitted;
}

/* The first call of the access handler for a request: finds the VM,
 * checks the method and the VM's rate, keeps the headers that may go on.
 * Answers at once when the request goes no further. */
static enum MHD_Result
metadata_server_begin(struct metadata_server *server,
                      struct MHD_Connection *conn,
                      struct metadata_request *request, const char *method)
{
    ovs_be32 source;

    ovs_assert(!pthread_mutex_lock(&server->mutex));
    server->n_requests++;
    ovs_assert(!pthread_mutex_unlock(&server->mutex));

    if (!metadata_server_identify(server, conn, request, &source)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "request from "IP_FMT", which names no local VM "
                     "port: refused", IP_ARGS(source));
        ovs_assert(!pthread_mutex_lock(&server->mutex));
        server->n_unknown++;
        ovs_assert(!pthread_mutex_unlock(&server->mutex));
        return metadata_server_reply_text(
            server, conn, request, MHD_HTTP_NOT_FOUND,
            "metadata proxy: no local VM port behind source address "
            IP_FMT" (only requests a VM sends to 169.254.169.254:80 "
            "through the bridge are answered)", IP_ARGS(source));
    }
    if (!metadata_server_admit(server, request)) {
        return metadata_server_reply_text(
            server, conn, request, MHD_HTTP_TOO_MANY_REQUESTS,
            "metadata proxy: too many requests from this instance; "
            "slow down");
    }
    if (strcmp(method, "GET") && strcmp(method, "HEAD")
        && strcmp(method, "POST") && strcmp(method, "PUT")) {
        return metadata_server_reply_text(
            server, conn, request, MHD_HTTP_METHOD_NOT_ALLOWED,
            "metadata proxy: method %s is not allowed", method);
    }
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND,
                                metadata_server_collect_header, request);
    return MHD_YES;
}

/* libcurl's write callback: appends what the upstream answers to the
 * struct ds 'answer_', up to METADATA_MAX_ANSWER bytes. */
static size_t
metadata_server_write(char *data, size_t size, size_t nmemb, void *answer_)
{
    struct ds *answer = answer_;
    size_t n = size * nmemb;

    if (answer->length + n > METADATA_MAX_ANSWER) {
        return 0;
    }
    ds_put_buffer(answer, data, n);
    return n;
}

/* Records the outcome of one upstream request: 'status' if it answered,
 * else 0 and 'error'. */
static void
metadata_server_note_upstream(struct metadata_server *server,
                              unsigned int status, const char *error)
{
    ovs_assert(!pthread_mutex_lock(&server->mutex));
    if (status) {
        server->n_forwarded++;
        server->upstream_status = status;
        server->upstream_error[0] = '\0';
        server->upstream_last_ok = time_wall_msec();
    } else {
        server->n_upstream_failures++;
        ovs_strlcpy(server->upstream_error, error,
                    sizeof server->upstream_error);
        server->upstream_last_failure = time_wall_msec();
    }
    ovs_assert(!pthread_mutex_unlock(&server->mutex));
}

/* Forwards 'request' ('method' on 'path' with the connection's query) to
 * the upstream with the VM's identity, and queues the upstream's status,
 * content type and body as the answer, or 502 (upstream unreachable or
 * its answer unusable) or 504 (slower than the timeout).  Runs in the
 * connection's thread and blocks it, never the main loop. */
static enum MHD_Result
metadata_server_forward(struct metadata_server *server,
                        struct MHD_Connection *conn,
                        struct metadata_request *request,
                        const char *method, const char *path)
{
    struct ds url = DS_EMPTY_INITIALIZER;
    struct svec headers = SVEC_EMPTY_INITIALIZER;
    unsigned int timeout;

    /* Copy what the main loop may change while the request runs. */
    ovs_assert(!pthread_mutex_lock(&server->mutex));
    bool have_url = metadata_url_build(&url, server->upstream_url, path);
    bool have_secret = server->secret != NULL;
    if (have_secret) {
        struct metadata_identity identity = {
            .fixed_ip = request->fixed_ip,
            .instance_id = request->device_id,
            .tenant_id = request->tenant_id,
        };
        svec_append(&headers, &request->headers);
        metadata_headers_add_identity(&headers, &identity, server->secret,
                                      server->secret_len);
    }
    timeout = server->timeout;
    ovs_assert(!pthread_mutex_unlock(&server->mutex));

    if (!have_url) {
        ds_destroy(&url);
        svec_destroy(&headers);
        return metadata_server_reply_text(
            server, conn, request, MHD_HTTP_BAD_REQUEST,
            "metadata proxy: bad request path");
    }
    if (!have_secret) {
        ds_destroy(&url);
        svec_destroy(&headers);
        return metadata_server_reply_text(
            server, conn, request, MHD_HTTP_SERVICE_UNAVAILABLE,
            "metadata proxy: no shared secret yet");
    }
    MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND,
                                metadata_server_collect_arg, &url);

    CURL *easy = curl_easy_init();
    if (!easy) {
        out_of_memory();
    }
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < headers.n; i++) {
        list = curl_slist_append(list, headers.names[i]);
    }
    /* No "Expect: 100-continue" round trip before a body. */
    list = curl_slist_append(list, "Expect:");

    struct ds answer = DS_EMPTY_INITIALIZER;
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(easy, CURLOPT_URL, ds_cstr(&url));
    curl_easy_setopt(easy, CURLOPT_SHARE, server->share);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long) timeout);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long) timeout);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, metadata_server_write);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &answer);
    if (!strcmp(method, "HEAD")) {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (!strcmp(method, "POST") || !strcmp(method, "PUT")) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t) request->body.length);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS,
                         request->body.length ? request->body.string : "");
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
    }

    CURLcode code = curl_easy_perform(easy);
    long status = 0;
    const char *type = NULL;
    if (code == CURLE_OK) {
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &type);
    }

    enum MHD_Result result;
    if (code == CURLE_OK && status >= 100 && status <= 599) {
        metadata_server_note_upstream(server, status, NULL);
        char *content_type = nullable_xstrdup(type);
        size_t len = answer.length;
        curl_easy_cleanup(easy);
        result = metadata_server_reply(server, conn, request, status,
                                       content_type, ds_steal_cstr(&answer),
                                       len);
        free(content_type);
    } else {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        const char *why = (code != CURLE_OK
                           ? (error[0] ? error : curl_easy_strerror(code))
                           : "invalid status");
        bool slow = code == CURLE_OPERATION_TIMEDOUT;
        VLOG_WARN_RL(&rl, "%s %s for %s: upstream %s: %s", method, path,
                     request->device_id, slow ? "too slow" : "failed", why);
        metadata_server_note_upstream(server, 0, why);
        curl_easy_cleanup(easy);
        ds_destroy(&answer);
        result = (slow
                  ? metadata_server_reply_text(
                      server, conn, request, MHD_HTTP_GATEWAY_TIMEOUT,
                      "metadata proxy: the metadata server did not answer "
                      "within %u ms", timeout)
                  : metadata_server_reply_text(
                      server, conn, request, MHD_HTTP_BAD_GATEWAY,
                      "metadata proxy: the metadata server is "
                      "unreachable"));
    }
    curl_slist_free_all(list);
    svec_destroy(&headers);
    ds_destroy(&url);
    return result;
}

/* libmicrohttpd's access handler, called in the connection's thread: once
 * when the headers are in, once per piece of body, and once at the end. */
static enum MHD_Result
metadata_server_handle(void *server_, struct MHD_Connection *conn,
                       const char *path, const char *method,
                       const char *version OVS_UNUSED,
                       const char *upload_data, size_t *upload_data_size,
                       void **request_)
{
    struct metadata_server *server = server_;
    struct metadata_request *request = *request_;

    if (!request) {
        request = xzalloc(sizeof *request);
        svec_init(&request->headers);
        ds_init(&request->body);
        *request_ = request;
        return metadata_server_begin(server, conn, request, method);
    }
    if (*upload_data_size) {
        if (!request->answered && !request->body_too_big) {
            if (request->body.length + *upload_data_size
                > METADATA_MAX_BODY) {
                request->body_too_big = true;
                ds_destroy(&request->body);
                ds_init(&request->body);
            } else {
                ds_put_buffer(&request->body, upload_data,
                              *upload_data_size);
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (request->answered) {
        return MHD_YES;
    }
    if (request->body_too_big) {
        return metadata_server_reply_text(
            server, conn, request, MHD_HTTP_CONTENT_TOO_LARGE,
            "metadata proxy: request body larger than %d bytes",
            METADATA_MAX_BODY);
    }
    return metadata_server_forward(server, conn, request, method, path);
}

/* libmicrohttpd's completion callback: frees the request. */
static void
metadata_server_completed(void *server OVS_UNUSED,
                          struct MHD_Connection *conn OVS_UNUSED,
                          void **request_,
                          enum MHD_RequestTerminationCode code OVS_UNUSED)
{
    struct metadata_request *request = *request_;

    if (request) {
        free(request->port_id);
        free(request->device_id);
        free(request->tenant_id);
        svec_destroy(&request->headers);
        ds_destroy(&request->body);
        free(request);
        *request_ = NULL;
    }
}

/* libmicrohttpd's unescape callback: leaves the path and the query as
 * they came, so that the upstream gets them unchanged. */
static size_t
metadata_server_unescape(void *server OVS_UNUSED,
                         struct MHD_Connection *conn OVS_UNUSED, char *s)
{
    return strlen(s);
}

/* libmicrohttpd's error logger: to the agent's log. */
static void
metadata_server_log(void *server OVS_UNUSED, const char *format,
                    va_list args)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    struct ds message = DS_EMPTY_INITIALIZER;

    ds_put_format_valist(&message, format, args);
    ds_chomp(&message, '\n');
    VLOG_WARN_RL(&rl, "libmicrohttpd: %s", ds_cstr(&message));
    ds_destroy(&message);
}

/* Starts the HTTP server on 169.254.169.254:'port'.  Returns true on
 * success; else records why and returns false. */
static bool
metadata_server_start(struct metadata_server *server, unsigned int port)
{
    struct sockaddr_in sin = {
        .sin_family = AF_INET,
        .sin_port = htons(port),
        .sin_addr.s_addr = htonl(0xa9fea9fe),
    };

    server->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION
        | MHD_USE_AUTO | MHD_USE_ERROR_LOG, port, NULL, NULL,
        metadata_server_handle, server,
        MHD_OPTION_EXTERNAL_LOGGER, metadata_server_log, server,
        MHD_OPTION_SOCK_ADDR, &sin,
        MHD_OPTION_NOTIFY_COMPLETED, metadata_server_completed, server,
        MHD_OPTION_UNESCAPE_CALLBACK, metadata_server_unescape, server,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int) METADATA_MAX_CONNECTIONS,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned int) METADATA_MAX_CONNECTIONS_PER_VM,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) METADATA_IDLE_TIMEOUT,
        MHD_OPTION_END);
    free(server->start_error);
    server->start_error = NULL;
    if (!server->daemon) {
        server->start_error = xasprintf("cannot listen on "
                                        "169.254.169.254:%u", port);
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 1);
        VLOG_WARN_RL(&rl, "metadata proxy %s", server->start_error);
        return false;
    }
    server->listen_port = port;
    VLOG_INFO("metadata proxy listening on 169.254.169.254:%u", port);
    return true;
}

/* Replaces the secret with the 'len' bytes of 'secret' (copied; NULL for
 * none), under the mutex, wiping the old one. */
static void
metadata_server_set_secret(struct metadata_server *server,
                           const char *secret, size_t len)
{
    char *copy = secret ? xmemdup0(secret, len) : NULL;

    ovs_assert(!pthread_mutex_lock(&server->mutex));
    char *old = server->secret;
    size_t old_len = server->secret_len;
    server->secret = copy;
    server->secret_len = copy ? len : 0;
    ovs_assert(!pthread_mutex_unlock(&server->mutex));
    if (old) {
        explicit_bzero(old, old_len);
        free(old);
    }
}

/* Records 'error' (taken over; NULL for none) as the secret file's
 * problem, logging it once. */
static void
metadata_server_secret_error(struct metadata_server *server, char *error)
{
    if (error && (!server->secret_error
                  || strcmp(error, server->secret_error))) {
        VLOG_WARN("%s", error);
    }
    free(server->secret_error);
    server->secret_error = error;
}

/* Reads the secret from file 'path' if it changed since it was last read
 * (another inode, size or modification time).  The secret is the file's
 * contents without trailing white space; it is never logged. */
static void
metadata_server_read_secret_file(struct metadata_server *server,
                                 const char *path)
{
    struct stat st;
    if (stat(path, &st)) {
        metadata_server_secret_error(server, xasprintf(
            "metadata secret file %s: %s", path, ovs_strerror(errno)));
        return;
    }
    if (server->secret_stat_valid && st.st_ino == server->secret_stat.st_ino
        && st.st_dev == server->secret_stat.st_dev
        && st.st_size == server->secret_stat.st_size
        && st.st_mtim.tv_sec == server->secret_stat.st_mtim.tv_sec
        && st.st_mtim.tv_nsec == server->secret_stat.st_mtim.tv_nsec) {
        return;
    }

    FILE *file = fopen(path, "rb");
    if (!file) {
        metadata_server_secret_error(server, xasprintf(
            "metadata secret file %s: %s", path, ovs_strerror(errno)));
        return;
    }
    char buf[METADATA_MAX_SECRET + 1];
    size_t len = fread(buf, 1, sizeof buf, file);
    bool failed = ferror(file);
    fclose(file);
    if (failed || len > METADATA_MAX_SECRET) {
        explicit_bzero(buf, sizeof buf);
        metadata_server_secret_error(server, xasprintf(
            "metadata secret file %s: %s", path,
            failed ? "read error" : "larger than 4096 bytes"));
        return;
    }
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'
                   || buf[len - 1] == ' ' || buf[len - 1] == '\t')) {
        len--;
    }
    metadata_server_set_secret(server, buf, len);
    explicit_bzero(buf, sizeof buf);

    server->secret_stat = st;
    server->secret_stat_valid = true;
    metadata_server_secret_error(server, NULL);
    free(server->secret_source);
    server->secret_source = xasprintf("file %s (%"PRIuSIZE" bytes)", path,
                                      len);
    VLOG_INFO("metadata secret read from %s (%"PRIuSIZE" bytes)", path, len);
}

/* Follows the secret's source: the file jstack-metadata-secret-file,
 * polled for changes, or else the setting jstack-metadata-secret. */
static void
metadata_server_update_secret(struct metadata_server *server,
                              const struct settings *settings,
                              long long int now)
{
    const char *file = settings->metadata_secret_file;

    if (strcmp(file, server->secret_file)) {
        free(server->secret_file);
        server->secret_file = xstrdup(file);
        server->secret_stat_valid = false;
        server->next_secret_check = now;
        metadata_server_secret_error(server, NULL);
        if (file[0]) {
            /* A file that cannot be read yet leaves no secret at all. */
            metadata_server_set_secret(server, NULL, 0);
            free(server->secret_source);
            server->secret_source = xasprintf("file %s (not read yet)",
                                              file);
        }
    }
    if (file[0]) {
        if (now >= server->next_secret_check) {
            server->next_secret_check = now + METADATA_SECRET_CHECK_INTERVAL;
            metadata_server_read_secret_file(server, file);
        }
        return;
    }

    const char *secret = settings->metadata_secret;
    size_t len = strlen(secret);
    ovs_assert(!pthread_mutex_lock(&server->mutex));
    bool same = (server->secret && server->secret_len == len
                 && !memcmp(server->secret, secret, len));
    ovs_assert(!pthread_mutex_unlock(&server->mutex));
    if (!same) {
        metadata_server_set_secret(server, secret, len);
        free(server->secret_source);
        server->secret_source = xstrdup(
            len ? "setting jstack-metadata-secret"
            : "none: empty (set jstack-metadata-secret-file)");
        if (!len) {
            VLOG_WARN("no metadata shared secret: requests are signed with "
                      "an empty key (set jstack-metadata-secret-file)");
        }
    }
}

/* Drops the counters of ports that are no longer in the host snapshot. */
static void
metadata_server_prune(struct metadata_server *server)
{
    struct host_snapshot *snapshot = host_publisher_acquire(
        server->publisher);
    if (!snapshot || snapshot->seqno == server->pruned_seqno) {
        if (snapshot) {
            host_publisher_release(server->publisher, snapshot);
        }
        return;
    }
    server->pruned_seqno = snapshot->seqno;

    struct sset ports = SSET_INITIALIZER(&ports);
    const struct host_snapshot_port *sp;
    HMAP_FOR_EACH (sp, node, &snapshot->ports) {
        sset_add(&ports, sp->port_id);
    }
    host_publisher_release(server->publisher, snapshot);

    ovs_assert(!pthread_mutex_lock(&server->mutex));
    struct metadata_vm *vm;
    HMAP_FOR_EACH_SAFE (vm, node, &server->vms) {
        if (!sset_contains(&ports, vm->port_id)) {
            hmap_remove(&server->vms, &vm->node);
            free(vm->port_id);
            free(vm);
        }
    }
    ovs_assert(!pthread_mutex_unlock(&server->mutex));
    sset_destroy(&ports);
}

/* Follows 'settings': when jstack-metadata-url is set, configures the tap,
 * serves once it is ready (on jstack-metadata-port) and keeps the
 * upstream, timeout, rate and secret current for the connection threads;
 * when it is not, stops serving and removes the tap's configuration.
 * 'now' is time_msec(). */
void
metadata_server_run(struct metadata_server *server,
                    const struct settings *settings, long long int now)
{
    bool enabled = settings->metadata_url[0] != '\0';

    if (enabled != server->enabled) {
        server->enabled = enabled;
        VLOG_INFO("metadata service %s", enabled ? "on" : "off (no "
                  "jstack-metadata-url)");
    }
    metadata_tap_run(server->tap, enabled, now);
    if (!enabled) {
        metadata_server_stop(server);
        return;
    }

    ovs_assert(!pthread_mutex_lock(&server->mutex));
    if (strcmp(server->upstream_url, settings->metadata_url)) {
        free(server->upstream_url);
        server->upstream_url = xstrdup(settings->metadata_url);
    }
    server->timeout = settings->metadata_timeout;
    server->rate = settings->metadata_rate;
    server->burst = settings->metadata_burst;
    ovs_assert(!pthread_mutex_unlock(&server->mutex));
    metadata_server_update_secret(server, settings, now);
    metadata_server_prune(server);

    if (server->daemon && server->listen_port != settings->metadata_port) {
        metadata_server_stop(server);
    }
    if (!server->daemon && metadata_tap_is_ready(server->tap)
        && now >= server->next_start
        && !metadata_server_start(server, settings->metadata_port)) {
        server->next_start = now + METADATA_RETRY_INTERVAL;
    }
}

/* Arranges for poll_block() to wake up when metadata_server_run() has
 * work: the tap, a start to retry, the secret file to look at. */
void
metadata_server_wait(const struct metadata_server *server)
{
    metadata_tap_wait(server->tap);
    if (server->enabled) {
        if (!server->daemon && server->next_start) {
            poll_timer_wait_until(server->next_start);
        }
        if (server->secret_file[0]) {
            poll_timer_wait_until(server->next_secret_check);
        }
    }
}

/* Appends "time" for 'wall_msec' (0 for never) to 'out'. */
static void
metadata_server_put_time(struct ds *out, long long int wall_msec)
{
    if (wall_msec) {
        ds_put_strftime_msec(out, "%Y-%m-%dT%H:%M:%S.###Z", wall_msec, true);
    } else {
        ds_put_cstr(out, "never");
    }
}

/* Appends the upstream's state to 'out'.  The caller holds the mutex. */
static void
metadata_server_put_upstream(const struct metadata_server *server,
                             struct ds *out)
{
    ds_put_format(out, "upstream %s: ", server->upstream_url);
    if (server->upstream_last_failure > server->upstream_last_ok) {
        ds_put_format(out, "down (%s, at ", server->upstream_error);
        metadata_server_put_time(out, server->upstream_last_failure);
        ds_put_cstr(out, ")");
    } else if (server->upstream_last_ok) {
        ds_put_format(out, "up (last answer %u at ",
                      server->upstream_status);
        metadata_server_put_time(out, server->upstream_last_ok);
        ds_put_cstr(out, ")");
    } else {
        ds_put_cstr(out, "not asked yet");
    }
    ds_put_format(out, "; %"PRIu64" answers, %"PRIu64" failures, timeout "
                  "%u ms\n", server->n_forwarded,
                  server->n_upstream_failures, server->timeout);
}

/* Appends the proxy's state to 'out', for "status": a few lines, without
 * the secret. */
void
metadata_server_format_status(struct metadata_server *server,
                              struct ds *out)
{
    if (!server->enabled) {
        ds_put_cstr(out, "metadata proxy: off (jstack-metadata-url is not "
                    "set)\n");
        return;
    }
    if (server->daemon) {
        ds_put_format(out, "metadata proxy: listening on "
                      "169.254.169.254:%u", server->listen_port);
    } else {
        ds_put_format(out, "metadata proxy: not listening (%s)",
                      server->start_error ? server->start_error
                      : "waiting for the tap");
    }
    ds_put_format(out, ", secret from %s%s%s\n", server->secret_source,
                  server->secret_error ? ": " : "",
                  server->secret_error ? server->secret_error : "");
    metadata_tap_format_status(server->tap, out);
    ovs_assert(!pthread_mutex_lock(&server->mutex));
    ds_put_format(out, "metadata requests: %"PRIu64" (%"PRIu64" from "
                  "unknown sources), rate %u/s burst %u per VM\n",
                  server->n_requests, server->n_unknown, server->rate,
                  server->burst);
    ds_put_cstr(out, "metadata ");
    metadata_server_put_upstream(server, out);
    ovs_assert(!pthread_mutex_unlock(&server->mutex));
}

/* Appends to 'out', for "metadata/show": the proxy's state, the
 * upstream's, and one line per local VM port: requests, errors, rate
 * refusals and the last status. */
void
metadata_server_format_show(struct metadata_server *server, struct ds *out)
{
    metadata_server_format_status(server, out);

    struct host_snapshot *snapshot = host_publisher_acquire(
        server->publisher);
    if (!snapshot) {
        return;
    }
    ovs_assert(!pthread_mutex_lock(&server->mutex));
    const struct host_snapshot_port *sp;
    HMAP_FOR_EACH (sp, node, &snapshot->ports) {
        const struct metadata_vm *vm = NULL, *candidate;
        HMAP_FOR_EACH_WITH_HASH (candidate, node,
                                 hash_string(sp->port_id, 0),
                                 &server->vms) {
            if (!strcmp(candidate->port_id, sp->port_id)) {
                vm = candidate;
            }
        }
        ds_put_format(out, "port %s device %s ofport %"PRIu32" ip "IP_FMT
                      " source "IP_FMT": requests %"PRIu64" errors %"PRIu64
                      " limited %"PRIu64" last status ", sp->port_id,
                      sp->device_id, sp->ofport, IP_ARGS(sp->fixed_ip),
                      IP_ARGS(htonl(0x80000000u | sp->ofport)),
                      vm ? vm->n_requests : 0, vm ? vm->n_errors : 0,
                      vm ? vm->n_limited : 0);
        if (vm && vm->last_status) {
            ds_put_format(out, "%u at ", vm->last_status);
            metadata_server_put_time(out, vm->last_time);
        } else {
            ds_put_cstr(out, "none");
        }
        ds_put_char(out, '\n');
    }
    ovs_assert(!pthread_mutex_unlock(&server->mutex));
    host_publisher_release(server->publisher, snapshot);
}
