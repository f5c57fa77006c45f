/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_METADATA_H
#define JSTACK_METADATA_H 1

/* The pure parts of the instance-metadata proxy (docs/metadata.md): which
 * local port a request comes from, the identity headers Nova's metadata API
 * expects from Neutron's metadata agent, which of the VM's own headers may
 * be passed on, the upstream URL, and the per-VM token bucket.  No sockets
 * and no clock: the caller passes 'now'. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"

struct ds;
struct svec;

/* The lower-case hex HMAC-SHA256 of an instance id, with its NUL. */
#define METADATA_SIGNATURE_LEN 64
#define METADATA_SIGNATURE_SIZE (METADATA_SIGNATURE_LEN + 1)

/* Who a request comes from, as the upstream must be told.  The strings
 * belong to the caller (usually a host snapshot's port). */
struct metadata_identity {
    ovs_be32 fixed_ip;          /* X-Forwarded-For: the VM's fixed IP. */
    const char *instance_id;    /* X-Instance-ID: the port's deviceId. */
    const char *tenant_id;      /* X-Tenant-ID: the subnet's tenantId. */
};

bool metadata_ofport_from_address(ovs_be32 source, uint32_t *ofport);

void metadata_sign(const char *secret, size_t secret_len,
                   const char *instance_id,
                   char signature[METADATA_SIGNATURE_SIZE]);

bool metadata_header_is_forwardable(const char *name);
void metadata_headers_add_vm(struct svec *headers, const char *name,
                             const char *value);
void metadata_headers_add_identity(struct svec *headers,
                                   const struct metadata_identity *,
                                   const char *secret, size_t secret_len);

bool metadata_url_build(struct ds *url, const char *base, const char *path);
void metadata_url_add_query_arg(struct ds *url, bool first, const char *key,
                                const char *value);

/* A token bucket that allows 'rate' requests per second with bursts of
 * 'burst'.  Tokens are counted in thousandths so that rates below one per
 * millisecond stay exact.  Owned by whoever embeds it. */
struct metadata_bucket {
    uint64_t millitokens;       /* Tokens available, times 1000. */
    long long int last;         /* 'now' of the last refill, in ms. */
};

void metadata_bucket_init(struct metadata_bucket *, unsigned int burst,
                          long long int now);
bool metadata_bucket_take(struct metadata_bucket *, unsigned int rate,
                          unsigned int burst, long long int now);

#endif /* lib/metadata.h */
