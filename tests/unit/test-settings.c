/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "settings.h"

#include <string.h>

#include "smap.h"
#include "suites.h"
#include "svec.h"
#include "util.h"

/* The settings of a complete external_ids resolve, defaults filled in. */
START_TEST(test_settings_complete)
{
    struct smap ids = SMAP_INITIALIZER(&ids);
    smap_add(&ids, "jstack-controller", "file:///tmp/doc.json");
    smap_add(&ids, "jstack-encap-ip", "10.10.10.2");

    struct settings settings;
    struct svec problems = SVEC_EMPTY_INITIALIZER;
    ck_assert(settings_resolve(&ids, NULL, &settings, &problems));
    ck_assert_uint_eq(problems.n, 0);
    ck_assert_str_eq(settings.controller, "file:///tmp/doc.json");
    ck_assert_str_eq(settings.encap_ip, "10.10.10.2");
    ck_assert_uint_eq(settings.encap_ip_be, htonl(0x0a0a0a02));
    ck_assert_str_eq(settings.bridge, "br0");
    ck_assert_str_eq(settings.bridge_mappings, "");
    ck_assert_uint_eq(settings.metadata_port, 8848);
    ck_assert_str_eq(settings.metadata_url, "");
    ck_assert_str_eq(settings.metadata_secret, "");
    ck_assert_str_eq(settings.metadata_secret_file, "");
    ck_assert_uint_eq(settings.metadata_timeout, 10000);
    ck_assert_uint_eq(settings.metadata_rate, 10);
    ck_assert_uint_eq(settings.metadata_burst, 20);
    ck_assert_uint_eq(settings.poll_interval, 5000);
    ck_assert_uint_eq(settings.controller_timeout, 10000);
    ck_assert_str_eq(settings.controller_ca_file, "");
    ck_assert_str_eq(settings.controller_cert, "");
    ck_assert_str_eq(settings.controller_key, "");
    ck_assert_str_eq(settings.dhcp_dns, "");
    ck_assert_uint_eq(settings.n_dhcp_dns_servers, 0);
    ck_assert_str_eq(settings.dhcp_domain, "");
    ck_assert_uint_eq(settings.dhcp_lease_time, 86400);
    ck_assert_uint_eq(settings.dhcp_rate, 20);
    ck_assert_uint_eq(settings.vr_probe_interval, 1000);
    ck_assert_uint_eq(settings.vr_probe_misses, 3);
    ck_assert_uint_eq(settings.vr_probe_recover, 2);

    settings_destroy(&settings);
    svec_destroy(&problems);
    smap_destroy(&ids);
}
END_TEST

/* The DHCP server's settings resolve: a DNS list with spaces, a domain, a
 * short lease and a rate. */
START_TEST(test_settings_dhcp)
{
    struct smap ids = SMAP_INITIALIZER(&ids);
    smap_add(&ids, "jstack-controller", "http://a/");
    smap_add(&ids, "jstack-encap-ip", "10.0.0.1");
    smap_add(&ids, "jstack-dhcp-dns", "8.8.8.8, 1.1.1.1 ,9.9.9.9");
    smap_add(&ids, "jstack-dhcp-domain", "cloud.example-1.org");
    smap_add(&ids, "jstack-dhcp-lease-time", "20");
    smap_add(&ids, "jstack-dhcp-rate", "5");

    struct settings settings;
    struct svec problems = SVEC_EMPTY_INITIALIZER;
    ck_assert(settings_resolve(&ids, NULL, &settings, &problems));
    ck_assert_str_eq(settings.dhcp_dns, "8.8.8.8, 1.1.1.1 ,9.9.9.9");
    ck_assert_uint_eq(settings.n_dhcp_dns_servers, 3);
    ck_assert_uint_eq(settings.dhcp_dns_servers[0], htonl(0x08080808));
    ck_assert_uint_eq(settings.dhcp_dns_servers[1], htonl(0x01010101));
    ck_assert_uint_eq(settings.dhcp_dns_servers[2], htonl(0x09090909));
    ck_assert_str_eq(settings.dhcp_domain, "cloud.example-1.org");
    ck_assert_uint_eq(settings.dhcp_lease_time, 20);
    ck_assert_uint_eq(settings.dhcp_rate, 5);

    struct settings other;
    smap_replace(&ids, "jstack-dhcp-dns", "8.8.8.8,1.1.1.1,9.9.9.9");
    ck_assert(settings_resolve(&ids, NULL, &other, &problems));
    ck_assert(!settings_equal(&settings, &other));
    settings_destroy(&other);

    settings_destroy(&settings);
    svec_destroy(&problems);
    smap_destroy(&ids);
}
END_TEST

