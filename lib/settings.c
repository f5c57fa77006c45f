/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "settings.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp.h"
#include "packets.h"
#include "smap.h"
#include "svec.h"
#include "util.h"
#include "vr-liveness.h"

/* Every setting the agent knows, in the order messages list them. */
static const struct settings_key keys[] = {
    { "jstack-controller", "controller", true, NULL,
      "https://ctl:8443/v1/subnets?host=10.10.10.2" },
    { "jstack-encap-ip", "encap-ip", true, NULL, "10.10.10.2" },
    { "jstack-bridge", "bridge", false, "br0", "br0" },
    { "jstack-bridge-mappings", "bridge-mappings", false, "",
      "provider:br-provider" },
    { "jstack-metadata-url", "metadata-url", false, "",
      "http://nova-api:8775" },
    { "jstack-metadata-secret", "metadata-secret", false, "", "s3cret" },
    { "jstack-metadata-secret-file", "metadata-secret-file", false, "",
      "/etc/jstack-agent/metadata-secret" },
    { "jstack-metadata-port", "metadata-port", false, "8848", "8848" },
    { "jstack-metadata-timeout", "metadata-timeout", false, "10000",
      "10000" },
    { "jstack-metadata-rate", "metadata-rate", false, "10", "10" },
    { "jstack-metadata-burst", "metadata-burst", false, "20", "20" },
    { "jstack-poll-interval", "poll-interval", false, "5000", "5000" },
    { "jstack-max-removal", "max-removal", false, "50", "50" },
    { "jstack-removal-confirm", "removal-confirm", false, "30", "30" },
    { "jstack-max-document-size", "max-document-size", false, "268435456",
      "268435456" },
    { "jstack-controller-timeout", "controller-timeout", false, "10000",
      "10000" },
    { "jstack-controller-ca-file", "controller-ca-file", false, "",
      "/etc/jstack-agent/ca.pem" },
    { "jstack-controller-cert", "controller-cert", false, "",
      "/etc/jstack-agent/agent-cert.pem" },
    { "jstack-controller-key", "controller-key", false, "",
      "/etc/jstack-agent/agent-key.pem" },
    { "jstack-dhcp-dns", "dhcp-dns", false, "", "8.8.8.8,1.1.1.1" },
    { "jstack-dhcp-domain", "dhcp-domain", false, "", "cloud.example" },
    { "jstack-dhcp-lease-time", "dhcp-lease-time", false, "86400",
      "86400" },
    { "jstack-dhcp-rate", "dhcp-rate", false, "20", "20" },
    { "jstack-vr-probe-interval", "vr-probe-interval", false, "1000",
      "1000" },
    { "jstack-vr-probe-misses", "vr-probe-misses", false, "3", "3" },
    { "jstack-vr-probe-recover", "vr-probe-recover", false, "2", "2" },
};

/* Returns the table of known settings and stores its size in '*n'.  The
 * table is static and must not be freed. */
const struct settings_key *
settings_keys(size_t *n)
{
    *n = ARRAY_SIZE(keys);
    return keys;
}

/* Returns the value of 'key': from 'overrides' if set there, else from
 * 'external_ids', else its default (NULL for a required setting).  The
 * result points into one of the smaps or the static table. */
static const char *
settings_lookup(const struct settings_key *key,
                const struct smap *external_ids,
                const struct smap *overrides)
{
    const char *value = overrides ? smap_get(overrides, key->key) : NULL;
    if (!value || !*value) {
        value = external_ids ? smap_get(external_ids, key->key) : NULL;
    }
    if (!value || !*value) {
        value = key->default_value;
    }
    return value;
}

/* Parses 'value' of 'key' as an integer in [min, max] into '*out'.  On
 * failure adds a message naming the setting to 'problems'. */
static void
settings_parse_uint(const struct settings_key *key, const char *value,
                    unsigned int min, unsigned int max, unsigned int *out,
                    struct svec *problems)
{
    char *end;
    unsigned long n = strtoul(value, &end, 10);
    if (*value < '0' || *value > '9' || *end || n < min || n > max) {
        svec_add_nocopy(problems, xasprintf(
                            "setting %s: \"%s\" is not an integer between "
                            "%u and %u", key->key, value, min, max));
        return;
    }
    *out = n;
}

