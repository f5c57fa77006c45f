/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "model.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "json-reader.h"
#include "hash.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "packets.h"
#include "sset.h"
#include "svec.h"
#include "util.h"

/* Parsing and validation of the controller's document (DESIGN.md section 4).
 *
 * Presence rules, where section 4 is silent:
 *
 *   - Subnet "id", "version", "vpcId", "tenantId", "metadata", "vni", "mtu"
 *     and "network"; port "id", "version", "fixedip", "deviceId", "mac",
 *     "host" and "type"; security group "id"; rule "direction", "type",
 *     "proto" and "ipVersion" are required ("missing" if absent or null).
 *
 *   - Every list ("subnets" excepted, which must be present), "dhcpPort",
 *     "ipPrefix", "remoteGroupId" and the provider extensions may be absent
 *     or null: a list then is empty, the others are "none".  Port "rate" and
 *     "burst" and rule "portStart" and "portEnd" default to 0.
 *
 *   - Ids (subnet, port, security group) must be non-empty printable ASCII
 *     without spaces: they appear in messages and in flow cookies' names.
 *
 *   - The "metadata" and "vni" of a subnet must differ from those of every
 *     other subnet of the model, because tunnels and the pipeline tell
 *     subnets apart by them.
 *
 * A location without a usable id is named by its place in the document:
 * "subnet #2" (0-based), "port ports[1]", "port gatewayPorts[0]",
 * "port dhcpPort", "securitygroup #0"; rules are "rule <0-based index>". */

/* Largest "rate" and "burst" in Mbit: the pipeline converts them to kbit
 * in 32-bit OpenFlow meter bands. */
#define MODEL_MAX_RATE (UINT32_MAX / 1000)

/* Where messages about one subnet go, and what they are about. */
struct checker {
    struct svec *errors;        /* Messages are appended here. */
    char *subnet;               /* "subnet <id>" or "subnet #<index>". */
    struct ds *object;          /* Not owned: e.g. "port <id>", empty when
                                 * the messages are about the subnet. */
    bool ok;                    /* False once an error was reported. */
};

/* Adds "<subnet>: [<object>: ]<field>: <problem>" to the checker's errors
 * and marks the subnet bad. */
static void OVS_PRINTF_FORMAT(3, 4)
report(struct checker *c, const char *field, const char *format, ...)
{
    struct ds msg = DS_EMPTY_INITIALIZER;
    va_list args;

    ds_put_format(&msg, "%s: ", c->subnet);
    if (c->object->length) {
        ds_put_format(&msg, "%s: ", ds_cstr(c->object));
    }
    ds_put_format(&msg, "%s: ", field);
    va_start(args, format);
    ds_put_format_valist(&msg, format, args);
    va_end(args);
    svec_add_nocopy(c->errors, ds_steal_cstr(&msg));
    c->ok = false;
}

/* Appends the decimal digits of 'n' to 'ds' (faster than a format). */
static void
put_index(struct ds *ds, size_t n)
{
    char digits[3 * sizeof n];
    size_t i = sizeof digits;

    do {
        digits[--i] = '0' + n % 10;
        n /= 10;
    } while (n);
    ds_put_buffer(ds, &digits[i], sizeof digits - i);
}

/* Makes the checker's messages about '<kind> <name>', e.g. "port p1", or
 * about the subnet if 'kind' is NULL. */
static void
checker_set_object(struct checker *c, const char *kind, const char *name)
{
    ds_clear(c->object);
    if (kind) {
        ds_put_cstr(c->object, kind);
        ds_put_char(c->object, ' ');
        ds_put_cstr(c->object, name);
    }
}

/* Returns 's' as a quoted JSON string, escaped so that any input prints on
 * one line.  The caller must free the result. */
static char *
quote(const char *s)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    json_string_escape(s, &ds);
    return ds_steal_cstr(&ds);
}

/* Returns the kind of 'type', with its article, for messages.  The result is
 * a static string. */
static const char *
json_kind(enum json_reader_type type)
{
    switch (type) {
    case JSON_READER_NULL:
        return "null";
    case JSON_READER_FALSE:
    case JSON_READER_TRUE:
        return "a boolean";
    case JSON_READER_OBJECT:
        return "an object";
    case JSON_READER_ARRAY:
        return "an array";
    case JSON_READER_INTEGER:
        return "an integer";
    case JSON_READER_REAL:
        return "a real number";
    case JSON_READER_STRING:
        return "a string";
    default:
        return "an unknown value";
    }
}

/* Returns the member 'field' of 'object', or NULL if it is absent or null.
 * The result points into 'object'. */
static const struct json_reader_value *
field_get(const struct json_reader_value *object, const char *field)
{
    const struct json_reader_value *value = json_reader_member(object, field);
    return value && value->type != JSON_READER_NULL ? value : NULL;
}

/* Checks that 'value' of 'field' has type 'type', reporting it if not. */
static bool
check_type(struct checker *c, const char *field,
           const struct json_reader_value *value, enum json_reader_type type)
{
    if (value->type != type) {
        report(c, field, "must be %s, not %s",
               json_kind(type), json_kind(value->type));
        return false;
    }
    return true;
}

/* Stores the string member 'field' of 'object' in '*out' (pointing into
 * 'object').  An absent or null member is an error if 'required', else it
 * sets '*out' to NULL.  Returns false after reporting an error. */
static bool
get_string(struct checker *c, const struct json_reader_value *object,
           const char *field, bool required, const char **out)
{
    const struct json_reader_value *value = field_get(object, field);

    *out = NULL;
    if (!value) {
        if (required) {
            report(c, field, "missing");
            return false;
        }
        return true;
    }
    if (!check_type(c, field, value, JSON_READER_STRING)) {
        return false;
    }
    *out = value->string;
    return true;
}

/* Stores the integer member 'field' of 'object' in '*out' after checking
 * that it lies in ['min', 'max'].  An absent or null member is an error if
 * 'required', else it sets '*out' to 0.  Returns false after reporting an
 * error. */
static bool
get_integer(struct checker *c, const struct json_reader_value *object,
            const char *field, bool required, long long int min,
            long long int max, long long int *out)
{
    const struct json_reader_value *value = field_get(object, field);

    *out = 0;
    if (!value) {
        if (required) {
            report(c, field, "missing");
            return false;
        }
        return true;
    }
    if (!check_type(c, field, value, JSON_READER_INTEGER)) {
        return false;
    }
    long long int n = value->integer;
    if (n < min || n > max) {
        if (max == LLONG_MAX) {
            report(c, field, "must be at least %lld, not %lld", min, n);
        } else {
            report(c, field, "must be between %lld and %lld, not %lld",
                   min, max, n);
        }
        return false;
    }
    *out = n;
    return true;
}

/* Stores the array member 'field' of 'object' in '*out' (pointing into
 * 'object'), or NULL if the member is absent or null, which stands for an
 * empty list.  Returns false after reporting an error. */
static bool
get_array(struct checker *c, const struct json_reader_value *object,
          const char *field, const struct json_reader_value **out)
{
    const struct json_reader_value *value = field_get(object, field);

    *out = NULL;
    if (!value) {
        return true;
    }
    if (!check_type(c, field, value, JSON_READER_ARRAY)) {
        return false;
    }
    *out = value;
    return true;
}

/* Returns the number of elements of 'array', which may be NULL. */
static size_t
array_size(const struct json_reader_value *array)
{
    return array ? array->n : 0;
}

/* Returns the first element of 'array', which may be NULL, or NULL if it
 * has none. */
