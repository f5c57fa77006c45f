/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "source.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coverage.h"
#include "cache-writer.h"
#include "http-client.h"
#include "model.h"
#include "settings.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "random.h"
#include "sha1.h"
#include "socket-util.h"
#include "svec.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(source);

COVERAGE_DEFINE(source_request);
COVERAGE_DEFINE(source_changed);
COVERAGE_DEFINE(source_unchanged);
COVERAGE_DEFINE(source_error);
COVERAGE_DEFINE(source_rejected);

/* Backoff while the controller fails: the first retry comes after
 * SOURCE_BACKOFF_MIN ms, each further one after twice as long, up to
 * SOURCE_BACKOFF_MAX ms, every delay spread by +/- SOURCE_JITTER_PCT %. */
#define SOURCE_BACKOFF_MIN 1000
#define SOURCE_BACKOFF_MAX (60 * 1000)
#define SOURCE_JITTER_PCT 20

/* The cached document's name in the state directory. */
#define SOURCE_CACHE_NAME "subnets.json"

/* What the source is doing. */
enum source_state {
    SOURCE_IDLE,                /* Waiting for the next poll. */
    SOURCE_FETCHING,            /* A request is under way. */
    SOURCE_BACKOFF,             /* Waiting to retry a failed request. */
};

/* The desired-state source. */
struct source {
    /* Options (owned copies of struct source_options; "" when unset). */
    char *url;
    char *display_url;          /* 'url' with any password replaced, for
                                 * logs and unixctl output. */
    unsigned int poll_interval; /* Milliseconds. */
    unsigned int timeout;       /* Milliseconds. */
    size_t max_document;        /* Bytes. */
    char *ca_file;
    char *cert_file;
    char *key_file;

    char *state_dir;            /* Owned: where the cache lives. */
    char *cache_error;          /* Owned: why the last document could not
                                 * be cached, NULL if it was. */
    struct cache_writer *cache_writer;  /* Owned: writes the cache in a
                                         * thread of its own. */
    char *cache_path;           /* Owned: <state_dir>/subnets.json. */

    /* The transfer. */
    struct http_client *http;   /* Owned: keeps connections for reuse. */
    CURL *easy;                 /* Owned, in 'http': the request under way,
                                 * NULL unless SOURCE_FETCHING. */
    struct curl_slist *headers; /* Owned: the request's extra headers. */
    struct ds body;             /* The response body received so far. */
    bool body_too_big;          /* Body exceeded 'max_document'. */
    char curl_error[CURL_ERROR_SIZE];   /* libcurl's detail on a failure. */

    enum source_state state;
    long long int next_request; /* time_msec() of the next request, unless
                                 * SOURCE_FETCHING. */
    long long int request_started;      /* time_msec() it started at. */
    unsigned int n_failures;    /* Consecutive failed requests. */

    /* A file:// source: what stat() said of the file when the request
     * that read it last started, so that polls re-read it only once it
     * changed (a benchmark polls every 20 ms). */
    struct stat file_stat;      /* Valid if 'file_stat_valid'. */
    struct stat request_stat;   /* Of the request under way. */
    bool file_stat_valid;       /* The file was read whole, unchanged
                                 * since 'file_stat'. */
    bool request_stat_valid;    /* 'request_stat' was taken. */

    /* The last document received, accepted or rejected. */
    char *etag;                 /* Owned: its ETag, NULL if none. */
    char *last_modified;        /* Owned: its Last-Modified, NULL if none. */
    bool rejected;              /* It did not parse; 'model' is older. */
    uint8_t rejected_digest[SHA1_DIGEST_SIZE];  /* SHA-1 of its bytes, if
                                                 * 'rejected'. */

    /* The current model. */
    struct model *model;        /* Owned, NULL before the first one. */
    uint64_t model_seqno;       /* Changes whenever 'model' does. */
    uint8_t model_digest[SHA1_DIGEST_SIZE];     /* SHA-1 of the document
                                                 * 'model' came from. */
    struct source_timing model_timing;  /* When that document's bytes were
                                         * in, and how long parsing them
                                         * took. */

    /* Outcomes. */
    long long int last_success;         /* time_msec() of the last good
                                         * request, LLONG_MIN if none. */
    long long int last_success_wall;    /* The same, wall clock. */
    char *last_error;           /* Owned: the last problem, NULL if none. */
    long long int last_error_time;      /* time_msec() of 'last_error'. */