/* Frees the bridge mappings of 'settings' and leaves it with none. */
static void
settings_clear_mappings(struct settings *settings)
{
    for (size_t i = 0; i < settings->n_mappings; i++) {
        free(settings->mappings[i].physnet);
        free(settings->mappings[i].bridge);
    }
    free(settings->mappings);
    settings->mappings = NULL;
    settings->n_mappings = 0;
}

/* Parses 'value' of 'key', a comma-separated list of IPv4 addresses (spaces
 * around them allowed, "" for none), into 'settings''s DHCP DNS servers.  On
 * failure adds a message naming the setting to 'problems'. */
static void
settings_parse_dns(const struct settings_key *key, const char *value,
                   struct settings *settings, struct svec *problems)
{
    char *copy = xstrdup(value);
    char *save_ptr = NULL;
    size_t n = 0;

    settings->dhcp_dns_servers = xmalloc(DHCP_MAX_DNS
                                         * sizeof *settings->dhcp_dns_servers);
    bool token_seen = false;
    for (char *token = strtok_r(copy, ",", &save_ptr); token;
         token = strtok_r(NULL, ",", &save_ptr)) {
        token_seen = true;
        token += strspn(token, " ");
        for (size_t len = strlen(token); len && token[len - 1] == ' ';
             len--) {
            token[len - 1] = '\0';
        }

        ovs_be32 ip;
        if (!ip_parse(token, &ip) || !ip) {
            svec_add_nocopy(problems, xasprintf(
                                "setting %s: \"%s\" is not an IPv4 address",
                                key->key, token));
            n = 0;
            break;
        }
        if (n == DHCP_MAX_DNS) {
            svec_add_nocopy(problems, xasprintf(
                                "setting %s: more than %d DNS servers",
                                key->key, DHCP_MAX_DNS));
            n = 0;
            break;
        }
        settings->dhcp_dns_servers[n++] = ip;
    }
    if (!token_seen && *value) {
        svec_add_nocopy(problems, xasprintf(
                            "setting %s: \"%s\" holds no IPv4 address",
                            key->key, value));
    }
    settings->n_dhcp_dns_servers = n;
    free(copy);
}

/* Removes the spaces at both ends of 'token', in place, and returns it. */
static char *
settings_trim(char *token)
{
    token += strspn(token, " ");
    for (size_t len = strlen(token); len && token[len - 1] == ' '; len--) {
        token[len - 1] = '\0';
    }
    return token;
}

/* Parses 'value' of 'key', "physnet:bridge[,physnet:bridge...]" (spaces
 * around the entries allowed, "" for none), into 'settings''s mappings, as
 * ovn-controller reads ovn-bridge-mappings.  Each entry needs a physical
 * network and a bridge; a physical network may be mapped once and a bridge
 * named once (two networks on one bridge would each see the other's
 * untagged frames).  On failure adds a message naming the setting and the
 * entry to 'problems' and leaves no mapping at all. */
static void
settings_parse_mappings(const struct settings_key *key, const char *value,
                        struct settings *settings, struct svec *problems)
{
    char *copy = xstrdup(value);
    char *save_ptr = NULL;
    size_t n = 0, allocated = 0;
    bool ok = true;