static const struct json_reader_value *
array_first(const struct json_reader_value *array)
{
    return array ? json_reader_first(array) : NULL;
}

/* Returns the element of 'array' after 'elem', or NULL after the last. */
static const struct json_reader_value *
array_next(const struct json_reader_value *array,
           const struct json_reader_value *elem)
{
    return json_reader_next(array, elem);
}

/* Returns true if 's' is usable as an id: non-empty printable ASCII without
 * spaces. */
static bool
id_is_valid(const char *s)
{
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (*s <= ' ' || *s > '~') {
            return false;
        }
    }
    return true;
}

/* Checks the id member 'field' of 'object' and returns it (pointing into
 * 'object'), or NULL after reporting why it is not usable. */
static const char *
get_id(struct checker *c, const struct json_reader_value *object,
       const char *field)
{
    const char *id;

    if (!get_string(c, object, field, true, &id)) {
        return NULL;
    }
    if (!id_is_valid(id)) {
        char *quoted = quote(id);
        report(c, field, "%s is not a valid id (printable ASCII, no spaces)",
               quoted);
        free(quoted);
        return NULL;
    }
    return id;
}

/* Parses 's' as a dotted-quad IPv4 address into '*ip'.  Reports an error
 * about 'field' and returns false if it is not one. */
static bool
parse_ipv4(struct checker *c, const char *field, const char *s, ovs_be32 *ip)
{
    if (!ip_parse(s, ip)) {
        char *quoted = quote(s);
        report(c, field, "invalid IPv4 address %s", quoted);
        free(quoted);
        return false;
    }
    return true;
}

/* Parses 's', an IPv4 address with a "/<prefix length>" suffix (which may be
 * omitted, meaning /32, if 'allow_bare'), into '*ip' and '*plen'.  Host bits
 * are kept as written.  Returns false if 's' is not such a string. */
static bool
cidr_parse(const char *s, bool allow_bare, ovs_be32 *ip, unsigned int *plen)
{
    const char *slash = strchr(s, '/');

    if (!slash) {
        *plen = 32;
        return allow_bare && ip_parse(s, ip);
    }

    /* A dotted quad has at most 15 characters. */
    char address[16];
    bool ok = slash - s < sizeof address;
    if (ok) {
        memcpy(address, s, slash - s);
        address[slash - s] = '\0';
        ok = ip_parse(address, ip);
    }

    const char *p = slash + 1;
    size_t n_digits = strspn(p, "0123456789");
    if (!ok || n_digits < 1 || n_digits > 2 || p[n_digits]
        || (n_digits == 2 && p[0] == '0')) {
        return false;
    }
    *plen = atoi(p);
    return *plen <= 32;
}

/* Returns the netmask of a prefix of 'plen' bits. */
static ovs_be32
plen_mask(unsigned int plen)
{
    return plen ? be32_prefix_mask(plen) : htonl(0);
}

/* Parses a MAC address written as six colon-separated pairs of hex digits
 * into '*mac'.  Stricter than eth_addr_from_string(), which accepts single
 * digits and surrounding space. */
static bool
mac_parse(const char *s, struct eth_addr *mac)
{
    if (strlen(s) != 17) {
        return false;
    }
    for (int i = 0; i < 17; i++) {
        bool colon = i % 3 == 2;
        if (colon ? s[i] != ':' : !isxdigit((unsigned char) s[i])) {
            return false;
        }
    }
    for (int i = 0; i < ETH_ADDR_LEN; i++) {
        mac->ea[i] = hexit_value(s[3 * i]) << 4 | hexit_value(s[3 * i + 1]);
    }
    return true;
}

/* Parses the MAC address 's' of 'field' into '*mac', reporting syntax errors
 * and, as no port may use them, multicast and zero addresses. */
static bool
parse_port_mac(struct checker *c, const char *field, const char *s,
               struct eth_addr *mac)
{
    if (!mac_parse(s, mac)) {
        char *quoted = quote(s);
        report(c, field, "invalid MAC address %s", quoted);
        free(quoted);
        return false;
    }
    if (eth_addr_is_multicast(*mac)) {
        report(c, field, ETH_ADDR_FMT" is a multicast address",
               ETH_ADDR_ARGS(*mac));
        return false;
    }
    if (eth_addr_is_zero(*mac)) {
        report(c, field, ETH_ADDR_FMT" is the zero address",
               ETH_ADDR_ARGS(*mac));
        return false;
    }
    return true;
}

/* A port's claim on an id, an IP or a MAC address, in a port_dups map. */
struct port_claim {
    struct hmap_node node;      /* In one of the maps of 'struct port_dups'. */
    const char *id;             /* The id claimed, for 'ids' (owned by the
                                 * port), else NULL. */
    uint64_t address;           /* The address claimed, for 'ips' and
                                 * 'macs'. */
    const char *holder;         /* The claiming port's id (owned by the
                                 * port), NULL if it has none. */
    const char *list;           /* Where the port is: "ports", ... */
    size_t index;               /* ...and its index there, SIZE_MAX for
                                 * "dhcpPort". */
};

/* What the ports of one subnet have taken so far, to find duplicates.  One
 * serves every subnet of a document in turn, to reuse its memory. */
struct port_dups {
    struct hmap ids;            /* Claims on port ids. */
    struct hmap ips;            /* Claims on fixed IPs. */
    struct hmap macs;           /* Claims on MACs. */
    struct port_claim *claims;  /* Owned: room for every claim. */
    size_t n_claims;
    size_t allocated;           /* Capacity of 'claims'. */
};

/* Initializes 'dups' empty. */
static void
port_dups_init(struct port_dups *dups)
{
    hmap_init(&dups->ids);
    hmap_init(&dups->ips);
    hmap_init(&dups->macs);
    dups->claims = NULL;
    dups->n_claims = 0;
    dups->allocated = 0;
}

/* Empties 'dups' and makes room in it for the claims of 'n_ports' ports. */
static void
port_dups_reset(struct port_dups *dups, size_t n_ports)
{
    hmap_clear(&dups->ids);
    hmap_clear(&dups->ips);
    hmap_clear(&dups->macs);
    if (dups->allocated < 3 * n_ports) {
        free(dups->claims);
        dups->allocated = 3 * n_ports;
        dups->claims = xmalloc(dups->allocated * sizeof *dups->claims);
    }
    dups->n_claims = 0;
}

/* Frees everything 'dups' holds. */
static void
port_dups_destroy(struct port_dups *dups)
{
    hmap_destroy(&dups->ids);
    hmap_destroy(&dups->ips);
    hmap_destroy(&dups->macs);
    free(dups->claims);
}

/* Writes the place of a port in its subnet, e.g. "ports[1]" or "dhcpPort",
 * to 'ds'. */
static void
put_port_place(struct ds *ds, const char *list, size_t index)
{
    ds_put_cstr(ds, list);
    if (index != SIZE_MAX) {
        ds_put_char(ds, '[');
        put_index(ds, index);
        ds_put_char(ds, ']');
    }
}

/* Writes the name of the port that made 'claim' to 'ds': its id, or its
 * place if it has none or 'by_place'. */
static void
put_claim_holder(struct ds *ds, const struct port_claim *claim,
                 bool by_place)
{
    if (claim->holder && !by_place) {
        ds_put_cstr(ds, claim->holder);
    } else {
        put_port_place(ds, claim->list, claim->index);
    }
}

/* Records in 'map' of 'dups', under 'hash', the claim of the port 'holder'
 * (may be NULL) at 'list'['index'] on the id 'id' or the 'address'.
 * Returns the earlier claim on it, recording nothing, if there is one. */