/* Invalid DHCP settings are reported by name. */
START_TEST(test_settings_dhcp_invalid)
{
    static const struct {
        const char *key;        /* Setting. */
        const char *value;      /* Its bad value. */
        const char *problem;    /* The message. */
    } cases[] = {
        { "jstack-dhcp-dns", "8.8.8.8,8.8.4",
          "setting jstack-dhcp-dns: \"8.8.4\" is not an IPv4 address" },
        { "jstack-dhcp-dns", "8.8.8.8 8.8.4.4",
          "setting jstack-dhcp-dns: \"8.8.8.8 8.8.4.4\" is not an IPv4 "
          "address" },
        { "jstack-dhcp-dns", "0.0.0.0",
          "setting jstack-dhcp-dns: \"0.0.0.0\" is not an IPv4 address" },
        { "jstack-dhcp-dns", ",,",
          "setting jstack-dhcp-dns: \",,\" holds no IPv4 address" },
        { "jstack-dhcp-dns", "1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,"
          "1.1.1.6,1.1.1.7,1.1.1.8,1.1.1.9,1.1.1.10,1.1.1.11,1.1.1.12,"
          "1.1.1.13,1.1.1.14,1.1.1.15,1.1.1.16,1.1.1.17",
          "setting jstack-dhcp-dns: more than 16 DNS servers" },
        { "jstack-dhcp-domain", "bad domain",
          "setting jstack-dhcp-domain: \"bad domain\" is not a domain "
          "name" },
        { "jstack-dhcp-domain", "a..b",
          "setting jstack-dhcp-domain: \"a..b\" is not a domain name" },
        { "jstack-dhcp-domain", "example.",
          "setting jstack-dhcp-domain: \"example.\" is not a domain name" },
        { "jstack-dhcp-lease-time", "5",
          "setting jstack-dhcp-lease-time: \"5\" is not an integer "
          "between 10 and 31536000" },
        { "jstack-dhcp-lease-time", "forever",
          "setting jstack-dhcp-lease-time: \"forever\" is not an integer "
          "between 10 and 31536000" },
        { "jstack-dhcp-rate", "0",
          "setting jstack-dhcp-rate: \"0\" is not an integer between 1 "
          "and 10000" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct smap ids = SMAP_INITIALIZER(&ids);
        smap_add(&ids, "jstack-controller", "http://a/");
        smap_add(&ids, "jstack-encap-ip", "10.0.0.1");
        smap_add(&ids, cases[i].key, cases[i].value);

        struct settings settings;
        struct svec problems = SVEC_EMPTY_INITIALIZER;
        ck_assert(!settings_resolve(&ids, NULL, &settings, &problems));
        ck_assert_uint_eq(problems.n, 1);
        ck_assert_str_eq(problems.names[0], cases[i].problem);
        settings_destroy(&settings);
        svec_destroy(&problems);
        smap_destroy(&ids);
    }

    /* A label of 64 bytes is too long; 63 is fine. */
    char label[80];
    memset(label, 'x', 64);
    strcpy(label + 64, ".org");
    struct smap ids = SMAP_INITIALIZER(&ids);
    smap_add(&ids, "jstack-controller", "http://a/");
    smap_add(&ids, "jstack-encap-ip", "10.0.0.1");
    smap_add(&ids, "jstack-dhcp-domain", label);
    struct settings settings;
    struct svec problems = SVEC_EMPTY_INITIALIZER;
    ck_assert(!settings_resolve(&ids, NULL, &settings, &problems));
    settings_destroy(&settings);
    smap_replace(&ids, "jstack-dhcp-domain", label + 1);
    svec_clear(&problems);
    ck_assert(settings_resolve(&ids, NULL, &settings, &problems));
    settings_destroy(&settings);
    svec_destroy(&problems);
    smap_destroy(&ids);
}
END_TEST

/* The metadata proxy's settings resolve, and bad values are reported by
 * name. */
START_TEST(test_settings_metadata)
{
    struct smap ids = SMAP_INITIALIZER(&ids);
    smap_add(&ids, "jstack-controller", "http://a/");
    smap_add(&ids, "jstack-encap-ip", "10.0.0.1");
    smap_add(&ids, "jstack-metadata-url", "http://nova-api:8775");
    smap_add(&ids, "jstack-metadata-secret-file", "/etc/secret");
    smap_add(&ids, "jstack-metadata-timeout", "1500");
    smap_add(&ids, "jstack-metadata-rate", "3");
    smap_add(&ids, "jstack-metadata-burst", "7");

    struct settings settings;
    struct svec problems = SVEC_EMPTY_INITIALIZER;
    ck_assert(settings_resolve(&ids, NULL, &settings, &problems));
    ck_assert_str_eq(settings.metadata_url, "http://nova-api:8775");
    ck_assert_str_eq(settings.metadata_secret_file, "/etc/secret");
    ck_assert_uint_eq(settings.metadata_timeout, 1500);
    ck_assert_uint_eq(settings.metadata_rate, 3);
    ck_assert_uint_eq(settings.metadata_burst, 7);

    struct settings other;
    smap_replace(&ids, "jstack-metadata-burst", "8");
    ck_assert(settings_resolve(&ids, NULL, &other, &problems));
    ck_assert(!settings_equal(&settings, &other));
    settings_destroy(&other);
    settings_destroy(&settings);

    smap_replace(&ids, "jstack-metadata-timeout", "50");
    smap_replace(&ids, "jstack-metadata-rate", "0");
    smap_replace(&ids, "jstack-metadata-burst", "many");
    ck_assert(!settings_resolve(&ids, NULL, &settings, &problems));
    ck_assert_uint_eq(problems.n, 3);
    ck_assert_str_eq(problems.names[0], "setting jstack-metadata-timeout: "
                     "\"50\" is not an integer between 100 and 600000");
    ck_assert_str_eq(problems.names[1], "setting jstack-metadata-rate: "
                     "\"0\" is not an integer between 1 and 100000");
    ck_assert_str_eq(problems.names[2], "setting jstack-metadata-burst: "
                     "\"many\" is not an integer between 1 and 100000");
    settings_destroy(&settings);
    svec_destroy(&problems);
    smap_destroy(&ids);
}
END_TEST

/* The virtual-router probe settings resolve within their ranges and are
 * reported by name outside them; a change is seen by settings_equal(). */
START_TEST(test_settings_vr_probe)
{
    struct smap ids = SMAP_INITIALIZER(&ids);
    smap_add(&ids, "jstack-controller", "http://a/");
    smap_add(&ids, "jstack-encap-ip", "10.0.0.1");
    smap_add(&ids, "jstack-vr-probe-interval", "250");
    smap_add(&ids, "jstack-vr-probe-misses", "32");
    smap_add(&ids, "jstack-vr-probe-recover", "1");

    struct settings a, b;
    struct svec problems = SVEC_EMPTY_INITIALIZER;
    ck_assert(settings_resolve(&ids, NULL, &a, &problems));
    ck_assert_uint_eq(a.vr_probe_interval, 250);
    ck_assert_uint_eq(a.vr_probe_misses, 32);
    ck_assert_uint_eq(a.vr_probe_recover, 1);

    smap_replace(&ids, "jstack-vr-probe-recover", "2");
    ck_assert(settings_resolve(&ids, NULL, &b, &problems));
    ck_assert(!settings_equal(&a, &b));
    settings_destroy(&b);

    smap_replace(&ids, "jstack-vr-probe-interval", "99");
    smap_replace(&ids, "jstack-vr-probe-misses", "0");
    smap_replace(&ids, "jstack-vr-probe-recover", "33");
    ck_assert(!settings_resolve(&ids, NULL, &b, &problems));
    ck_assert_uint_eq(problems.n, 3);
    ck_assert_str_eq(problems.names[0], "setting jstack-vr-probe-interval: "
                     "\"99\" is not an integer between 100 and 60000");
    ck_assert_str_eq(problems.names[1], "setting jstack-vr-probe-misses: "
                     "\"0\" is not an integer between 1 and 32");
    ck_assert_str_eq(problems.names[2], "setting jstack-vr-probe-recover: "
                     "\"33\" is not an integer between 1 and 32");

    settings_destroy(&a);
    settings_destroy(&b);
    svec_destroy(&problems);
    smap_destroy(&ids);
}
END_TEST

/* A command-line override wins over external_ids. */
START_TEST(test_settings_override)
{
    struct smap ids = SMAP_INITIALIZER(&ids);
    struct smap overrides = SMAP_INITIALIZER(&overrides);
    smap_add(&ids, "jstack-controller", "http://a/");
    smap_add(&ids, "jstack-encap-ip", "10.0.0.1");
    smap_add(&ids, "jstack-bridge", "br-int");
    smap_add(&overrides, "jstack-bridge", "br-test");

    struct settings settings;
    struct svec problems = SVEC_EMPTY_INITIALIZER;
    ck_assert(settings_resolve(&ids, &overrides, &settings, &problems));
    ck_assert_str_eq(settings.bridge, "br-test");

    settings_destroy(&settings);
    svec_destroy(&problems);
    smap_destroy(&ids);
    smap_destroy(&overrides);
}
END_TEST

/* A missing required setting is named, with how to set it. */
START_TEST(test_settings_missing)
{
    struct smap ids = SMAP_INITIALIZER(&ids);
    smap_add(&ids, "jstack-controller", "http://a/");

    struct settings settings;
    struct svec problems = SVEC_EMPTY_INITIALIZER;
    ck_assert(!settings_resolve(&ids, NULL, &settings, &problems));
    ck_assert_uint_eq(problems.n, 1);
    ck_assert_str_eq(problems.names[0],
                     "setting jstack-encap-ip is missing: set it with "
                     "\"ovs-vsctl set Open_vSwitch . "
                     "external_ids:jstack-encap-ip=10.10.10.2\" or start "
                     "the agent with --encap-ip=10.10.10.2");

    settings_destroy(&settings);
    svec_destroy(&problems);
    smap_destroy(&ids);
}
END_TEST

/* Invalid values are reported by setting name. */
START_TEST(test_settings_invalid)
{
    struct smap ids = SMAP_INITIALIZER(&ids);
    smap_add(&ids, "jstack-controller", "http://a/");
    smap_add(&ids, "jstack-encap-ip", "10.0.0.256");
    smap_add(&ids, "jstack-metadata-port", "70000");
    smap_add(&ids, "jstack-poll-interval", "soon");

    struct settings settings;
    struct svec problems = SVEC_EMPTY_INITIALIZER;
    ck_assert(!settings_resolve(&ids, NULL, &settings, &problems));
    ck_assert_uint_eq(problems.n, 3);
    ck_assert_str_eq(problems.names[0], "setting jstack-encap-ip: "
                     "\"10.0.0.256\" is not an IPv4 address");
    ck_assert_str_eq(problems.names[1], "setting jstack-metadata-port: "
                     "\"70000\" is not an integer between 1 and 65535");
    ck_assert_str_eq(problems.names[2], "setting jstack-poll-interval: "
                     "\"soon\" is not an integer between 10 and 3600000");

    settings_destroy(&settings);
    svec_destroy(&problems);
    smap_destroy(&ids);
}
END_TEST

/* jstack-bridge-mappings is parsed in order, spaces around entries
 * allowed, and a setting change shows in settings_equal(). */
START_TEST(test_settings_bridge_mappings)
{
    struct smap ids = SMAP_INITIALIZER(&ids);
    smap_add(&ids, "jstack-controller", "http://a/");
    smap_add(&ids, "jstack-encap-ip", "10.0.0.1");
    smap_add(&ids, "jstack-bridge-mappings",
             "provider:br-provider, physnet2:br-eth1 ");

    struct settings settings;
    struct svec problems = SVEC_EMPTY_INITIALIZER;
    ck_assert(settings_resolve(&ids, NULL, &settings, &problems));
    ck_assert_uint_eq(settings.n_mappings, 2);
    ck_assert_str_eq(settings.mappings[0].physnet, "provider");
    ck_assert_str_eq(settings.mappings[0].bridge, "br-provider");
    ck_assert_str_eq(settings.mappings[1].physnet, "physnet2");
    ck_assert_str_eq(settings.mappings[1].bridge, "br-eth1");

    struct settings other;
    smap_replace(&ids, "jstack-bridge-mappings", "provider:br-provider");
    ck_assert(settings_resolve(&ids, NULL, &other, &problems));
    ck_assert_uint_eq(other.n_mappings, 1);
    ck_assert(!settings_equal(&settings, &other));
    settings_destroy(&other);

    smap_remove(&ids, "jstack-bridge-mappings");
    ck_assert(settings_resolve(&ids, NULL, &other, &problems));
    ck_assert_uint_eq(other.n_mappings, 0);
    ck_assert_ptr_null(other.mappings);
    settings_destroy(&other);

    settings_destroy(&settings);
    svec_destroy(&problems);
    smap_destroy(&ids);
}
END_TEST

/* Invalid mappings are reported by setting name and entry, and leave no
 * mapping at all: a malformed entry, a physical network mapped twice, a
 * bridge named twice, the integration bridge (the default br0, or the one
 * jstack-bridge names). */
START_TEST(test_settings_bridge_mappings_invalid)
{
    static const struct {
        const char *bridge;     /* jstack-bridge, NULL for the default. */
        const char *mappings;
        const char *problem;
    } cases[] = {
        { NULL, "provider", "setting jstack-bridge-mappings: \"provider\" "
          "is not \"physnet:bridge\"" },
        { NULL, "provider:", "setting jstack-bridge-mappings: "
          "\"provider:\" is not \"physnet:bridge\"" },
        { NULL, ":br-x", "setting jstack-bridge-mappings: \":br-x\" is not "
          "\"physnet:bridge\"" },
        { NULL, "a:b:c", "setting jstack-bridge-mappings: \"a:b:c\" is not "
          "\"physnet:bridge\"" },
        { NULL, "a:br-x,,b:br-y", NULL },
        { NULL, "a b:br-x", "setting jstack-bridge-mappings: \"a b:br-x\" "
          "is not \"physnet:bridge\"" },
        { NULL, "p:br-x,p:br-y", "setting jstack-bridge-mappings: physical "
          "network p is mapped twice" },
        { NULL, "p:br-x,q:br-x", "setting jstack-bridge-mappings: bridge "
          "br-x is named for both p and q" },
        { NULL, "p:br-x,q:br0", "setting jstack-bridge-mappings: br0 is the "
          "integration bridge (jstack-bridge), not a provider bridge" },
        { "br-int", "p:br-int", "setting jstack-bridge-mappings: br-int is "
          "the integration bridge (jstack-bridge), not a provider bridge" },
        { "br-int", "p:br0", NULL },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct smap ids = SMAP_INITIALIZER(&ids);
        smap_add(&ids, "jstack-controller", "http://a/");
        smap_add(&ids, "jstack-encap-ip", "10.0.0.1");
        if (cases[i].bridge) {
            smap_add(&ids, "jstack-bridge", cases[i].bridge);
        }
        smap_add(&ids, "jstack-bridge-mappings", cases[i].mappings);

        struct settings settings;
        struct svec problems = SVEC_EMPTY_INITIALIZER;
        bool ok = settings_resolve(&ids, NULL, &settings, &problems);
        if (cases[i].problem) {
            ck_assert_msg(!ok, "%s", cases[i].mappings);
            ck_assert_uint_eq(problems.n, 1);
            ck_assert_str_eq(problems.names[0], cases[i].problem);
            ck_assert_uint_eq(settings.n_mappings, 0);
        } else {
            ck_assert_msg(ok, "%s: %s", cases[i].mappings,
                          problems.n ? problems.names[0] : "");
            ck_assert_uint_ne(settings.n_mappings, 0);
        }
        settings_destroy(&settings);
        svec_destroy(&problems);
        smap_destroy(&ids);
    }
}
END_TEST

/* The controller's TLS files and timeout resolve; a certificate may come
 * without a separate key, but a key needs its certificate. */
START_TEST(test_settings_controller_tls)
{
    struct smap ids = SMAP_INITIALIZER(&ids);
    smap_add(&ids, "jstack-controller", "https://ctl:8443/v1/subnets");
    smap_add(&ids, "jstack-encap-ip", "10.0.0.1");
    smap_add(&ids, "jstack-controller-ca-file", "/etc/ca.pem");
    smap_add(&ids, "jstack-controller-cert", "/etc/cert.pem");
    smap_add(&ids, "jstack-controller-timeout", "2500");

    struct settings settings;
    struct svec problems = SVEC_EMPTY_INITIALIZER;
    ck_assert(settings_resolve(&ids, NULL, &settings, &problems));
    ck_assert_str_eq(settings.controller_ca_file, "/etc/ca.pem");
    ck_assert_str_eq(settings.controller_cert, "/etc/cert.pem");
    ck_assert_str_eq(settings.controller_key, "");
    ck_assert_uint_eq(settings.controller_timeout, 2500);
    settings_destroy(&settings);

    smap_replace(&ids, "jstack-controller-key", "/etc/key.pem");
    ck_assert(settings_resolve(&ids, NULL, &settings, &problems));
    ck_assert_str_eq(settings.controller_key, "/etc/key.pem");
    settings_destroy(&settings);

    smap_remove(&ids, "jstack-controller-cert");
    smap_replace(&ids, "jstack-controller-timeout", "50");
    ck_assert(!settings_resolve(&ids, NULL, &settings, &problems));
    ck_assert_uint_eq(problems.n, 2);
    ck_assert_str_eq(problems.names[0], "setting jstack-controller-timeout: "
                     "\"50\" is not an integer between 100 and 600000");
    ck_assert_str_eq(problems.names[1], "setting jstack-controller-key is "
                     "set but jstack-controller-cert is not: set both, or "
                     "only jstack-controller-cert to a file holding both");

    settings_destroy(&settings);
    svec_destroy(&problems);
    smap_destroy(&ids);
}
END_TEST

/* settings_equal() sees a change of any value. */
START_TEST(test_settings_equal)
{
    struct smap ids = SMAP_INITIALIZER(&ids);
    smap_add(&ids, "jstack-controller", "http://a/");
    smap_add(&ids, "jstack-encap-ip", "10.0.0.1");

    struct settings a, b;
    struct svec problems = SVEC_EMPTY_INITIALIZER;
    ck_assert(settings_resolve(&ids, NULL, &a, &problems));
    ck_assert(settings_resolve(&ids, NULL, &b, &problems));
    ck_assert(settings_equal(&a, &b));
    settings_destroy(&b);

    smap_replace(&ids, "jstack-poll-interval", "1000");
    ck_assert(settings_resolve(&ids, NULL, &b, &problems));
    ck_assert(!settings_equal(&a, &b));
    settings_destroy(&b);

    smap_replace(&ids, "jstack-poll-interval", "5000");
    smap_replace(&ids, "jstack-controller-ca-file", "/etc/ca.pem");
    ck_assert(settings_resolve(&ids, NULL, &b, &problems));
    ck_assert(!settings_equal(&a, &b));

    settings_destroy(&a);
    settings_destroy(&b);
    svec_destroy(&problems);
    smap_destroy(&ids);
}
END_TEST

/* Passwords in URLs never reach logs or unixctl output. */
START_TEST(test_settings_redact_url)
{
    static const char *cases[][2] = {
        { "http://user:s3cret@ctl:8443/v1/subnets",
          "http://user:***@ctl:8443/v1/subnets" },
        { "https://user:p@ss:word@ctl/x?a=b@c",
          "https://user:***@ctl/x?a=b@c" },
        { "http://user@ctl/v1", "http://user@ctl/v1" },
        { "http://ctl/v1?token=a@b", "http://ctl/v1?token=a@b" },
        { "file:///var/lib/doc.json", "file:///var/lib/doc.json" },
        { "not a url", "not a url" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *redacted = settings_redact_url(cases[i][0]);
        ck_assert_str_eq(redacted, cases[i][1]);
        free(redacted);
    }
}
END_TEST

/* Plain http is flagged unless it stays on the loopback. */
START_TEST(test_settings_insecure_url)
{
    ck_assert(settings_url_is_insecure("http://ctl:8080/v1"));
    ck_assert(settings_url_is_insecure("http://u:p@10.0.0.1/v1"));
    ck_assert(!settings_url_is_insecure("http://127.0.0.1:8080/v1"));
    ck_assert(!settings_url_is_insecure("http://u:p@localhost/v1"));
    ck_assert(!settings_url_is_insecure("http://[::1]:80/"));
    ck_assert(!settings_url_is_insecure("https://ctl/v1"));
    ck_assert(!settings_url_is_insecure("file:///doc.json"));
}
END_TEST

Suite *
test_settings_suite(void)
{
    Suite *suite = suite_create("settings");
    TCase *tc = tcase_create("resolve");

    tcase_add_test(tc, test_settings_complete);
    tcase_add_test(tc, test_settings_override);
    tcase_add_test(tc, test_settings_missing);
    tcase_add_test(tc, test_settings_invalid);
    tcase_add_test(tc, test_settings_controller_tls);
    tcase_add_test(tc, test_settings_equal);
    tcase_add_test(tc, test_settings_dhcp);
    tcase_add_test(tc, test_settings_dhcp_invalid);
    tcase_add_test(tc, test_settings_vr_probe);
    tcase_add_test(tc, test_settings_redact_url);
    tcase_add_test(tc, test_settings_insecure_url);
    tcase_add_test(tc, test_settings_metadata);
    tcase_add_test(tc, test_settings_bridge_mappings);
    tcase_add_test(tc, test_settings_bridge_mappings_invalid);
    suite_add_tcase(suite, tc);
    return suite;
}