    for (char *token = strtok_r(copy, ",", &save_ptr); token && ok;
         token = strtok_r(NULL, ",", &save_ptr)) {
        token = settings_trim(token);
        char *colon = strchr(token, ':');
        if (!colon || colon == token || !colon[1] || strchr(colon + 1, ':')
            || strchr(token, ' ')) {
            svec_add_nocopy(problems, xasprintf(
                                "setting %s: \"%s\" is not "
                                "\"physnet:bridge\"", key->key, token));
            ok = false;
            break;
        }
        *colon = '\0';
        const char *physnet = token, *bridge = colon + 1;
        for (size_t i = 0; i < n && ok; i++) {
            const struct settings_bridge_mapping *m = &settings->mappings[i];
            if (!strcmp(m->physnet, physnet)) {
                svec_add_nocopy(problems, xasprintf(
                                    "setting %s: physical network %s is "
                                    "mapped twice", key->key, physnet));
                ok = false;
            } else if (!strcmp(m->bridge, bridge)) {
                svec_add_nocopy(problems, xasprintf(
                                    "setting %s: bridge %s is named for "
                                    "both %s and %s", key->key, bridge,
                                    m->physnet, physnet));
                ok = false;
            }
        }
        if (ok) {
            if (n >= allocated) {
                settings->mappings = x2nrealloc(settings->mappings,
                                                &allocated,
                                                sizeof *settings->mappings);
            }
            settings->mappings[n++] = (struct settings_bridge_mapping) {
                .physnet = xstrdup(physnet), .bridge = xstrdup(bridge),
            };
        }
    }
    settings->n_mappings = n;
    if (!ok) {
        settings_clear_mappings(settings);
    }
    free(copy);
}

/* Returns true if 'name' is a domain name: dot-separated labels of 1 to 63
 * letters, digits and hyphens, at most DHCP_MAX_DOMAIN bytes in all. */
static bool
settings_is_domain(const char *name)
{
    size_t label = 0;

    if (strlen(name) > DHCP_MAX_DOMAIN) {
        return false;
    }
    for (const char *p = name; ; p++) {
        if (*p == '.' || !*p) {
            if (!label || label > 63) {
                return false;
            }
            if (!*p) {
                return true;
            }
            label = 0;
        } else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                   || (*p >= '0' && *p <= '9') || *p == '-') {
            label++;
        } else {
            return false;
        }
    }
}

/* Resolves every setting from 'external_ids' (the Open_vSwitch row's) and
 * 'overrides' (the command line's, keyed like external_ids; either may be
 * NULL) into 'settings', which the caller must later free with
 * settings_destroy() whatever the result.
 *
 * Returns true if every required setting is present and every value is
 * valid.  Otherwise returns false and adds to 'problems' one message per
 * missing or invalid setting, each naming the setting and how to set it. */
bool
settings_resolve(const struct smap *external_ids,
                 const struct smap *overrides,
                 struct settings *settings, struct svec *problems)
{
    size_t n_problems = problems->n;

    memset(settings, 0, sizeof *settings);
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        const struct settings_key *key = &keys[i];
        const char *value = settings_lookup(key, external_ids, overrides);
        if (!value) {
            svec_add_nocopy(problems, xasprintf(
                                "setting %s is missing: set it with "
                                "\"ovs-vsctl set Open_vSwitch . "
                                "external_ids:%s=%s\" or start the agent "
                                "with --%s=%s", key->key, key->key,
                                key->example, key->option, key->example));
            continue;
        }