static const struct port_claim *
port_dups_claim(struct port_dups *dups, struct hmap *map, uint32_t hash,
                const char *id, uint64_t address, const char *holder,
                const char *list, size_t index)
{
    const struct port_claim *other;

    HMAP_FOR_EACH_WITH_HASH (other, node, hash, map) {
        if (id ? !strcmp(other->id, id) : other->address == address) {
            return other;
        }
    }
    ovs_assert(dups->n_claims < dups->allocated);
    struct port_claim *claim = &dups->claims[dups->n_claims++];
    claim->id = id;
    claim->address = address;
    claim->holder = holder;
    claim->list = list;
    claim->index = index;
    hmap_insert(map, &claim->node, hash);
    return NULL;
}

/* Frees what 'port' owns, but not 'port' itself. */
static void
port_uninit(struct model_port *port)
{
    free(port->id);
    free(port->device_id);
    for (size_t i = 0; i < port->n_sg_ids; i++) {
        free(port->sg_ids[i]);
    }
    free(port->sg_ids);
    free(port->pairs);
}

/* Copies 'src' into 'dst', deeply. */
static void
port_clone(struct model_port *dst, const struct model_port *src)
{
    *dst = *src;
    dst->id = xstrdup(src->id);
    dst->device_id = xstrdup(src->device_id);
    dst->sg_ids = xcalloc(src->n_sg_ids, sizeof *dst->sg_ids);
    for (size_t i = 0; i < src->n_sg_ids; i++) {
        dst->sg_ids[i] = xstrdup(src->sg_ids[i]);
    }
    dst->pairs = (src->n_pairs
                  ? xmemdup(src->pairs, src->n_pairs * sizeof *src->pairs)
                  : NULL);
}

/* Parses the "securitygroupIds" of 'object' into 'port', checking that each
 * names a group of 'all_sgs'. */
static void
port_parse_sg_ids(struct checker *c, const struct json_reader_value *object,
                  const struct sset *all_sgs, struct model_port *port)
{
    static const char field[] = "securitygroupIds";
    const struct json_reader_value *ids;

    if (!get_array(c, object, field, &ids)) {
        return;
    }
    port->sg_ids = xcalloc(array_size(ids), sizeof *port->sg_ids);
    const struct json_reader_value *id = array_first(ids);
    for (size_t i = 0; i < array_size(ids); i++, id = array_next(ids, id)) {
        if (id->type != JSON_READER_STRING) {
            report(c, field, "entries must be strings, not %s",
                   json_kind(id->type));
            continue;
        }

        bool known = sset_contains(all_sgs, id->string);
        bool dup = false;
        for (size_t j = 0; known && j < port->n_sg_ids; j++) {
            dup = dup || !strcmp(port->sg_ids[j], id->string);
        }
        if (known && !dup) {
            port->sg_ids[port->n_sg_ids++] = xstrdup(id->string);
        } else {
            char *quoted = quote(id->string);
            report(c, field, "%s securitygroup %s",
                   known ? "duplicate" : "unknown", quoted);
            free(quoted);
        }
    }
}

/* Parses the optional "allowedAddressPairs" of 'object' into 'port', whose
 * MAC stands in for an absent "mac".  'mac_ok' says whether it is valid. */
static void
port_parse_pairs(struct checker *c, const struct json_reader_value *object,
                 bool mac_ok, struct model_port *port)
{
    const struct json_reader_value *pairs;

    if (!get_array(c, object, "allowedAddressPairs", &pairs)) {
        return;
    }
    port->pairs = (array_size(pairs)
                   ? xcalloc(pairs->n, sizeof *port->pairs)
                   : NULL);
    const struct json_reader_value *pair = array_first(pairs);
    for (size_t i = 0; i < array_size(pairs);
         i++, pair = array_next(pairs, pair)) {
        struct model_address_pair *p = &port->pairs[port->n_pairs];
        char *field = xasprintf("allowedAddressPairs[%"PRIuSIZE"]", i);
        char *ip_field = xasprintf("%s.ip", field);
        char *mac_field = xasprintf("%s.mac", field);
        const char *ip, *mac;
        bool ok = true;

        if (!check_type(c, field, pair, JSON_READER_OBJECT)) {
            ok = false;
        } else {
            if (!get_string(c, pair, "ip", false, &ip)) {
                ok = false;
            } else if (!ip) {
                report(c, ip_field, "missing");
                ok = false;
            } else if (!cidr_parse(ip, true, &p->ip, &p->plen)) {
                char *quoted = quote(ip);
                report(c, ip_field, "invalid IPv4 address or CIDR %s",
                       quoted);
                free(quoted);
                ok = false;
            } else {
                p->ip &= plen_mask(p->plen);
            }

            const struct json_reader_value *mac_json = field_get(pair, "mac");
            if (!mac_json) {
                mac = NULL;
            } else if (!check_type(c, mac_field, mac_json,
                                   JSON_READER_STRING)) {
                ok = false;
                mac = NULL;
            } else {
                mac = mac_json->string;
            }
            if (mac && *mac) {
                ok = parse_port_mac(c, mac_field, mac, &p->mac) && ok;
            } else {
                p->mac = port->mac;
                ok = ok && mac_ok;
            }
        }
        if (ok) {
            port->n_pairs++;
        }
        free(field);
        free(ip_field);
        free(mac_field);
    }
}

/* Parses the port 'json', found at 'list'['index'] in subnet 's' (e.g.
 * "ports", 1; 'index' is SIZE_MAX for "dhcpPort"), into 'port', which must
 * be zeroed.  The port must have 'type'.  'network_ok' says whether
 * 's->network' is valid.  Reports every problem, and duplicates of ports
 * already recorded in 'dups'. */
static void
port_parse(struct checker *c, const struct json_reader_value *json,
           const char *list, size_t index, enum model_port_type type,
           const struct model_subnet *s, bool network_ok,
           const struct sset *all_sgs, struct port_dups *dups,
           struct model_port *port)
{
    static const char *const type_names[] = {
        [MODEL_PORT_VM] = "0 (VM) in \"ports\"",
        [MODEL_PORT_GATEWAY] = "1 (gateway) in \"gatewayPorts\"",
        [MODEL_PORT_DHCP] = "2 (DHCP) in \"dhcpPort\"",
    };
    const char *s_value;
    long long int n;

    if (json->type != JSON_READER_OBJECT) {
        struct ds where = DS_EMPTY_INITIALIZER;
        put_port_place(&where, list, index);
        check_type(c, ds_cstr(&where), json, JSON_READER_OBJECT);
        ds_destroy(&where);
        return;
    }
    checker_set_object(c, "port", "");
    put_port_place(c->object, list, index);

    const char *id = get_id(c, json, "id");
    if (id) {
        checker_set_object(c, "port", id);
        port->id = xstrdup(id);
        const struct port_claim *other = port_dups_claim(
            dups, &dups->ids, hash_string(port->id, 0), port->id, 0,
            port->id, list, index);
        if (other) {
            struct ds name = DS_EMPTY_INITIALIZER;
            put_claim_holder(&name, other, true);
            report(c, "id", "duplicate port id (also %s)", ds_cstr(&name));
            ds_destroy(&name);
        }
    }

    if (get_integer(c, json, "version", true, 0, LLONG_MAX, &n)) {
        port->version = n;
    }

