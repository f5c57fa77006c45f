/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "metadata.h"

#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "suites.h"
#include "svec.h"

/* RFC 4231's HMAC-SHA256 vectors (test cases 1, 2, 3, 6, 7; 4 and 5 have
 * binary data or a truncated MAC) give the expected signatures. */
START_TEST(test_metadata_sign_rfc4231)
{
    char key20[20], key131[131], data50[51];
    memset(key20, 0xaa, sizeof key20);
    memset(key131, 0xaa, sizeof key131);
    memset(data50, 0xdd, 50);
    data50[50] = '\0';

    static const char key1[20] = {
        0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
        0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
    };
    const struct {
        const char *key;        /* HMAC key. */
        size_t key_len;         /* Its length. */
        const char *data;       /* Message, NUL-terminated. */
        const char *mac;        /* Expected HMAC-SHA256, hex. */
    } cases[] = {
        { key1, sizeof key1, "Hi There",
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
        { "Jefe", 4, "what do ya want for nothing?",
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
        { key20, sizeof key20, data50,
          "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
        { key131, sizeof key131,
          "Test Using Larger Than Block-Size Key - Hash Key First",
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
        { key131, sizeof key131,
          "This is a test using a larger than block-size key and a larger "
          "than block-size data. The key needs to be hashed before being "
          "used by the HMAC algorithm.",
          "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char signature[METADATA_SIGNATURE_SIZE];
        metadata_sign(cases[i].key, cases[i].key_len, cases[i].data,
                      signature);
        ck_assert_str_eq(signature, cases[i].mac);
    }
}
END_TEST

/* An empty secret still signs (Nova's default shared secret is empty), as
 * Python's hmac.new(b"", b"i-1", hashlib.sha256).hexdigest() does. */
START_TEST(test_metadata_sign_empty_secret)
{
    char signature[METADATA_SIGNATURE_SIZE];

    metadata_sign("", 0, "i-1", signature);
    ck_assert_str_eq(signature, "11e3461841ce77db85ea9d91d6852c9d"
                     "8dee46ab91eafd5874493fb0cbf387ba");
}
END_TEST

/* 128.0.0.0 | ofport names the port; other sources name none, nor do
 * addresses beyond the largest ofport (169.254.169.254 has bit 31 set). */
START_TEST(test_metadata_ofport_from_address)
{
    uint32_t ofport = 0;

    ck_assert(metadata_ofport_from_address(htonl(0x80000005), &ofport));
    ck_assert_uint_eq(ofport, 5);
    ck_assert(metadata_ofport_from_address(htonl(0x8000feff), &ofport));
    ck_assert_uint_eq(ofport, 0xfeff);
    ofport = 77;
    ck_assert(!metadata_ofport_from_address(htonl(0x80000000), &ofport));
    ck_assert(!metadata_ofport_from_address(htonl(0x7f000001), &ofport));
    ck_assert(!metadata_ofport_from_address(htonl(0xac100104), &ofport));
    ck_assert(!metadata_ofport_from_address(htonl(0xa9fea9fe), &ofport));
    ck_assert(!metadata_ofport_from_address(htonl(0x8000ff00), &ofport));
    ck_assert_uint_eq(ofport, 77);
}
END_TEST

/* Identity headers sent by a VM are dropped whatever their case, as are
 * hop-by-hop and framing headers; ordinary ones pass. */
START_TEST(test_metadata_headers_filter)
{
    static const char *const refused[] = {
        "X-Instance-ID", "x-instance-id", "X-INSTANCE-ID-SIGNATURE",
        "X-Instance-ID-Foo", "X-Tenant-ID", "x-tenant-id",
        "X-Forwarded-For", "X-Neutron-Network-ID", "x-ovn-network-id",
        "X-Anything-Network-Id", "Host", "Connection", "Content-Length",
        "Transfer-Encoding", "Keep-Alive", "Expect", "Upgrade", "TE",
        "Proxy-Authorization",
    };
    static const char *const passed[] = {
        "Accept", "User-Agent", "Content-Type", "X-Tenant", "X-Instance",
        "X-Network-ID", "Network-ID", "X-Forwarded-Proto", "Metadata-Flavor",
    };

    for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
        ck_assert_msg(!metadata_header_is_forwardable(refused[i]), "%s",
                      refused[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(passed); i++) {
        ck_assert_msg(metadata_header_is_forwardable(passed[i]), "%s",
                      passed[i]);
    }
}
END_TEST

/* A VM's spoofed identity never reaches the header list; the proxy's own
 * identity headers carry the port's values and the signature. */
START_TEST(test_metadata_headers_build)
{
    struct svec headers = SVEC_EMPTY_INITIALIZER;

    metadata_headers_add_vm(&headers, "Accept", "*/*");
    metadata_headers_add_vm(&headers, "X-Instance-ID", "victim");
    metadata_headers_add_vm(&headers, "X-Instance-ID-Signature", "f00d");
    metadata_headers_add_vm(&headers, "x-tenant-id", "other-tenant");
    metadata_headers_add_vm(&headers, "X-Forwarded-For", "172.16.1.3");
    metadata_headers_add_vm(&headers, "Content-Type", "text/plain");

    struct metadata_identity identity = {
        .fixed_ip = htonl(0xac100104),
        .instance_id = "compute1_ns",
        .tenant_id = "tenant-1",
    };
    metadata_headers_add_identity(&headers, &identity, "s3cret", 6);

    char signature[METADATA_SIGNATURE_SIZE];
    metadata_sign("s3cret", 6, "compute1_ns", signature);
    char *expected = xasprintf("X-Instance-ID-Signature: %s", signature);

    ck_assert_uint_eq(headers.n, 6);
    ck_assert_str_eq(headers.names[0], "Accept: */*");
    ck_assert_str_eq(headers.names[1], "Content-Type: text/plain");
    ck_assert_str_eq(headers.names[2], "X-Forwarded-For: 172.16.1.4");
    ck_assert_str_eq(headers.names[3], "X-Instance-ID: compute1_ns");
    ck_assert_str_eq(headers.names[4], "X-Tenant-ID: tenant-1");
    ck_assert_str_eq(headers.names[5], expected);
    free(expected);
    svec_destroy(&headers);
}
END_TEST

/* The upstream URL is the base plus the path as it came; the query is
 * rebuilt; a path that does not start with '/' or carries what a request
 * line cannot is refused. */
START_TEST(test_metadata_url)
{
    struct ds url = DS_EMPTY_INITIALIZER;

    ck_assert(metadata_url_build(&url, "http://nova-api:8775/",
                                 "/latest/meta-data/instance-id"));
    ck_assert_str_eq(ds_cstr(&url),
                     "http://nova-api:8775/latest/meta-data/instance-id");
    ck_assert(metadata_url_build(&url, "http://nova-api:8775", "/a%20b"));
    metadata_url_add_query_arg(&url, true, "x", "1 2");
    metadata_url_add_query_arg(&url, false, "flag", NULL);
    metadata_url_add_query_arg(&url, false, "y", "a&b=c");
    ck_assert_str_eq(ds_cstr(&url),
                     "http://nova-api:8775/a%20b?x=1+2&flag&y=a%26b%3Dc");

    ck_assert(!metadata_url_build(&url, "http://n", "http://evil/"));
    ck_assert_str_eq(ds_cstr(&url), "");
    ck_assert(!metadata_url_build(&url, "http://n", "*"));
    ck_assert(!metadata_url_build(&url, "http://n", "/a b"));
    ck_assert(!metadata_url_build(&url, "http://n", "/a\r\nHost: x"));
    ck_assert(!metadata_url_build(&url, "http://n", "/a#frag"));
    ds_destroy(&url);
}
END_TEST

/* The bucket lets a burst through at once, then 'rate' per second. */
START_TEST(test_metadata_bucket)
{
    struct metadata_bucket bucket;
    long long int now = 1000;

    metadata_bucket_init(&bucket, 20, now);
    for (int i = 0; i < 20; i++) {
        ck_assert(metadata_bucket_take(&bucket, 10, 20, now));
    }
    ck_assert(!metadata_bucket_take(&bucket, 10, 20, now));

    /* 10 per second: one token every 100 ms, none after 99 ms. */
    ck_assert(!metadata_bucket_take(&bucket, 10, 20, now + 99));
    ck_assert(metadata_bucket_take(&bucket, 10, 20, now + 100));
    ck_assert(!metadata_bucket_take(&bucket, 10, 20, now + 100));

    /* A long pause refills only up to the burst. */
    now += 3600 * 1000;
    int n = 0;
    while (metadata_bucket_take(&bucket, 10, 20, now)) {
        n++;
    }
    ck_assert_int_eq(n, 20);

    /* A clock that goes back refills nothing and takes nothing wrongly. */
    ck_assert(!metadata_bucket_take(&bucket, 10, 20, now - 5000));

    /* A lowered burst caps what was saved. */
    metadata_bucket_init(&bucket, 20, 0);
    n = 0;
    while (metadata_bucket_take(&bucket, 10, 2, 0)) {
        n++;
    }
    ck_assert_int_eq(n, 2);

    /* Sustained: 1000 requests 50 ms apart at 10/s pass about half. */
    metadata_bucket_init(&bucket, 1, 0);
    n = 0;
    for (int i = 1; i <= 1000; i++) {
        n += metadata_bucket_take(&bucket, 10, 1, i * 50);
    }
    ck_assert_int_eq(n, 500);
}
END_TEST

Suite *
test_metadata_suite(void)
{
    Suite *s = suite_create("metadata");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_metadata_sign_rfc4231);
    tcase_add_test(tc, test_metadata_sign_empty_secret);
    tcase_add_test(tc, test_metadata_ofport_from_address);
    tcase_add_test(tc, test_metadata_headers_filter);
    tcase_add_test(tc, test_metadata_headers_build);
    tcase_add_test(tc, test_metadata_url);
    tcase_add_test(tc, test_metadata_bucket);
    suite_add_tcase(s, tc);
    return s;
}