        if (!strcmp(key->key, "jstack-controller")) {
            settings->controller = xstrdup(value);
        } else if (!strcmp(key->key, "jstack-encap-ip")) {
            settings->encap_ip = xstrdup(value);
            if (!ip_parse(value, &settings->encap_ip_be)
                || !settings->encap_ip_be) {
                svec_add_nocopy(problems, xasprintf(
                                    "setting %s: \"%s\" is not an IPv4 "
                                    "address", key->key, value));
            }
        } else if (!strcmp(key->key, "jstack-bridge")) {
            settings->bridge = xstrdup(value);
        } else if (!strcmp(key->key, "jstack-bridge-mappings")) {
            settings->bridge_mappings = xstrdup(value);
            settings_parse_mappings(key, value, settings, problems);
        } else if (!strcmp(key->key, "jstack-metadata-url")) {
            settings->metadata_url = xstrdup(value);
        } else if (!strcmp(key->key, "jstack-metadata-secret")) {
            settings->metadata_secret = xstrdup(value);
        } else if (!strcmp(key->key, "jstack-metadata-secret-file")) {
            settings->metadata_secret_file = xstrdup(value);
        } else if (!strcmp(key->key, "jstack-metadata-port")) {
            settings_parse_uint(key, value, 1, 65535,
                                &settings->metadata_port, problems);
        } else if (!strcmp(key->key, "jstack-max-removal")) {
            settings_parse_uint(key, value, 0, 100, &settings->max_removal,
                                problems);
        } else if (!strcmp(key->key, "jstack-removal-confirm")) {
            settings_parse_uint(key, value, 0, 86400,
                                &settings->removal_confirm, problems);
        } else if (!strcmp(key->key, "jstack-metadata-timeout")) {
            settings_parse_uint(key, value, 100, 600 * 1000,
                                &settings->metadata_timeout, problems);
        } else if (!strcmp(key->key, "jstack-metadata-rate")) {
            settings_parse_uint(key, value, 1, 100000,
                                &settings->metadata_rate, problems);
        } else if (!strcmp(key->key, "jstack-metadata-burst")) {
            settings_parse_uint(key, value, 1, 100000,
                                &settings->metadata_burst, problems);
        } else if (!strcmp(key->key, "jstack-poll-interval")) {
            settings_parse_uint(key, value, 10, 3600 * 1000,
                                &settings->poll_interval, problems);
        } else if (!strcmp(key->key, "jstack-max-document-size")) {
            settings_parse_uint(key, value, 1024, UINT_MAX,
                                &settings->max_document_size, problems);
        } else if (!strcmp(key->key, "jstack-controller-timeout")) {
            settings_parse_uint(key, value, 100, 600 * 1000,
                                &settings->controller_timeout, problems);
        } else if (!strcmp(key->key, "jstack-controller-ca-file")) {
            settings->controller_ca_file = xstrdup(value);
        } else if (!strcmp(key->key, "jstack-controller-cert")) {
            settings->controller_cert = xstrdup(value);
        } else if (!strcmp(key->key, "jstack-controller-key")) {
            settings->controller_key = xstrdup(value);
        } else if (!strcmp(key->key, "jstack-dhcp-dns")) {
            settings->dhcp_dns = xstrdup(value);
            settings_parse_dns(key, value, settings, problems);
        } else if (!strcmp(key->key, "jstack-dhcp-domain")) {
            settings->dhcp_domain = xstrdup(value);
            if (*value && !settings_is_domain(value)) {
                svec_add_nocopy(problems, xasprintf(
                                    "setting %s: \"%s\" is not a domain "
                                    "name", key->key, value));
            }
        } else if (!strcmp(key->key, "jstack-dhcp-lease-time")) {
            settings_parse_uint(key, value, 10, 365 * 86400,
                                &settings->dhcp_lease_time, problems);
        } else if (!strcmp(key->key, "jstack-dhcp-rate")) {
            settings_parse_uint(key, value, 1, 10000, &settings->dhcp_rate,
                                problems);
        } else if (!strcmp(key->key, "jstack-vr-probe-interval")) {
            settings_parse_uint(key, value, 100, 60 * 1000,
                                &settings->vr_probe_interval, problems);
        } else if (!strcmp(key->key, "jstack-vr-probe-misses")) {
            settings_parse_uint(key, value, 1, VR_LIVENESS_MAX_COUNT,
                                &settings->vr_probe_misses, problems);
        } else if (!strcmp(key->key, "jstack-vr-probe-recover")) {
            settings_parse_uint(key, value, 1, VR_LIVENESS_MAX_COUNT,
                                &settings->vr_probe_recover, problems);
        } else {
            OVS_NOT_REACHED();
        }
    }

    /* The integration bridge cannot be its own provider bridge. */
    for (size_t i = 0; settings->bridge && i < settings->n_mappings; i++) {
        if (!strcmp(settings->mappings[i].bridge, settings->bridge)) {
            svec_add_nocopy(problems, xasprintf(
                                "setting jstack-bridge-mappings: %s is the "
                                "integration bridge (jstack-bridge), not a "
                                "provider bridge",
                                settings->mappings[i].bridge));
            settings_clear_mappings(settings);
            break;
        }
    }

    /* A private key is useless without its certificate; a certificate alone
     * may hold its key too. */
    if (settings->controller_key && settings->controller_key[0]
        && settings->controller_cert && !settings->controller_cert[0]) {
        svec_add(problems, "setting jstack-controller-key is set but "
                 "jstack-controller-cert is not: set both, or only "
                 "jstack-controller-cert to a file holding both");
    }
    return problems->n == n_problems;
}