    /* Counts since source_create(). */
    uint64_t n_requests;        /* Requests started. */
    uint64_t n_changed;         /* Documents with new bytes (200). */
    uint64_t n_unchanged;       /* 304s and byte-identical documents. */
    uint64_t n_errors;          /* Transport errors and non-2xx answers. */
    uint64_t n_rejected;        /* Documents that did not parse. */
};

static void source_load_cache(struct source *);
static void source_load_validators(struct source *,
                                   const uint8_t digest[SHA1_DIGEST_SIZE]);

/* Returns 'value' for the source's options: a copy, "" when NULL. */
static char *
source_option_copy(const char *value)
{
    return xstrdup(value ? value : "");
}

/* Returns true if the option 'value' differs from the stored 'current'. */
static bool
source_option_changed(const char *current, const char *value)
{
    return strcmp(current, value ? value : "") != 0;
}

/* Creates a source that keeps its cache in 'state_dir' and polls the
 * controller as 'options' (copied) say.  Loads the cached document, if
 * any, as the first model.  The caller owns the result
 * (source_destroy()). */
struct source *
source_create(const char *state_dir, const struct source_options *options)
{
    struct source *source = xzalloc(sizeof *source);

    source->http = http_client_create();
    ds_init(&source->body);

    source->url = xstrdup("");
    source->display_url = xstrdup("");
    source->ca_file = xstrdup("");
    source->cert_file = xstrdup("");
    source->key_file = xstrdup("");
    source->state_dir = xstrdup(state_dir);
    source->cache_path = xasprintf("%s/%s", state_dir, SOURCE_CACHE_NAME);
    source->cache_writer = cache_writer_create(source->state_dir,
                                               source->cache_path);
    source->last_success = LLONG_MIN;

    source_set_options(source, options);
    source_load_cache(source);
    return source;
}

/* Abandons the request under way, if any. */
static void
source_abort_request(struct source *source)
{
    if (source->easy) {
        http_client_cancel(source->http, source->easy);
        curl_easy_cleanup(source->easy);
        source->easy = NULL;
    }
    curl_slist_free_all(source->headers);
    source->headers = NULL;
    /* Freed rather than cleared: a document can be tens of MB, and
     * keeping the buffer between requests would hold that much for good. */
    ds_destroy(&source->body);
    ds_init(&source->body);
    source->body_too_big = false;
}

/* Frees 'source', abandoning any request under way. */
void
source_destroy(struct source *source)
{
    if (source) {
        source_abort_request(source);
        http_client_destroy(source->http);
        cache_writer_destroy(source->cache_writer);
        model_unref(source->model);
        free(source->url);
        free(source->display_url);
        free(source->ca_file);
        free(source->cert_file);
        free(source->key_file);
        free(source->state_dir);
        free(source->cache_error);
        free(source->cache_path);
        free(source->etag);
        free(source->last_modified);
        free(source->last_error);
        free(source);
    }
}

/* Points 'source' at the controller and TLS settings of 'options' (copied).
 * If anything changed, abandons the request under way and sends a new one
 * at once; a new URL also forgets the old one's ETag and Last-Modified.
 * The current model stays until a new document replaces it. */
void
source_set_options(struct source *source,
                   const struct source_options *options)
{
    bool url_changed = source_option_changed(source->url, options->url);

    if (!url_changed
        && source->poll_interval == options->poll_interval
        && source->timeout == options->timeout
        && source->max_document == options->max_document
        && !source_option_changed(source->ca_file, options->ca_file)
        && !source_option_changed(source->cert_file, options->cert_file)
        && !source_option_changed(source->key_file, options->key_file)) {
        return;
    }

    free(source->url);
    free(source->ca_file);
    free(source->cert_file);
    free(source->key_file);
    source->url = source_option_copy(options->url);
    free(source->display_url);
    source->display_url = settings_redact_url(source->url);
    source->ca_file = source_option_copy(options->ca_file);
    source->cert_file = source_option_copy(options->cert_file);
    source->key_file = source_option_copy(options->key_file);
    source->poll_interval = options->poll_interval;
    source->timeout = options->timeout;
    source->max_document = options->max_document;

    if (url_changed) {
        free(source->etag);
        free(source->last_modified);
        source->etag = source->last_modified = NULL;
        source->file_stat_valid = false;
    }
    VLOG_INFO("%s: controller source, polled every %u ms",
              source->display_url,
              source->poll_interval);
    if (url_changed && settings_url_is_insecure(source->url)) {
        VLOG_WARN("%s: plain http to a host that is not this one: the "
                  "document travels unauthenticated; use https:// with "
                  "jstack-controller-ca-file", source->display_url);
    }

    source_abort_request(source);
    source->state = SOURCE_IDLE;
    source->next_request = time_msec();
    source->n_failures = 0;
}

