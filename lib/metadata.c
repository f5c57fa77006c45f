/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "metadata.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include <strings.h>

#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "svec.h"
#include "util.h"

/* Table 36 names a VM toward the proxy by 128.0.0.0 | its ofport. */
#define METADATA_PORT_ADDRESS_BIT 0x80000000u

/* The largest ofport of a port (OFPP_MAX - 1 in OpenFlow 1.0 numbering, as
 * Open vSwitch numbers its ports). */
#define METADATA_MAX_OFPORT 0xfeffu

/* Returns true if 'source' (a request's source address) is 128.0.0.0 |
 * ofport, as table 36 writes it, and stores the ofport in '*ofport'.
 * Addresses outside 128.0.0.0/1, 128.0.0.0 itself (no ofport is 0) and
 * beyond the largest ofport (169.254.169.254 itself, for one) name no
 * port. */
bool
metadata_ofport_from_address(ovs_be32 source, uint32_t *ofport)
{
    uint32_t address = ntohl(source);
    uint32_t port = address & ~METADATA_PORT_ADDRESS_BIT;

    if (!(address & METADATA_PORT_ADDRESS_BIT)
        || !port || port > METADATA_MAX_OFPORT) {
        return false;
    }
    *ofport = port;
    return true;
}

/* Stores in 'signature' the lower-case hex HMAC-SHA256 of 'instance_id'
 * keyed with the 'secret_len' bytes of 'secret': the value of
 * X-Instance-ID-Signature, as Neutron's metadata agent computes it and
 * Nova's metadata API checks it. */
void
metadata_sign(const char *secret, size_t secret_len,
              const char *instance_id,
              char signature[METADATA_SIGNATURE_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;

    ovs_assert(HMAC(EVP_sha256(), secret, secret_len,
                    (const unsigned char *) instance_id, strlen(instance_id),
                    digest, &digest_len));
    ovs_assert(digest_len * 2 == METADATA_SIGNATURE_LEN);
    for (unsigned int i = 0; i < digest_len; i++) {
        signature[2 * i] = hex[digest[i] >> 4];
        signature[2 * i + 1] = hex[digest[i] & 0xf];
    }
    signature[METADATA_SIGNATURE_LEN] = '\0';
}

/* Returns true if 'name' (case-insensitive) is X-*-Network-ID, as the
 * network or router ids Neutron's haproxy adds (X-Neutron-Network-ID,
 * X-OVN-Network-ID, ...). */
static bool
metadata_is_network_id(const char *name)
{
    static const char suffix[] = "-network-id";
    size_t len = strlen(name);
    size_t suffix_len = strlen(suffix);

    return (len > suffix_len + 2
            && !strncasecmp(name, "x-", 2)
            && !strcasecmp(name + len - suffix_len, suffix));
}

/* Returns true if a request header called 'name', as a VM sent it, may be
 * passed on to the upstream.  Refused: every header that claims an
 * identity (X-Instance-ID and whatever starts with it, such as its
 * signature; X-Tenant-ID; X-Forwarded-For; X-*-Network-ID), which only the
 * proxy may set, and the hop-by-hop and framing headers that belong to the
 * VM's connection and that the upstream request gets anew (Host,
 * Connection, Content-Length, Transfer-Encoding, ...). */
bool
metadata_header_is_forwardable(const char *name)
{
    static const char *const refused[] = {
        "x-tenant-id", "x-forwarded-for", "host", "connection",
        "keep-alive", "proxy-connection", "proxy-authorization",
        "proxy-authenticate", "te", "trailer", "transfer-encoding",
        "upgrade", "content-length", "expect",
    };

    if (!strncasecmp(name, "x-instance-id", strlen("x-instance-id"))
        || metadata_is_network_id(name)) {
        return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
        if (!strcasecmp(name, refused[i])) {
            return false;
        }
    }
    return true;
}

/* Appends "name: value" to 'headers' if a VM's header 'name' may be passed
 * on (metadata_header_is_forwardable()). */
void
metadata_headers_add_vm(struct svec *headers, const char *name,
                        const char *value)
{
    if (metadata_header_is_forwardable(name)) {
        svec_add_nocopy(headers, xasprintf("%s: %s", name, value));
    }
}

/* Appends to 'headers' the four headers that tell the upstream who asks:
 * X-Forwarded-For, X-Instance-ID, X-Tenant-ID and X-Instance-ID-Signature
 * (keyed with the 'secret_len' bytes of 'secret'). */
void
metadata_headers_add_identity(struct svec *headers,
                              const struct metadata_identity *identity,
                              const char *secret, size_t secret_len)
{
    char signature[METADATA_SIGNATURE_SIZE];

    metadata_sign(secret, secret_len, identity->instance_id, signature);
    svec_add_nocopy(headers, xasprintf("X-Forwarded-For: "IP_FMT,
                                       IP_ARGS(identity->fixed_ip)));
    svec_add_nocopy(headers, xasprintf("X-Instance-ID: %s",
                                       identity->instance_id));
    svec_add_nocopy(headers, xasprintf("X-Tenant-ID: %s",
                                       identity->tenant_id));
    svec_add_nocopy(headers, xasprintf("X-Instance-ID-Signature: %s",
                                       signature));
}

/* Returns true if 'c' may appear as is in the path or query of a request
 * line: printable ASCII other than space, '#' (a fragment) and DEL. */
static bool
metadata_is_url_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '#';
}