    if (get_string(c, json, "fixedip", true, &s_value)
        && parse_ipv4(c, "fixedip", s_value, &port->fixed_ip)) {
        if (network_ok
            && (port->fixed_ip & plen_mask(s->plen)) != s->network) {
            report(c, "fixedip", IP_FMT" is outside "IP_FMT"/%u",
                   IP_ARGS(port->fixed_ip), IP_ARGS(s->network), s->plen);
        } else {
            const struct port_claim *other = port_dups_claim(
                dups, &dups->ips, hash_int(port->fixed_ip, 0), NULL,
                port->fixed_ip, port->id, list, index);
            if (other) {
                struct ds name = DS_EMPTY_INITIALIZER;
                put_claim_holder(&name, other, false);
                report(c, "fixedip", "duplicate IP "IP_FMT" (also port %s)",
                       IP_ARGS(port->fixed_ip), ds_cstr(&name));
                ds_destroy(&name);
            }
        }
    }

    if (get_string(c, json, "deviceId", true, &s_value)) {
        port->device_id = xstrdup(s_value);
    }

    bool mac_ok = false;
    if (get_string(c, json, "mac", true, &s_value)
        && parse_port_mac(c, "mac", s_value, &port->mac)) {
        uint64_t mac = eth_addr_to_uint64(port->mac);
        const struct port_claim *other = port_dups_claim(
            dups, &dups->macs, hash_uint64(mac), NULL, mac, port->id, list,
            index);
        if (other) {
            struct ds name = DS_EMPTY_INITIALIZER;
            put_claim_holder(&name, other, false);
            report(c, "mac", "duplicate MAC "ETH_ADDR_FMT" (also port %s)",
                   ETH_ADDR_ARGS(port->mac), ds_cstr(&name));
            ds_destroy(&name);
        } else {
            mac_ok = true;
        }
    }

    if (get_string(c, json, "host", true, &s_value)) {
        if (!*s_value) {
            if (type == MODEL_PORT_VM) {
                report(c, "host", "must not be empty for a VM port");
            }
        } else if (parse_ipv4(c, "host", s_value, &port->host)
                   && !port->host) {
            report(c, "host", "0.0.0.0 is not a host address");
        }
    }

    if (get_integer(c, json, "type", true, LLONG_MIN, LLONG_MAX, &n)) {
        if (n != type) {
            report(c, "type", "must be %s, not %lld", type_names[type], n);
        }
        port->type = type;
    }

    if (get_integer(c, json, "rate", false, 0, MODEL_MAX_RATE, &n)) {
        port->rate = n;
    }
    if (get_integer(c, json, "burst", false, 0, MODEL_MAX_RATE, &n)) {
        port->burst = n;
    }

    port_parse_sg_ids(c, json, all_sgs, port);
    port_parse_pairs(c, json, mac_ok, port);

    checker_set_object(c, NULL, NULL);
}

/* Parses rule number 'index' of a security group into 'rule', which must be
 * zeroed.  Remote groups must be in 'all_sgs'. */
static void
rule_parse(struct checker *c, const struct json_reader_value *json,
           const struct sset *all_sgs, struct model_sg_rule *rule)
{
    const char *s_value;
    long long int n;

    if (get_integer(c, json, "direction", true, LLONG_MIN, LLONG_MAX, &n)) {
        if (n != MODEL_SG_INGRESS && n != MODEL_SG_EGRESS) {
            report(c, "direction",
                   "must be 0 (ingress) or 1 (egress), not %lld", n);
        }
        rule->direction = n;
    }

    if (get_integer(c, json, "type", true, LLONG_MIN, LLONG_MAX, &n)
        && n != 0) {
        report(c, "type", "must be 0 (allow), not %lld", n);
    }

    bool proto_ok = get_integer(c, json, "proto", true, 0, 255, &n);
    rule->proto = n;

    bool version_ok = false;
    if (get_integer(c, json, "ipVersion", true, LLONG_MIN, LLONG_MAX, &n)) {
        if (n != MODEL_IPV4 && n != MODEL_IPV6) {
            report(c, "ipVersion", "must be 0 (IPv4) or 1 (IPv6), not %lld",
                   n);
        } else {
            version_ok = true;
        }
        rule->ip_version = n;
    }

    if (get_string(c, json, "ipPrefix", false, &s_value)
        && s_value && *s_value && version_ok) {
        bool ok;
        if (rule->ip_version == MODEL_IPV4) {
            ok = cidr_parse(s_value, true, &rule->prefix, &rule->prefix_len);
            if (ok) {
                rule->prefix &= plen_mask(rule->prefix_len);
                rule->has_prefix = true;
            }
        } else {
            /* IPv6 rules are checked but the model has no room for an IPv6
             * prefix; the IPv4-only pipeline does not use them. */
            struct in6_addr ip6;
            unsigned int plen6;
            char *error = ipv6_parse_cidr(s_value, &ip6, &plen6);
            ok = !error;
            free(error);
        }
        if (!ok) {
            char *quoted = quote(s_value);
            report(c, "ipPrefix", "invalid IPv%d CIDR %s",
                   rule->ip_version == MODEL_IPV4 ? 4 : 6, quoted);
            free(quoted);
        }
    }

    long long int start, end;
    bool start_ok = get_integer(c, json, "portStart", false, 0, 65535,
                                &start);
    bool end_ok = get_integer(c, json, "portEnd", false, 0, 65535, &end);
    if (start_ok && end_ok) {
        if (!start && end) {
            report(c, "portStart",
                   "is 0 but portEnd is %lld (0/0 means any port)", end);
        } else if (start && !end) {
            report(c, "portEnd",
                   "is 0 but portStart is %lld (0/0 means any port)", start);
        } else if (start > end) {
            report(c, "portStart", "%lld is greater than portEnd %lld",
                   start, end);
        } else if (start && proto_ok && rule->proto != IPPROTO_TCP
                   && rule->proto != IPPROTO_UDP) {
            report(c, "portStart",
                   "a port range needs proto 6 (TCP) or 17 (UDP), not %d",
                   rule->proto);
        } else {
            rule->port_start = start;
            rule->port_end = end;
        }
    }

    if (get_string(c, json, "remoteGroupId", false, &s_value)
        && s_value && *s_value) {
        if (!sset_contains(all_sgs, s_value)) {
            char *quoted = quote(s_value);
            report(c, "remoteGroupId", "unknown securitygroup %s", quoted);
            free(quoted);
        } else {
            rule->remote_group_id = xstrdup(s_value);
        }
    }
}

/* Frees what 'sg' owns, but not 'sg' itself. */
static void
secgroup_uninit(struct model_secgroup *sg)
{
    free(sg->id);
    for (size_t i = 0; i < sg->n_rules; i++) {
        free(sg->rules[i].remote_group_id);
    }
    free(sg->rules);
}

/* Copies 'src' into 'dst', deeply. */
static void
secgroup_clone(struct model_secgroup *dst, const struct model_secgroup *src)
{
    dst->id = xstrdup(src->id);
    dst->n_rules = src->n_rules;
    dst->rules = xcalloc(src->n_rules, sizeof *dst->rules);
    for (size_t i = 0; i < src->n_rules; i++) {
        dst->rules[i] = src->rules[i];
        dst->rules[i].remote_group_id
            = nullable_xstrdup(src->rules[i].remote_group_id);
    }
}

/* Parses the security group 'json', number 'index' of its subnet, into
 * 'sg', which must be zeroed.  'seen' holds the ids of the subnet's groups
 * parsed before; this one's is added. */