/* Returns the current model, or NULL before the first good document.  It
 * belongs to 'source' and stays valid until the next source_run() or
 * source_destroy(); source_model_seqno() tells when it was replaced. */
const struct model *
source_model(const struct source *source)
{
    return source->model;
}

/* Returns a number that changes whenever source_model() does. */
uint64_t
source_model_seqno(const struct source *source)
{
    return source->model_seqno;
}

/* Returns when the bytes of the current model's document were all in (a
 * time_usec() value, taken before the digest and parsing) and how long
 * parsing and validating them took.  Zeros before the first model. */
struct source_timing
source_model_timing(const struct source *source)
{
    return source->model_timing;
}

/* Records 'error' (consumed) as the last problem. */
static void
source_set_error(struct source *source, char *error)
{
    free(source->last_error);
    source->last_error = error;
    source->last_error_time = time_msec();
}

/* Logs the validation problems of a document, each naming its subnet,
 * port and field. */
static void
source_log_problems(const char *where, const struct svec *problems)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(20, 20);

    for (size_t i = 0; i < problems->n; i++) {
        VLOG_WARN_RL(&rl, "%s: %s", where, problems->names[i]);
    }
}

/* Makes 'model' (consumed), parsed from a document whose SHA-1 is
 * 'digest', the current model; 'timing' says when the document's bytes were
 * in and how long parsing them took. */
static void
source_replace_model(struct source *source, struct model *model,
                     const uint8_t digest[SHA1_DIGEST_SIZE],
                     const struct source_timing *timing)
{
    model_unref(source->model);
    source->model = model;
    source->model_seqno++;
    memcpy(source->model_digest, digest, SHA1_DIGEST_SIZE);
    source->model_timing = *timing;
}

/* Reads the whole file at 'path' into a new null-terminated string stored
 * in '*textp' and its length in '*lengthp'.  Returns 0 or an errno value
 * (EFBIG for a file larger than 'max' bytes). */
static int
source_read_file(const char *path, size_t max, char **textp,
                 size_t *lengthp)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *textp = NULL;
    if (fd < 0) {
        return errno;
    }
    if (fstat(fd, &st)) {
        int error = errno;
        close(fd);
        return error;
    }
    if (st.st_size > max) {
        close(fd);
        return EFBIG;
    }

    size_t length = st.st_size;
    char *text = xmalloc(length + 1);
    size_t n_read;
    int error = read_fully(fd, text, length, &n_read);
    close(fd);
    if (error) {
        free(text);
        return error == EOF ? EIO : error;
    }
    text[length] = '\0';
    *textp = text;
    *lengthp = length;
    return 0;
}

/* Loads the cached document, if there is one, as the current model. */
static void
source_load_cache(struct source *source)
{
    char *text;
    size_t length = 0;
    int error = source_read_file(source->cache_path, source->max_document,
                                 &text, &length);
    if (error) {
        if (error == ENOENT) {
            VLOG_INFO("%s: no cached document yet", source->cache_path);
        } else {
            VLOG_WARN("%s: cannot read the cached document (%s); ignoring "
                      "it", source->cache_path, ovs_strerror(error));
        }
        return;
    }

    struct svec problems = SVEC_EMPTY_INITIALIZER;
    struct model *model;
    struct source_timing timing = { .received = time_usec() };
    char *parse_error = model_parse(text, NULL, &model, &problems);
    timing.parse_us = time_usec() - timing.received;
    if (parse_error) {
        VLOG_WARN("%s: cached document is corrupt (%s); ignoring it",
                  source->cache_path, parse_error);
        free(parse_error);
    } else {
        uint8_t digest[SHA1_DIGEST_SIZE];
        sha1_bytes(text, length, digest);
        source_log_problems(source->cache_path, &problems);
        source_replace_model(source, model, digest, &timing);
        source_load_validators(source, digest);
        VLOG_INFO("loaded cached document from %s (%"PRIuSIZE" subnets)",
                  source->cache_path, model->n_subnets);
    }
    svec_destroy(&problems);
    free(text);
}

