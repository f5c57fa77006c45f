/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* libFuzzer harness for what the metadata proxy does with a VM's request
 * (lib/metadata.c): the input is header lines "Name: value" and a path;
 * the headers kept for the upstream must never include an identity header
 * the VM sent, the identity headers the agent adds must be there exactly
 * once, and building the upstream URL must not crash.  Built and run by
 * tests/fuzz/run-fuzz.sh. */

#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "byte-order.h"
#include "metadata.h"
#include "openvswitch/dynamic-string.h"
#include "svec.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Returns how many entries of 'headers' ("Name: value") have the name
 * 'name' (case-insensitive). */
static size_t
count_header(const struct svec *headers, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < headers->n; i++) {
        size_t len = strlen(name);
        if (!strncasecmp(headers->names[i], name, len)
            && headers->names[i][len] == ':') {
            n++;
        }
    }
    return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xmemdup0((const char *) data, size);
    struct svec headers = SVEC_EMPTY_INITIALIZER;
    const char *path = "/latest/meta-data/";

    char *save_ptr = NULL;
    for (char *line = strtok_r(text, "\n", &save_ptr); line;
         line = strtok_r(NULL, "\n", &save_ptr)) {
        char *colon = strchr(line, ':');
        if (!colon) {
            path = line;
            continue;
        }
        *colon = '\0';
        metadata_headers_add_vm(&headers, line, colon + 1);
    }
    ovs_assert(!count_header(&headers, "X-Instance-ID"));
    ovs_assert(!count_header(&headers, "X-Instance-ID-Signature"));
    ovs_assert(!count_header(&headers, "X-Tenant-ID"));
    ovs_assert(!count_header(&headers, "X-Forwarded-For"));

    struct metadata_identity identity = {
        .fixed_ip = htonl(0x0a000005),
        .instance_id = "vm-1",
        .tenant_id = "tenant-1",
    };
    metadata_headers_add_identity(&headers, &identity, "secret", 6);
    ovs_assert(count_header(&headers, "X-Instance-ID") == 1);
    ovs_assert(count_header(&headers, "X-Instance-ID-Signature") == 1);
    ovs_assert(count_header(&headers, "X-Forwarded-For") == 1);

    struct ds url = DS_EMPTY_INITIALIZER;
    metadata_url_build(&url, "http://127.0.0.1:8775", path);
    ds_destroy(&url);
    svec_destroy(&headers);
    free(text);
    return 0;
}