static void
secgroup_parse(struct checker *c, const struct json_reader_value *json,
               size_t index, const struct sset *all_sgs, struct sset *seen,
               struct model_secgroup *sg)
{
    char *where = xasprintf("securitygroups[%"PRIuSIZE"]", index);
    if (!check_type(c, where, json, JSON_READER_OBJECT)) {
        free(where);
        return;
    }
    free(where);

    checker_set_object(c, "securitygroup", "#");
    put_index(c->object, index);
    const char *id = get_id(c, json, "id");
    if (id) {
        checker_set_object(c, "securitygroup", id);
        sg->id = xstrdup(id);
        if (!sset_add(seen, id)) {
            report(c, "id", "duplicate securitygroup id");
        }
    }

    const struct json_reader_value *rules;
    if (get_array(c, json, "securitygroupRules", &rules)) {
        size_t name_len = c->object->length;
        sg->rules = xcalloc(array_size(rules), sizeof *sg->rules);
        const struct json_reader_value *rule = array_first(rules);
        for (size_t i = 0; i < array_size(rules);
             i++, rule = array_next(rules, rule)) {
            ds_truncate(c->object, name_len);
            ds_put_cstr(c->object, ": rule ");
            put_index(c->object, i);
            if (check_type(c, "securitygroupRules", rule,
                           JSON_READER_OBJECT)) {
                rule_parse(c, rule, all_sgs,
                           &sg->rules[sg->n_rules++]);
            }
        }
    }
    checker_set_object(c, NULL, NULL);
}

/* Drops a reference to 'subnet' (may be NULL), freeing it and everything
 * it owns with the last one. */
static void
subnet_unref(struct model_subnet *subnet)
{
    if (!subnet || --subnet->n_refs) {
        return;
    }
    free(subnet->id);
    free(subnet->vpc_id);
    free(subnet->tenant_id);
    free(subnet->dns);
    free(subnet->routers);
    for (size_t i = 0; i < subnet->n_ports; i++) {
        port_uninit(&subnet->ports[i]);
    }
    free(subnet->ports);
    if (subnet->dhcp_port) {
        port_uninit(subnet->dhcp_port);
        free(subnet->dhcp_port);
    }
    for (size_t i = 0; i < subnet->n_gateway_ports; i++) {
        port_uninit(&subnet->gateway_ports[i]);
    }
    free(subnet->gateway_ports);
    for (size_t i = 0; i < subnet->n_secgroups; i++) {
        secgroup_uninit(&subnet->secgroups[i]);
    }
    free(subnet->secgroups);
    free(subnet->physical_network);
    free(subnet);
}

/* Returns a deep copy of 'src', its digest included, with one reference,
 * which the caller drops with subnet_unref(). */
static struct model_subnet *
subnet_clone(const struct model_subnet *src)
{
    struct model_subnet *dst = xmemdup(src, sizeof *src);
    dst->n_refs = 1;

    dst->id = xstrdup(src->id);
    dst->vpc_id = xstrdup(src->vpc_id);
    dst->tenant_id = xstrdup(src->tenant_id);
    dst->dns = (src->n_dns
                ? xmemdup(src->dns, src->n_dns * sizeof *src->dns)
                : NULL);
    dst->routers = (src->n_routers
                    ? xmemdup(src->routers,
                              src->n_routers * sizeof *src->routers)
                    : NULL);
    dst->ports = xcalloc(src->n_ports, sizeof *dst->ports);
    for (size_t i = 0; i < src->n_ports; i++) {
        port_clone(&dst->ports[i], &src->ports[i]);
    }
    if (src->dhcp_port) {
        dst->dhcp_port = xmalloc(sizeof *dst->dhcp_port);
        port_clone(dst->dhcp_port, src->dhcp_port);
    }
    dst->gateway_ports = xcalloc(src->n_gateway_ports,
                                 sizeof *dst->gateway_ports);
    for (size_t i = 0; i < src->n_gateway_ports; i++) {
        port_clone(&dst->gateway_ports[i], &src->gateway_ports[i]);
    }
    dst->secgroups = xcalloc(src->n_secgroups, sizeof *dst->secgroups);
    for (size_t i = 0; i < src->n_secgroups; i++) {
        secgroup_clone(&dst->secgroups[i], &src->secgroups[i]);
    }
    dst->physical_network = nullable_xstrdup(src->physical_network);
    return dst;
}

/* Parses the IPv4 list 'field' of 'json' into '*ips' and '*n_ips' (an owned
 * array).  If 'unique', duplicates and 0.0.0.0 are errors. */
static void
ip_list_parse(struct checker *c, const struct json_reader_value *json,
              const char *field, bool unique, ovs_be32 **ips,
              size_t *n_ips)
{
    const struct json_reader_value *array;

    *ips = NULL;
    *n_ips = 0;
    if (!get_array(c, json, field, &array)) {
        return;
    }
    *ips = xcalloc(array_size(array), sizeof **ips);
    const struct json_reader_value *elem = array_first(array);
    for (size_t i = 0; i < array_size(array);
         i++, elem = array_next(array, elem)) {
        ovs_be32 ip;

        if (elem->type != JSON_READER_STRING) {
            report(c, field, "entries must be strings, not %s",
                   json_kind(elem->type));
            continue;
        }
        if (!parse_ipv4(c, field, elem->string, &ip)) {
            continue;
        }
        if (unique) {
            bool dup = false;
            for (size_t j = 0; j < *n_ips; j++) {
                dup = dup || (*ips)[j] == ip;
            }
            if (!ip) {
                report(c, field, "0.0.0.0 is not a host address");
                continue;
            } else if (dup) {
                report(c, field, "duplicate address "IP_FMT, IP_ARGS(ip));
                continue;
            }
        }
        (*ips)[(*n_ips)++] = ip;
    }
}

/* Parses the provider-network extensions of subnet 'json' into 's'. */
static void
subnet_parse_provider(struct checker *c, const struct json_reader_value *json,
                      struct model_subnet *s)
{
    const char *type, *physnet;
    long long int n;

    if (!get_string(c, json, "networkType", false, &type)) {
        return;
    }
    if (!type || !strcmp(type, "vxlan")) {
        s->network_type = MODEL_NET_VXLAN;
        return;
    } else if (!strcmp(type, "flat")) {
        s->network_type = MODEL_NET_FLAT;
    } else if (!strcmp(type, "vlan")) {
        s->network_type = MODEL_NET_VLAN;
    } else {
        char *quoted = quote(type);
        report(c, "networkType",
               "must be \"vxlan\", \"flat\" or \"vlan\", not %s", quoted);
        free(quoted);
        return;
    }

    if (get_string(c, json, "physicalNetwork", true, &physnet)) {
        if (!*physnet) {
            report(c, "physicalNetwork", "must not be empty for a %s network",
                   type);
        } else {
            s->physical_network = xstrdup(physnet);
        }
    }
    if (s->network_type == MODEL_NET_VLAN
        && get_integer(c, json, "segmentationId", true, 1, 4094, &n)) {
        s->segmentation_id = n;
    }
}

/* Returns the number of elements of 'value' if it is an array, else 0. */
static size_t
count_if_array(const struct json_reader_value *value)
{
    return value && value->type == JSON_READER_ARRAY ? value->n : 0;
}

/* Parses the ports of subnet 'json' ("ports", "dhcpPort", "gatewayPorts")
 * into 's', finding duplicates with 'dups'. */
static void
subnet_parse_ports(struct checker *c, const struct json_reader_value *json,
                   bool network_ok, const struct sset *all_sgs,
                   struct port_dups *dups, struct model_subnet *s)
{
    const struct json_reader_value *ports = field_get(json, "ports");
    const struct json_reader_value *gateways = field_get(json,
                                                         "gatewayPorts");