/* Stores in 'hex' the SHA-1 of the current URL, in hex. */
static void
source_url_digest(const struct source *source,
                  char hex[SHA1_HEX_DIGEST_LEN + 1])
{
    uint8_t digest[SHA1_DIGEST_SIZE];
    sha1_bytes(source->url, strlen(source->url), digest);
    sha1_to_hex(digest, hex);
}

/* Hands the accepted document, 'length' bytes of 'text' (malloc()ed, taken
 * over) whose SHA-1 is 'digest', to the cache writer, with the validators
 * (ETag, Last-Modified)
 * it came with for <cache>.etag: "<SHA-1 of the document>\n<SHA-1 of the
 * URL>\n<ETag>\n<Last-Modified>\n", so that a restart asks the same
 * controller conditionally and an unchanged document costs a 304.  (The
 * URL's digest, not the URL: it may carry a password.) */
static void
source_write_cache(struct source *source, char *text, size_t length,
                   const uint8_t digest[SHA1_DIGEST_SIZE])
{
    char hex[SHA1_HEX_DIGEST_LEN + 1];
    char url_hex[SHA1_HEX_DIGEST_LEN + 1];
    sha1_to_hex(digest, hex);
    source_url_digest(source, url_hex);
    char *validators = xasprintf("%s\n%s\n%s\n%s\n", hex, url_hex,
                                 source->etag ? source->etag : "",
                                 (source->last_modified
                                  ? source->last_modified : ""));
    cache_writer_submit(source->cache_writer, text, length, validators);
}

/* Logs how the last cache write went, once per change of its outcome. */
static void
source_run_cache(struct source *source)
{
    char *error;
    if (!cache_writer_take_result(source->cache_writer, &error)) {
        return;
    }
    if (!nullable_string_is_equal(error, source->cache_error)) {
        if (error) {
            VLOG_ERR("%s: the document is not cached: %s; the agent works "
                     "without its cache (a restart with the controller "
                     "down cannot program the bridge)", source->cache_path,
                     error);
        } else if (source->cache_error) {
            VLOG_INFO("%s: the document is cached again",
                      source->cache_path);
        }
    }
    free(source->cache_error);
    source->cache_error = error;
}

/* Loads the validators saved with the cached document whose SHA-1 is
 * 'digest' (see source_write_cache()), if they belong to it and to the
 * current URL. */
static void
source_load_validators(struct source *source,
                       const uint8_t digest[SHA1_DIGEST_SIZE])
{
    char *path = xasprintf("%s.etag", source->cache_path);
    char *text;
    size_t length;
    if (source_read_file(path, source->max_document, &text, &length)) {
        free(path);
        return;
    }
    char hex[SHA1_HEX_DIGEST_LEN + 1];
    char url_hex[SHA1_HEX_DIGEST_LEN + 1];
    sha1_to_hex(digest, hex);
    source_url_digest(source, url_hex);

    char *lines[4] = { NULL, NULL, NULL, NULL };
    char *line = text;
    for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
        char *end = strchr(line, '\n');
        if (!end) {
            break;
        }
        *end = '\0';
        lines[i] = line;
        line = end + 1;
    }
    if (lines[3] && !strcmp(lines[0], hex) && !strcmp(lines[1], url_hex)) {
        free(source->etag);
        free(source->last_modified);
        source->etag = lines[2][0] ? xstrdup(lines[2]) : NULL;
        source->last_modified = lines[3][0] ? xstrdup(lines[3]) : NULL;
    } else {
        VLOG_INFO("%s: belongs to another document or controller URL; "
                  "ignored", path);
    }
    free(text);
    free(path);
}

/* Returns how long to wait, in ms, before retrying after 'n_failures'
 * consecutive failures (at least 1): exponential, capped, with jitter. */
static long long int
source_backoff_delay(unsigned int n_failures)
{
    long long int delay = SOURCE_BACKOFF_MIN;
    for (unsigned int i = 1; i < n_failures && delay < SOURCE_BACKOFF_MAX;
         i++) {
        delay *= 2;
    }
    delay = MIN(delay, SOURCE_BACKOFF_MAX);

    long long int spread = delay * SOURCE_JITTER_PCT / 100;
    return delay - spread + random_range((int) (2 * spread + 1));
}

/* Ends a request that the controller answered well: the next one comes
 * after the poll interval. */