/* Appends 'text' to 'url', percent-encoding what may not appear in a
 * query, except that a space becomes '+' (the server that parsed the
 * request turned '+' into a space). */
static void
metadata_url_put_query(struct ds *url, const char *text)
{
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        if (*p == ' ') {
            ds_put_char(url, '+');
        } else if (metadata_is_url_char(*p) && *p != '&' && *p != '=') {
            ds_put_char(url, *p);
        } else {
            ds_put_format(url, "%%%02X", *p);
        }
    }
}

/* Replaces the contents of 'url' with the upstream URL for a request whose
 * path is 'path' (as it came, not decoded): 'base' (without a trailing
 * '/') followed by 'path'.  Returns false, leaving 'url' empty, unless
 * 'path' starts with '/' and holds only characters a request line may
 * carry: a request for "*" or for an absolute URI ("http://elsewhere/")
 * must never make the proxy call another server. */
bool
metadata_url_build(struct ds *url, const char *base, const char *path)
{
    ds_clear(url);
    if (path[0] != '/') {
        return false;
    }
    for (const unsigned char *p = (const unsigned char *) path; *p; p++) {
        if (!metadata_is_url_char(*p)) {
            return false;
        }
    }

    size_t base_len = strlen(base);
    while (base_len && base[base_len - 1] == '/') {
        base_len--;
    }
    ds_put_buffer(url, base, base_len);
    ds_put_cstr(url, path);
    return true;
}

/* Appends query argument 'key' with 'value' (NULL for a key without '=')
 * to 'url', after '?' if 'first', else after '&'. */
void
metadata_url_add_query_arg(struct ds *url, bool first, const char *key,
                           const char *value)
{
    ds_put_char(url, first ? '?' : '&');
    metadata_url_put_query(url, key);
    if (value) {
        ds_put_char(url, '=');
        metadata_url_put_query(url, value);
    }
}

/* Initializes 'bucket' full: 'burst' requests may come at once at 'now'
 * (ms). */
void
metadata_bucket_init(struct metadata_bucket *bucket, unsigned int burst,
                     long long int now)
{
    bucket->millitokens = (uint64_t) burst * 1000;
    bucket->last = now;
}

/* Refills 'bucket' at 'rate' tokens per second up to 'burst' for the time
 * since its last refill, then takes one token if there is one.  Returns
 * true if the request at 'now' (ms) may go ahead, false if it exceeds the
 * rate.  A clock that went backwards refills nothing. */
bool
metadata_bucket_take(struct metadata_bucket *bucket, unsigned int rate,
                     unsigned int burst, long long int now)
{
    uint64_t max = (uint64_t) burst * 1000;

    if (now > bucket->last) {
        /* 'rate' tokens per second are 'rate' millitokens per ms. */
        uint64_t elapsed = now - bucket->last;
        uint64_t room = max > bucket->millitokens
                        ? max - bucket->millitokens : 0;
        bucket->millitokens += (rate && elapsed > room / rate
                                ? room : elapsed * rate);
        bucket->last = now;
    }
    if (bucket->millitokens > max) {
        bucket->millitokens = max;
    }
    if (bucket->millitokens < 1000) {
        return false;
    }
    bucket->millitokens -= 1000;
    return true;
}