    port_dups_reset(dups, count_if_array(ports) + 1
                    + count_if_array(gateways));
    if (get_array(c, json, "ports", &ports)) {
        s->ports = xcalloc(array_size(ports), sizeof *s->ports);
        const struct json_reader_value *port = array_first(ports);
        for (size_t i = 0; i < array_size(ports);
             i++, port = array_next(ports, port)) {
            port_parse(c, port, "ports", i, MODEL_PORT_VM, s, network_ok,
                       all_sgs, dups, &s->ports[s->n_ports++]);
        }
    }

    const struct json_reader_value *dhcp = field_get(json, "dhcpPort");
    if (dhcp) {
        s->dhcp_port = xzalloc(sizeof *s->dhcp_port);
        port_parse(c, dhcp, "dhcpPort", SIZE_MAX, MODEL_PORT_DHCP, s,
                   network_ok, all_sgs, dups, s->dhcp_port);
    }

    if (get_array(c, json, "gatewayPorts", &ports)) {
        s->gateway_ports = xcalloc(array_size(ports),
                                   sizeof *s->gateway_ports);
        const struct json_reader_value *port = array_first(ports);
        for (size_t i = 0; i < array_size(ports);
             i++, port = array_next(ports, port)) {
            port_parse(c, port, "gatewayPorts", i, MODEL_PORT_GATEWAY, s,
                       network_ok, all_sgs, dups,
                       &s->gateway_ports[s->n_gateway_ports++]);
        }
    }
}

/* Returns the first subnet among the 'n' of 'subnets' (some may be NULL),
 * other than 'self', whose metadata or vni equals 'self''s, or NULL. */
static const struct model_subnet *
subnet_find_clash(struct model_subnet *const *subnets, size_t n,
                  const struct model_subnet *self)
{
    for (size_t i = 0; i < n; i++) {
        const struct model_subnet *other = subnets[i];
        if (other && other != self
            && (other->metadata == self->metadata
                || other->vni == self->vni)) {
            return other;
        }
    }
    return NULL;
}

/* Parses the subnet 'json' into a new subnet, checking its metadata and vni
 * against the 'n_good' subnets of 'good' (some may be NULL).  'c->subnet'
 * names it and 'id' is its id, already checked, or NULL.  Returns the
 * subnet, which the caller must free with subnet_unref(), or NULL after
 * reporting every problem.  'dups' serves to find duplicate ports. */
static struct model_subnet *
subnet_parse(struct checker *c, const struct json_reader_value *json,
             const char *id, const struct sset *all_sgs,
             struct port_dups *dups, struct model_subnet *const *good,
             size_t n_good)
{
    struct model_subnet *s = xzalloc(sizeof *s);
    const char *s_value;
    long long int n;

    s->n_refs = 1;
    s->id = xstrdup(id ? id : "");
    if (get_integer(c, json, "version", true, 0, LLONG_MAX, &n)) {
        s->version = n;
    }
    if (get_string(c, json, "vpcId", true, &s_value)) {
        s->vpc_id = xstrdup(s_value);
    }
    if (get_string(c, json, "tenantId", true, &s_value)) {
        s->tenant_id = xstrdup(s_value);
    }
    bool metadata_ok = get_integer(c, json, "metadata", true, 1, UINT32_MAX,
                                   &n);
    s->metadata = n;
    bool vni_ok = get_integer(c, json, "vni", true, 1, 0xffffff, &n);
    s->vni = n;
    if (get_integer(c, json, "mtu", true, 68, 65535, &n)) {
        s->mtu = n;
    }

    bool network_ok = false;
    if (get_string(c, json, "network", true, &s_value)) {
        if (!cidr_parse(s_value, false, &s->network, &s->plen)) {
            char *quoted = quote(s_value);
            report(c, "network", "invalid CIDR %s", quoted);
            free(quoted);
        } else if (s->network & ~plen_mask(s->plen)) {
            report(c, "network", "%s has host bits set", s_value);
        } else {
            network_ok = true;
        }
    }

    ip_list_parse(c, json, "dns", false, &s->dns, &s->n_dns);
    ip_list_parse(c, json, "routers", true, &s->routers, &s->n_routers);
    subnet_parse_provider(c, json, s);
    subnet_parse_ports(c, json, network_ok, all_sgs, dups, s);

    const struct json_reader_value *sgs;
    if (get_array(c, json, "securitygroups", &sgs)) {
        struct sset seen = SSET_INITIALIZER(&seen);
        s->secgroups = xcalloc(array_size(sgs), sizeof *s->secgroups);
        const struct json_reader_value *sg = array_first(sgs);
        for (size_t i = 0; i < array_size(sgs);
             i++, sg = array_next(sgs, sg)) {
            secgroup_parse(c, sg, i, all_sgs, &seen,
                           &s->secgroups[s->n_secgroups++]);
        }
        sset_destroy(&seen);
    }

    if (metadata_ok && vni_ok) {
        const struct model_subnet *other = subnet_find_clash(good, n_good,
                                                             s);
        if (other && other->metadata == s->metadata) {
            report(c, "metadata", "duplicate metadata %"PRIu32
                   " (also subnet %s)", s->metadata, other->id);
        } else if (other) {
            report(c, "vni", "duplicate vni %"PRIu32" (also subnet %s)",
                   s->vni, other->id);
        }
    }

    if (!c->ok) {
        subnet_unref(s);
        return NULL;
    }
    return s;
}

/* Adds the id of every security group defined in the document's 'subnets'
 * (parsed from 'text', not expanded) to 'sgs', without validating anything
 * else.  The groups of a subnet whose text is that of a subnet of the
 * previous model ('same[i]' for the i-th) are taken from that subnet; of
 * the others, only the members of the subnet and its "securitygroups" are
 * expanded, into 'scratch' and a tree of its own. */
static void
collect_secgroup_ids(const char *text, const struct json_reader_value *subnets,
                     struct model_subnet *const *same,
                     struct json_reader_tree *scratch, struct sset *sgs)
{
    struct json_reader_tree groups;

    json_reader_tree_init(&groups);
    size_t i = 0;
    for (const struct json_reader_value *elem = array_first(subnets);
         elem; elem = array_next(subnets, elem), i++) {
        if (same[i]) {
            for (size_t j = 0; j < same[i]->n_secgroups; j++) {
                sset_add(sgs, same[i]->secgroups[j].id);
            }
            continue;
        }
        if (elem->type != JSON_READER_OBJECT) {
            continue;
        }
        json_reader_expand(scratch, text, elem, 1);
        const struct json_reader_value *subnet = &scratch->values[0];
        const struct json_reader_value *list = field_get(subnet,
                                                         "securitygroups");
        if (!list || list->type != JSON_READER_ARRAY) {
            continue;
        }
        json_reader_expand(&groups, text, list, 2);
        list = &groups.values[0];
        JSON_READER_FOR_EACH (sg, list) {
            const struct json_reader_value *id
                = (sg->type == JSON_READER_OBJECT ? field_get(sg, "id")
                   : NULL);
            if (id && id->type == JSON_READER_STRING
                && id_is_valid(id->string)) {
                sset_add(sgs, id->string);
            }
        }
    }
    json_reader_tree_destroy(&groups);
}

/* Returns true if every security group that the 'n' ports of 'ports' name
 * is in 'all_sgs'. */