/* Frees the strings of 'settings' (not 'settings' itself). */
void
settings_destroy(struct settings *settings)
{
    free(settings->controller);
    free(settings->encap_ip);
    free(settings->bridge);
    free(settings->bridge_mappings);
    settings_clear_mappings(settings);
    free(settings->metadata_url);
    free(settings->metadata_secret);
    free(settings->metadata_secret_file);
    free(settings->controller_ca_file);
    free(settings->controller_cert);
    free(settings->controller_key);
    free(settings->dhcp_dns);
    free(settings->dhcp_dns_servers);
    free(settings->dhcp_domain);
    memset(settings, 0, sizeof *settings);
}

/* Compares two possibly NULL strings. */
static bool
settings_str_equal(const char *a, const char *b)
{
    return a && b ? !strcmp(a, b) : a == b;
}

/* Returns true if 'a' and 'b' hold the same values. */
bool
settings_equal(const struct settings *a, const struct settings *b)
{
    return (settings_str_equal(a->controller, b->controller)
            && settings_str_equal(a->encap_ip, b->encap_ip)
            && settings_str_equal(a->bridge, b->bridge)
            && settings_str_equal(a->bridge_mappings, b->bridge_mappings)
            && settings_str_equal(a->metadata_url, b->metadata_url)
            && settings_str_equal(a->metadata_secret, b->metadata_secret)
            && settings_str_equal(a->metadata_secret_file,
                                  b->metadata_secret_file)
            && a->metadata_port == b->metadata_port
            && a->metadata_timeout == b->metadata_timeout
            && a->metadata_rate == b->metadata_rate
            && a->metadata_burst == b->metadata_burst
            && a->poll_interval == b->poll_interval
            && a->max_removal == b->max_removal
            && a->removal_confirm == b->removal_confirm
            && a->controller_timeout == b->controller_timeout
            && a->max_document_size == b->max_document_size
            && settings_str_equal(a->controller_ca_file,
                                  b->controller_ca_file)
            && settings_str_equal(a->controller_cert, b->controller_cert)
            && settings_str_equal(a->controller_key, b->controller_key)
            && settings_str_equal(a->dhcp_dns, b->dhcp_dns)
            && settings_str_equal(a->dhcp_domain, b->dhcp_domain)
            && a->dhcp_lease_time == b->dhcp_lease_time
            && a->dhcp_rate == b->dhcp_rate
            && a->vr_probe_interval == b->vr_probe_interval
            && a->vr_probe_misses == b->vr_probe_misses
            && a->vr_probe_recover == b->vr_probe_recover);
}

/* Returns a copy of 'url' fit for logs and unixctl output: a password in
 * its authority ("scheme://user:password@host/...") is replaced by "***";
 * anything else is kept.  The caller frees the result. */
char *
settings_redact_url(const char *url)
{
    const char *authority = strstr(url, "://");
    if (!authority) {
        return xstrdup(url);
    }
    authority += 3;
    size_t authority_len = strcspn(authority, "/?#");
    const char *at = memrchr(authority, '@', authority_len);
    if (!at) {
        return xstrdup(url);
    }
    const char *colon = memchr(authority, ':', at - authority);
    if (!colon) {
        return xstrdup(url);
    }
    return xasprintf("%.*s***%s", (int) (colon + 1 - url), url, at);
}

/* Returns true if 'url' is plain http:// to a host other than the loopback
 * ("localhost", 127.0.0.0/8, [::1]): the document would travel
 * unauthenticated and readable on the network. */
bool
settings_url_is_insecure(const char *url)
{
    if (strncmp(url, "http://", 7)) {
        return false;
    }
    const char *host = url + 7;
    size_t authority_len = strcspn(host, "/?#");
    const char *at = memrchr(host, '@', authority_len);
    if (at) {
        host = at + 1;
    }
    return !(!strncmp(host, "127.", 4) || !strncmp(host, "localhost", 9)
             || !strncmp(host, "[::1]", 5));
}