static void
source_succeed(struct source *source)
{
    long long int now = time_msec();

    if (source->n_failures) {
        VLOG_INFO("%s: controller answers again after %u failed requests",
                  source->display_url, source->n_failures);
    }
    source->n_failures = 0;
    source->last_success = now;
    source->last_success_wall = time_wall_msec();
    source->state = SOURCE_IDLE;
    source->next_request = now + source->poll_interval;
}

/* Ends a request that the controller answered with a document, new or
 * not: a success unless that document was rejected, and either way the
 * next request comes after the poll interval. */
static void
source_answered(struct source *source)
{
    if (!source->rejected) {
        source_succeed(source);
    } else {
        source->state = SOURCE_IDLE;
        source->next_request = time_msec() + source->poll_interval;
    }
}

/* Ends a request that failed with 'error' (consumed): keeps the model,
 * records the error and backs off. */
static void
source_fail(struct source *source, char *error)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 60);
    long long int delay = source_backoff_delay(++source->n_failures);

    COVERAGE_INC(source_error);
    source->n_errors++;
    VLOG_WARN_RL(&rl, "%s: controller request failed: %s; retrying in "
                 "%lld ms", source->display_url, error, delay);
    source_set_error(source, error);
    source->state = SOURCE_BACKOFF;
    source->next_request = time_msec() + delay;
}

/* Counts an answer that repeats the last document. */
static void
source_unchanged(struct source *source)
{
    COVERAGE_INC(source_unchanged);
    source->n_unchanged++;
    VLOG_DBG("%s: document unchanged", source->display_url);
}

/* Handles a received document in 'source->body', with the response's
 * 'etag' and 'last_modified' headers (either may be NULL). */
static void
source_handle_document(struct source *source, const char *etag,
                       const char *last_modified)
{
    struct source_timing timing = { .received = time_usec() };
    const char *text = ds_cstr(&source->body);
    size_t length = source->body.length;
    uint8_t digest[SHA1_DIGEST_SIZE];

    free(source->etag);
    free(source->last_modified);
    source->etag = nullable_xstrdup(etag);
    source->last_modified = nullable_xstrdup(last_modified);

    sha1_bytes(text, length, digest);
    if (source->model
        && !memcmp(digest, source->model_digest, sizeof digest)) {
        /* The document in use, possibly again after a rejected one. */
        source->rejected = false;
        source_unchanged(source);
        return;
    }
    if (source->rejected
        && !memcmp(digest, source->rejected_digest, sizeof digest)) {
        source_unchanged(source);
        return;
    }
    COVERAGE_INC(source_changed);
    source->n_changed++;

    struct svec problems = SVEC_EMPTY_INITIALIZER;
    struct model *model;
    long long int parse_start = time_usec();
    char *error = model_parse(text, source->model, &model, &problems);
    timing.parse_us = time_usec() - parse_start;
    if (error) {
        VLOG_ERR("%s: controller document rejected: %s",
                 source->display_url, error);
        COVERAGE_INC(source_rejected);
        source->n_rejected++;
        source->rejected = true;
        memcpy(source->rejected_digest, digest, sizeof digest);
        source_set_error(source, xasprintf("document rejected: %s", error));
        free(error);
        return;
    }

    source_log_problems(source->display_url, &problems);
    VLOG_INFO("%s: new controller document: %"PRIuSIZE" subnets, "
              "%"PRIuSIZE" problems", source->display_url, model->n_subnets,
              problems.n);
    svec_destroy(&problems);
    source_replace_model(source, model, digest, &timing);
    source->rejected = false;

    /* The received bytes themselves, not a copy: a copy of a document of
     * tens of MB costs its page faults on every change. */
    source_write_cache(source, ds_steal_cstr(&source->body), length, digest);
}

/* Returns a copy of the value of response header 'name' of 'easy', or
 * NULL if it has none. */
static char *
source_get_header(CURL *easy, const char *name)
{
    struct curl_header *header;

    return (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &header)
            == CURLHE_OK ? xstrdup(header->value) : NULL);
}

/* Handles the end of the request under way, which libcurl finished with
 * 'result'. */