static bool
ports_sgs_known(const struct model_port *ports, size_t n,
                const struct sset *all_sgs)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < ports[i].n_sg_ids; j++) {
            if (!sset_contains(all_sgs, ports[i].sg_ids[j])) {
                return false;
            }
        }
    }
    return true;
}

/* Returns true if every security group that 'subnet' names (its ports'
 * groups, its rules' remote groups) is in 'all_sgs': what parsing the
 * subnet again would check against the rest of the document. */
static bool
subnet_sgs_known(const struct model_subnet *subnet,
                 const struct sset *all_sgs)
{
    if (!ports_sgs_known(subnet->ports, subnet->n_ports, all_sgs)
        || !ports_sgs_known(subnet->gateway_ports, subnet->n_gateway_ports,
                            all_sgs)
        || (subnet->dhcp_port
            && !ports_sgs_known(subnet->dhcp_port, 1, all_sgs))) {
        return false;
    }
    for (size_t i = 0; i < subnet->n_secgroups; i++) {
        const struct model_secgroup *sg = &subnet->secgroups[i];
        for (size_t j = 0; j < sg->n_rules; j++) {
            const char *remote = sg->rules[j].remote_group_id;
            if (remote && !sset_contains(all_sgs, remote)) {
                return false;
            }
        }
    }
    return true;
}

/* Returns a 64-bit digest of the set of security group ids 'sgs', which
 * does not depend on their order. */
static uint64_t
secgroup_ids_digest(const struct sset *sgs)
{
    uint64_t digest = sset_count(sgs);
    const char *id;
    SSET_FOR_EACH (id, sgs) {
        digest += ((uint64_t) hash_string(id, 0) << 32) | hash_string(id, 1);
    }
    return digest;
}

/* A subnet of the previous model, by digest, in model_build(). */
struct subnet_by_digest {
    struct hmap_node node;      /* By hash_uint64(subnet->digest). */
    struct model_subnet *subnet;        /* In the previous model. */
};

/* Returns the subnet of 'index' (struct subnet_by_digest) with 'digest', or
 * NULL. */
static struct model_subnet *
subnet_find_digest(const struct hmap *index, uint64_t digest)
{
    const struct subnet_by_digest *entry;
    HMAP_FOR_EACH_WITH_HASH (entry, node, hash_uint64(digest), index) {
        if (entry->subnet->digest == digest) {
            return entry->subnet;
        }
    }
    return NULL;
}

/* Returns a 64-bit hash of the text of the subnet 'json', parsed from
 * 'text'. */
static uint64_t
subnet_digest(const char *text, const struct json_reader_value *json)
{
    ovs_u128 hash;

    hash_bytes128(text + json->span.offset, json->span.length, 0, &hash);
    return hash.u64.lo;
}

/* Builds a model from the document's 'subnets' (NULL for none), parsed from
 * 'text' and not expanded, its bad subnets replaced by their version in
 * 'previous' (which may be NULL) where possible.  Adds every problem to
 * 'errors'.  The caller owns the result.
 *
 * A subnet whose text is that of a subnet of 'previous' (same digest) is
 * that subnet, shared, not parsed again, if what it refers to in the rest
 * of the document is still there (its id is not taken by an earlier
 * subnet, its metadata and vni clash with none, the security groups it
 * names exist): a subnet was only kept if it had no problem, and its own
 * text is all the rest of its checks read.  Most documents change a few
 * subnets, so most of the parsing is skipped. */
static struct model *
model_build(const char *text, const struct json_reader_value *subnets,
            const struct model *previous, struct svec *errors)
{
    struct json_reader_tree scratch;  /* Holds one subnet at a time. */
    struct ds object = DS_EMPTY_INITIALIZER;  /* The checkers' objects. */
    struct port_dups dups;      /* Each subnet's ports in turn. */
    size_t n = array_size(subnets);
    struct model_subnet **good = xcalloc(n, sizeof *good);
    struct svec *messages = xcalloc(n, sizeof *messages);
    char **bad_ids = xcalloc(n, sizeof *bad_ids);
    struct shash first = SHASH_INITIALIZER(&first);
    struct sset all_sgs = SSET_INITIALIZER(&all_sgs);

    json_reader_tree_init(&scratch);
    port_dups_init(&dups);

    /* Each subnet's digest, and the subnet of 'previous' with its text. */
    struct hmap by_digest = HMAP_INITIALIZER(&by_digest);
    for (size_t i = 0; previous && i < previous->n_subnets; i++) {
        struct subnet_by_digest *entry = xmalloc(sizeof *entry);
        entry->subnet = previous->subnets[i];
        hmap_insert(&by_digest, &entry->node,
                    hash_uint64(entry->subnet->digest));
    }
    uint64_t *digests = xcalloc(n, sizeof *digests);
    struct model_subnet **same = xcalloc(n, sizeof *same);
    const struct json_reader_value *elem = array_first(subnets);
    for (size_t i = 0; i < n; i++, elem = array_next(subnets, elem)) {
        if (elem->type == JSON_READER_OBJECT) {
            digests[i] = subnet_digest(text, elem);
            same[i] = subnet_find_digest(&by_digest, digests[i]);
        }
    }

    collect_secgroup_ids(text, subnets, same, &scratch, &all_sgs);
    uint64_t sgs_digest = secgroup_ids_digest(&all_sgs);
    bool same_sgs = previous && previous->sgs_digest == sgs_digest;

    /* First pass: parse every subnet. */
    elem = array_first(subnets);
    for (size_t i = 0; i < n; i++, elem = array_next(subnets, elem)) {
        const struct json_reader_value *json = elem;
        struct checker c = {
            .errors = &messages[i],
            .subnet = xasprintf("subnet #%"PRIuSIZE, i),
            .object = &object,
            .ok = true,
        };

        svec_init(&messages[i]);
        if (json->type != JSON_READER_OBJECT) {
            report(&c, "subnets", "entries must be objects, not %s",
                   json_kind(json->type));
            svec_add_nocopy(&messages[i], xasprintf("%s: left out",
                                                    c.subnet));
            free(c.subnet);
            continue;
        }

        if (same[i] && !shash_find(&first, same[i]->id)
            && !subnet_find_clash(good, i, same[i])
            && (same_sgs || subnet_sgs_known(same[i], &all_sgs))) {
            size_t *index = xmalloc(sizeof *index);
            *index = i;
            shash_add(&first, same[i]->id, index);
            same[i]->n_refs++;
            good[i] = same[i];
            free(c.subnet);
            continue;
        }

        json_reader_expand(&scratch, text, elem, UINT_MAX);
        json = &scratch.values[0];
        const char *id = get_id(&c, json, "id");
        if (id) {
            free(c.subnet);
            c.subnet = xasprintf("subnet %s", id);

            size_t *other = shash_find_data(&first, id);
            if (other) {
                report(&c, "id", "duplicate subnet id (also subnet #%"
                       PRIuSIZE")", *other);
                free(c.subnet);
                continue;
            }
            size_t *index = xmalloc(sizeof *index);
            *index = i;
            shash_add(&first, id, index);
        }

        good[i] = subnet_parse(&c, json, id, &all_sgs, &dups, good, i);
        if (good[i]) {
            good[i]->digest = digests[i];
        } else {
            bad_ids[i] = id ? xstrdup(id) : NULL;
            if (!id) {
                svec_add_nocopy(&messages[i],
                                xasprintf("%s: left out", c.subnet));
            }
        }
        free(c.subnet);
    }

    /* Second pass: bad subnets are kept at their last good version unless
     * it clashes with a good subnet or with a subnet kept before. */
    for (size_t i = 0; i < n; i++) {
        if (!bad_ids[i]) {
            continue;
        }
        const struct model_subnet *old = (previous
                                          ? model_find_subnet(previous,
                                                              bad_ids[i])
                                          : NULL);
        const struct model_subnet *clash = (old
                                            ? subnet_find_clash(good, n, old)
                                            : NULL);
        if (!old) {
            svec_add_nocopy(&messages[i], xasprintf(
                                "subnet %s: left out, no good version to "
                                "keep", bad_ids[i]));
        } else if (clash) {
            svec_add_nocopy(&messages[i], xasprintf(
                                "subnet %s: left out, its last good version "
                                "%"PRId64" clashes with subnet %s (metadata "
                                "or vni)", bad_ids[i], old->version,
                                clash->id));
        } else {
            good[i] = subnet_clone(old);
            svec_add_nocopy(&messages[i], xasprintf(
                                "subnet %s: kept at its last good version "
                                "%"PRId64, bad_ids[i], old->version));
        }
    }

    struct model *model = xzalloc(sizeof *model);
    model->n_refs = 1;
    model->sgs_digest = sgs_digest;
    model->subnets = xcalloc(n, sizeof *model->subnets);
    for (size_t i = 0; i < n; i++) {
        if (good[i]) {
            model->subnets[model->n_subnets++] = good[i];
        }
        for (size_t j = 0; j < messages[i].n; j++) {
            svec_add(errors, messages[i].names[j]);
        }
        svec_destroy(&messages[i]);
        free(bad_ids[i]);
    }
    free(good);
    free(messages);
    free(bad_ids);
    free(digests);
    free(same);
    shash_destroy_free_data(&first);
    struct subnet_by_digest *entry;
    HMAP_FOR_EACH_POP (entry, node, &by_digest) {
        free(entry);
    }
    hmap_destroy(&by_digest);
    sset_destroy(&all_sgs);
    json_reader_tree_destroy(&scratch);
    ds_destroy(&object);
    port_dups_destroy(&dups);
    return model;
}