static void
source_finish_request(struct source *source, CURLcode result)
{
    long int status = 0;

    curl_easy_getinfo(source->easy, CURLINFO_RESPONSE_CODE, &status);
    if (result != CURLE_OK) {
        source_fail(source, (source->body_too_big
                             || result == CURLE_FILESIZE_EXCEEDED
                             ? xasprintf("document larger than %"PRIuSIZE
                                         " bytes (setting "
                                         "jstack-max-document-size)",
                                         source->max_document)
                             : xasprintf("%s", (source->curl_error[0]
                                                ? source->curl_error
                                                : curl_easy_strerror(
                                                    result)))));
    } else if (status == 304) {
        source_unchanged(source);
        source_answered(source);
    } else if (status && (status < 200 || status > 299)) {
        source_fail(source, xasprintf("HTTP status %ld", status));
    } else {
        /* A 2xx, or 0 for file://. */
        source->file_stat = source->request_stat;
        source->file_stat_valid = source->request_stat_valid;
        char *etag = source_get_header(source->easy, "ETag");
        char *last_modified = source_get_header(source->easy,
                                                "Last-Modified");
        source_handle_document(source, etag, last_modified);
        free(etag);
        free(last_modified);
        source_answered(source);
    }
    source_abort_request(source);
}

/* Appends 'name: value' to the request's headers. */
static void
source_add_header(struct source *source, const char *name, const char *value)
{
    char *line = xasprintf("%s: %s", name, value);
    struct curl_slist *headers = curl_slist_append(source->headers, line);
    free(line);
    if (!headers) {
        out_of_memory();
    }
    source->headers = headers;
}

/* libcurl's write callback: appends received body bytes to the source's
 * buffer.  Returning less than given makes libcurl fail the transfer. */
static size_t
source_receive(char *data, size_t size, size_t n, void *source_)
{
    struct source *source = source_;
    size_t length = size * n;

    if (source->body.length + length > source->max_document) {
        source->body_too_big = true;
        return 0;
    }
    if (!source->body.allocated) {
        /* Room for the whole body at once, if its size is announced (a
         * file's always is), rather than copies as it doubles. */
        curl_off_t announced = -1;
        curl_easy_getinfo(source->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
                          &announced);
        if (announced > 0 && (uint64_t) announced <= source->max_document) {
            ds_reserve(&source->body, announced);
        }
    }
    ds_put_buffer(&source->body, data, length);
    return length;
}

/* The HTTP client's completion callback for the request under way. */
static void
source_request_done(CURL *easy OVS_UNUSED, CURLcode result, void *source_)
{
    source_finish_request(source_, result);
}

/* Starts a request for the document, conditional on the last one's ETag
 * and Last-Modified. */
static void
source_start_request(struct source *source)
{
    CURL *easy = curl_easy_init();
    if (!easy) {
        out_of_memory();
    }

    source_add_header(source, "Accept", "application/json");
    if (source->etag) {
        source_add_header(source, "If-None-Match", source->etag);
    }
    if (source->last_modified) {
        source_add_header(source, "If-Modified-Since",
                          source->last_modified);
    }

    source->curl_error[0] = '\0';
    curl_easy_setopt(easy, CURLOPT_URL, source->url);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long int) source->timeout);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     (long int) source->timeout);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "jstack-agent/" JSTACK_VERSION);
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t) source->max_document);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, source->headers);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, source->curl_error);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, source_receive);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, source);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (source->ca_file[0]) {
        curl_easy_setopt(easy, CURLOPT_CAINFO, source->ca_file);
    }
    if (source->cert_file[0]) {
        curl_easy_setopt(easy, CURLOPT_SSLCERT, source->cert_file);
    }
    if (source->key_file[0]) {
        curl_easy_setopt(easy, CURLOPT_SSLKEY, source->key_file);
    }

    char *error = http_client_start(source->http, easy,
                                    source_request_done, source);
    if (error) {
        curl_easy_cleanup(easy);
        source_abort_request(source);
        source_fail(source, error);
        return;
    }

    COVERAGE_INC(source_request);
    source->easy = easy;
    source->n_requests++;
    source->state = SOURCE_FETCHING;
    source->request_started = time_msec();
}

/* Returns the path of a file:// URL ("file:///p" or
 * "file://localhost/p"), or NULL for another URL. */
static const char *
source_file_path(const char *url)
{
    if (strncmp(url, "file://", 7)) {
        return NULL;
    }
    url += 7;
    if (!strncmp(url, "localhost/", 10)) {
        url += 9;
    }
    return url[0] == '/' ? url : NULL;
}

/* Returns true if 'a' and 'b' describe the same version of a file. */
static bool
source_same_file(const struct stat *a, const struct stat *b)
{
    return (a->st_dev == b->st_dev && a->st_ino == b->st_ino
            && a->st_size == b->st_size
            && a->st_mtim.tv_sec == b->st_mtim.tv_sec
            && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec
            && a->st_ctim.tv_sec == b->st_ctim.tv_sec
            && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec);
}

/* For a file:// source, takes the file's stat() for the request about to
 * start.  Returns true if the file is the version the last request read
 * whole: that request's answer stands, and this one need not be made. */
static bool
source_file_unchanged(struct source *source)
{
    const char *path = source_file_path(source->url);

    source->request_stat_valid = (path
                                  && !stat(path, &source->request_stat));
    return (source->request_stat_valid && source->file_stat_valid
            && source_same_file(&source->request_stat, &source->file_stat));
}

/* Sends a request when one is due, and moves the one under way forward. */
void
source_run(struct source *source)
{
    if (source->state != SOURCE_FETCHING
        && time_msec() >= source->next_request) {
        if (source_file_unchanged(source)) {
            source_unchanged(source);
            source_answered(source);
        } else {
            source->file_stat_valid = false;
            source_start_request(source);
        }
    }
    http_client_run(source->http);
    source_run_cache(source);
}

/* Arranges for poll_block() to wake up when source_run() has work: when
 * the next request is due or libcurl's sockets or timer need it. */
void
source_wait(struct source *source)
{
    if (source->state != SOURCE_FETCHING) {
        poll_timer_wait_until(source->next_request);
    }
    http_client_wait(source->http);
    cache_writer_wait(source->cache_writer);
}

/* Appends how long ago 'when' (a time_msec() value) was, e.g. "(1.5 s
 * ago)". */
static void
source_format_age(long long int when, struct ds *out)
{
    ds_put_format(out, "(%.1f s ago)", (time_msec() - when) / 1000.0);
}

/* Appends the time of the last good answer of the controller, wall clock
 * and age, or "never". */
void
source_format_last_success(const struct source *source, struct ds *out)
{
    if (source->last_success == LLONG_MIN) {
        ds_put_cstr(out, "never");
        return;
    }
    ds_put_strftime_msec(out, "%Y-%m-%d %H:%M:%S UTC",
                         source->last_success_wall, true);
    ds_put_char(out, ' ');
    source_format_age(source->last_success, out);
}

/* Appends the source's status, several lines, for "status". */
void
source_format_status(const struct source *source, struct ds *out)
{
    long long int now = time_msec();

    ds_put_format(out, "controller source: %s\n", source->display_url);

    ds_put_cstr(out, "  state: ");
    switch (source->state) {
    case SOURCE_IDLE:
        ds_put_format(out, "idle, next request in %lld ms\n",
                      MAX(source->next_request - now, 0));
        break;
    case SOURCE_FETCHING:
        ds_put_format(out, "fetching for %lld ms\n",
                      now - source->request_started);
        break;
    case SOURCE_BACKOFF:
        ds_put_format(out, "backoff after %u failed requests, next request "
                      "in %lld ms\n", source->n_failures,
                      MAX(source->next_request - now, 0));
        break;
    default:
        OVS_NOT_REACHED();
    }

    ds_put_cstr(out, "  last success: ");
    source_format_last_success(source, out);
    ds_put_cstr(out, "\n  last error: ");
    if (source->last_error) {
        ds_put_format(out, "%s ", source->last_error);
        source_format_age(source->last_error_time, out);
    } else {
        ds_put_cstr(out, "none");
    }
    if (source->cache_error) {
        ds_put_format(out, "\n  cache: not written: %s", source->cache_error);
    }
    ds_put_format(out, "\n  ETag: %s, Last-Modified: %s\n",
                  source->etag ? source->etag : "none",
                  source->last_modified ? source->last_modified : "none");
    ds_put_format(out, "  requests: %"PRIu64" (200: %"PRIu64", "
                  "304 or unchanged: %"PRIu64", errors: %"PRIu64", "
                  "rejected: %"PRIu64")\n", source->n_requests,
                  source->n_changed, source->n_unchanged, source->n_errors,
                  source->n_rejected);
    if (source->model) {
        ds_put_format(out, "  model: %"PRIuSIZE" subnets (seqno %"PRIu64")"
                      "%s\n", source->model->n_subnets, source->model_seqno,
                      source->rejected
                      ? ", the controller's latest document was rejected"
                      : "");
    } else {
        ds_put_cstr(out, "  model: none yet\n");
    }
}