/* Checks the envelope of the document 'doc' and stores its subnet list in
 * '*subnets' (pointing into 'doc', NULL meaning an empty list).  Returns
 * NULL, or an error message that the caller must free. */
static char *
envelope_parse(const struct json_reader_value *doc,
               const struct json_reader_value **subnets)
{
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    struct ds object = DS_EMPTY_INITIALIZER;
    struct checker c = {
        .errors = &errors,
        .subnet = xstrdup("document"),
        .object = &object,
        .ok = true,
    };
    char *error = NULL;
    long long int code;
    const struct json_reader_value *result;

    *subnets = NULL;
    if (doc->type != JSON_READER_OBJECT) {
        error = xasprintf("document: must be an object, not %s",
                          json_kind(doc->type));
    } else if (!get_integer(&c, doc, "code", true, LLONG_MIN, LLONG_MAX,
                            &code)) {
        /* Reported. */
    } else if (code) {
        const struct json_reader_value *message = field_get(doc, "message");
        error = xasprintf("controller error %lld: %s", code,
                          (message && message->type == JSON_READER_STRING
                           ? message->string : ""));
    } else if (!(result = field_get(doc, "Result"))) {
        report(&c, "Result", "missing");
    } else if (check_type(&c, "Result", result, JSON_READER_OBJECT)) {
        const struct json_reader_value *list = json_reader_member(result,
                                                                  "subnets");
        if (!list) {
            report(&c, "Result: subnets", "missing");
        } else if (list->type != JSON_READER_NULL
                   && check_type(&c, "Result: subnets", list,
                                 JSON_READER_ARRAY)) {
            *subnets = list;
        }
    }

    if (!error && errors.n) {
        error = xstrdup(errors.names[0]);
    }
    svec_destroy(&errors);
    free(c.subnet);
    ds_destroy(&object);
    return error;
}

/* Parses 'text', the controller's document, and validates every field.
 *
 * If 'text' is not JSON, its envelope is wrong or its "code" is not 0,
 * returns an error message that the caller must free, and changes neither
 * '*modelp' nor 'errors'.
 *
 * Otherwise returns NULL and stores in '*modelp' a new model, which the
 * caller must free with model_unref().  Each subnet with a problem is left
 * out of it, or replaced by a copy of its version in 'previous' (which may
 * be NULL), and every problem is added to 'errors', one message each:
 * "subnet <id>: [port <id>: ]<field>: <problem>". */
char *
model_parse(const char *text, const struct model *previous,
            struct model **modelp, struct svec *errors)
{
    struct json_reader_tree tree;

    /* The whole document is checked, but only stored down to the subnets
     * ({"Result": {"subnets": [{...}, ...]}}), which model_build() expands
     * one at a time, to touch little memory. */
    json_reader_tree_init(&tree);
    char *error = json_reader_parse(&tree, text, 3);
    if (error) {
        char *not_json = xasprintf("not JSON: %s", error);
        free(error);
        json_reader_tree_destroy(&tree);
        return not_json;
    }

    const struct json_reader_value *subnets;
    error = envelope_parse(&tree.values[0], &subnets);
    if (!error) {
        *modelp = model_build(text, subnets, previous, errors);
    }
    json_reader_tree_destroy(&tree);
    return error;
}

/* Returns a deep copy of 'model' with one reference, which the caller
 * drops with model_unref(). */
struct model *
model_clone(const struct model *model)
{
    struct model *clone = xzalloc(sizeof *clone);
    clone->n_refs = 1;
    clone->sgs_digest = model->sgs_digest;

    clone->n_subnets = model->n_subnets;
    clone->subnets = xcalloc(model->n_subnets, sizeof *clone->subnets);
    for (size_t i = 0; i < model->n_subnets; i++) {
        clone->subnets[i] = subnet_clone(model->subnets[i]);
    }
    return clone;
}

/* Takes a new reference to 'model' (may be NULL) and returns it.  The
 * model stays alive, unchanged, until its last reference is dropped with
 * model_unref().  References are not thread-safe: a model is shared only
 * within the main thread. */
struct model *
model_ref(const struct model *model_)
{
    struct model *model = CONST_CAST(struct model *, model_);

    if (model) {
        model->n_refs++;
    }
    return model;
}

/* Drops a reference to 'model' (may be NULL), freeing it and everything it
 * owns with the last one. */
void
model_unref(struct model *model)
{
    if (!model || --model->n_refs) {
        return;
    }
    for (size_t i = 0; i < model->n_subnets; i++) {
        subnet_unref(model->subnets[i]);
    }
    free(model->subnets);
    free(model);
}

/* Returns the subnet of 'model' whose id is 'id', or NULL.  The result
 * belongs to 'model'. */
const struct model_subnet *
model_find_subnet(const struct model *model, const char *id)
{
    for (size_t i = 0; i < model->n_subnets; i++) {
        if (!strcmp(model->subnets[i]->id, id)) {
            return model->subnets[i];
        }
    }
    return NULL;
}

/* Returns the first security group whose id is 'id' among every subnet's
 * groups, in document order, or NULL.  The result belongs to 'model'. */
const struct model_secgroup *
model_find_secgroup(const struct model *model, const char *id)
{
    for (size_t i = 0; i < model->n_subnets; i++) {
        const struct model_subnet *subnet = model->subnets[i];
        for (size_t j = 0; j < subnet->n_secgroups; j++) {
            if (!strcmp(subnet->secgroups[j].id, id)) {
                return &subnet->secgroups[j];
            }
        }
    }
    return NULL;
}
