/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Incremental computation (lib/pipeline-state.c) against full computation:
 * random sequences of changes to a random cloud (ports, subnets, security
 * groups and their members, routers, provider subnets, and the local facts:
 * ofports, tunnels, routers down, the metadata tap) must always leave the
 * incremental desired table, cookies and warnings included, equal to the
 * one a full computation gives for the same input; and one port changed
 * must recompute one unit.  The table's change tracker must name every
 * flow, group and meter that changed. */

#include <config.h>

#include <check.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "desired.h"
#include "host-view.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "pipeline.h"
#include "pipeline-state.h"
#include "random.h"
#include "suites.h"
#include "svec.h"
#include "util.h"

/* Sizes of the random cloud. */
enum {
    INC_HOSTS = 4,              /* Host 0 is the local one. */
    INC_ROUTERS = 3,
    INC_GROUPS = 4,
    INC_MAX_SUBNETS = 6,
    INC_MAX_PORTS = 12,         /* Per subnet. */
    INC_MAX_RULES = 5,          /* Per group. */
};

/* One VM port of the random cloud. */
struct inc_port {
    unsigned int id;            /* Unique for the whole run. */
    unsigned int ip;            /* Host part of its fixed IP, 10..250. */
    unsigned int host;          /* Index, 0 is local. */
    unsigned int groups;        /* Bit i: member of group i. */
    unsigned int rate;          /* Mbit/s, 0 for none. */
};

/* One rule of a group. */
struct inc_rule {
    int direction;              /* 0 ingress, 1 egress. */
    int proto;                  /* 0, 1, 6 or 17. */
    int port_start, port_end;   /* 0/0 for any. */
    int remote_group;           /* -1 for none. */
    int prefix_len;             /* Of 10.0.0.0/len when no remote group, 0 =
                                 * any ("" prefix). */
};

/* One subnet. */
struct inc_subnet {
    unsigned int id;            /* Unique for the whole run. */
    bool provider;              /* Flat on physical network "phys". */
    unsigned int routers;       /* Bit i: router i (overlay only). */
    struct inc_port ports[INC_MAX_PORTS];
    size_t n_ports;
};

/* The random cloud and the random facts of its local host. */
struct inc_world {
    struct inc_subnet subnets[INC_MAX_SUBNETS];
    size_t n_subnets;
    struct inc_rule rules[INC_GROUPS][INC_MAX_RULES];
    size_t n_rules[INC_GROUPS];
    unsigned int group_home[INC_GROUPS];        /* Index of the subnet that
                                                 * defines the group. */
    unsigned int next_id;
    struct pipeline_facts facts;
};

/* Returns a random number in [0, n). */
static unsigned int
inc_random(unsigned int n)
{
    return random_range(n);
}

/* Makes a random rule. */
static struct inc_rule
inc_random_rule(void)
{
    static const int protos[] = { 0, 1, 6, 17 };
    struct inc_rule r = {
        .direction = inc_random(2),
        .proto = protos[inc_random(4)],
        .remote_group = inc_random(3) ? (int) inc_random(INC_GROUPS) : -1,
    };
    if (r.proto == 6 || r.proto == 17) {
        r.port_start = 20 + inc_random(100);
        r.port_end = r.port_start + inc_random(3) * inc_random(40);
    }
    if (r.remote_group < 0) {
        r.prefix_len = inc_random(3) ? 8 + inc_random(17) : 0;
    }
    return r;
}

/* Adds a random port to 'subnet'. */
static void
inc_add_port(struct inc_world *w, struct inc_subnet *subnet)
{
    if (subnet->n_ports >= INC_MAX_PORTS) {
        return;
    }
    struct inc_port *p = &subnet->ports[subnet->n_ports];
    bool clash;
    do {
        p->ip = 10 + inc_random(60);
        clash = false;
        for (size_t i = 0; i < subnet->n_ports; i++) {
            clash = clash || subnet->ports[i].ip == p->ip;
        }
    } while (clash);
    p->id = w->next_id++;
    p->host = inc_random(3) ? inc_random(INC_HOSTS) : 0;
    p->groups = inc_random(1 << INC_GROUPS);
    p->rate = inc_random(3) ? 0 : 1 + inc_random(100);
    subnet->n_ports++;
}

/* Adds a random subnet. */
static void
inc_add_subnet(struct inc_world *w)
{
    if (w->n_subnets >= INC_MAX_SUBNETS) {
        return;
    }
    struct inc_subnet *s = &w->subnets[w->n_subnets++];
    memset(s, 0, sizeof *s);
    s->id = w->next_id++;
    s->provider = !inc_random(5);
    s->routers = s->provider ? 0 : inc_random(1 << INC_ROUTERS);
    for (size_t n = 1 + inc_random(6); n > 0; n--) {
        inc_add_port(w, s);
    }
}

/* Appends the JSON of port 'p' of subnet 's' to 'out', naming only the
 * groups of 'defined' (bit i: group i is in the document). */
static void
inc_put_port(struct ds *out, const struct inc_subnet *s,
             const struct inc_port *p, unsigned int defined)
{
    ds_put_format(out, "{\"id\":\"p%u\",\"version\":1,"
                  "\"fixedip\":\"172.%u.%u.%u\",\"deviceId\":\"tap%u\","
                  "\"mac\":\"fa:16:3e:%02x:%02x:%02x\","
                  "\"host\":\"10.0.0.%u\",\"type\":0,\"rate\":%u,"
                  "\"burst\":%u,\"securitygroupIds\":[",
                  p->id, 16 + s->id / 250, s->id % 250, p->ip, p->id,
                  (p->id >> 16) & 255, (p->id >> 8) & 255, p->id & 255,
                  1 + p->host, p->rate, p->rate ? 1 : 0);
    bool first = true;
    for (int g = 0; g < INC_GROUPS; g++) {
        if (p->groups & defined & (1u << g)) {
            ds_put_format(out, "%s\"g%d\"", first ? "" : ",", g);
            first = false;
        }
    }
    ds_put_cstr(out, "]}");
}

/* Appends the JSON of group 'g' to 'out'; a rule whose remote group is
 * not in 'defined' has no remote. */
static void
inc_put_group(struct ds *out, const struct inc_world *w, int g,
              unsigned int defined)
{
    ds_put_format(out, "{\"id\":\"g%d\",\"securitygroupRules\":[", g);
    for (size_t i = 0; i < w->n_rules[g]; i++) {
        const struct inc_rule *r = &w->rules[g][i];
        ds_put_format(out, "%s{\"direction\":%d,\"type\":0,\"proto\":%d,"
                      "\"ipVersion\":0,\"portStart\":%d,\"portEnd\":%d,",
                      i ? "," : "", r->direction, r->proto, r->port_start,
                      r->port_end);
        if (r->remote_group >= 0 && defined & (1u << r->remote_group)) {
            ds_put_format(out, "\"ipPrefix\":\"\",\"remoteGroupId\":"
                          "\"g%d\"}", r->remote_group);
        } else if (r->prefix_len) {
            ds_put_format(out, "\"ipPrefix\":\"10.0.0.0/%d\","
                          "\"remoteGroupId\":null}", r->prefix_len);
        } else {
            ds_put_cstr(out, "\"ipPrefix\":\"\",\"remoteGroupId\":null}");
        }
    }
    ds_put_cstr(out, "]}");
}

/* Returns the controller document of 'w', malloc()ed. */
static char *
inc_document(const struct inc_world *w)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    unsigned int defined = 0;
    for (int g = 0; g < INC_GROUPS; g++) {
        if (w->group_home[g] < w->n_subnets) {
            defined |= 1u << g;
        }
    }
    ds_put_cstr(&out, "{\"code\":0,\"message\":\"\",\"Result\":{"
                "\"subnets\":[");
    for (size_t i = 0; i < w->n_subnets; i++) {
        const struct inc_subnet *s = &w->subnets[i];
        unsigned int a = 16 + s->id / 250, b = s->id % 250;
        ds_put_format(&out, "%s{\"id\":\"s%u\",\"version\":1,"
                      "\"vpcId\":\"v\",\"tenantId\":\"t\",\"metadata\":%u,"
                      "\"vni\":%u,\"mtu\":1450,"
                      "\"network\":\"172.%u.%u.0/24\",\"dns\":null,",
                      i ? "," : "", s->id, 100 + s->id, 100 + s->id, a, b);
        if (s->provider) {
            ds_put_cstr(&out, "\"networkType\":\"flat\","
                        "\"physicalNetwork\":\"phys\",\"routers\":null,");
        } else {
            ds_put_cstr(&out, "\"routers\":[");
            bool first = true;
            for (int r = 0; r < INC_ROUTERS; r++) {
                if (s->routers & (1u << r)) {
                    ds_put_format(&out, "%s\"10.9.0.%d\"", first ? "" : ",",
                                  1 + r);
                    first = false;
                }
            }
            ds_put_cstr(&out, "],");
        }
        ds_put_format(&out, "\"dhcpPort\":{\"id\":\"d%u\",\"version\":1,"
                      "\"fixedip\":\"172.%u.%u.2\",\"deviceId\":\"\","
                      "\"mac\":\"fa:16:3f:00:%02x:02\",\"host\":\"\","
                      "\"type\":2},\"gatewayPorts\":[{\"id\":\"gw%u\","
                      "\"version\":1,\"fixedip\":\"172.%u.%u.1\","
                      "\"deviceId\":\"\",\"mac\":\"fa:16:3f:00:%02x:01\","
                      "\"host\":\"\",\"type\":1}],\"ports\":[",
                      s->id, a, b, s->id & 255, s->id, a, b, s->id & 255);
        for (size_t j = 0; j < s->n_ports; j++) {
            if (j) {
                ds_put_char(&out, ',');
            }
            inc_put_port(&out, s, &s->ports[j], defined);
        }
        ds_put_cstr(&out, "],\"securitygroups\":[");
        bool first = true;
        for (int g = 0; g < INC_GROUPS; g++) {
            if (w->group_home[g] == i) {
                if (!first) {
                    ds_put_char(&out, ',');
                }
                inc_put_group(&out, w, g, defined);
                first = false;
            }
        }
        ds_put_cstr(&out, "]}");
    }
    ds_put_cstr(&out, "]}}");
    return ds_steal_cstr(&out);
}

/* Returns the ofport of local port 'id' ("p<n>"): distinct for distinct
 * ports, as the switch gives them. */
static unsigned int
inc_ofport(const char *id)
{
    return 1 + atoi(id + 1);
}

/* Sets a random fact of 'w' for host view 'hv': an ofport, a tunnel, a
 * router down, the patch port, or the metadata tap. */
static void
inc_change_fact(struct inc_world *w, const struct host_view *hv)
{
    struct pipeline_facts *f = &w->facts;
    switch (inc_random(5)) {
    case 0:
        if (hv->n_local_ports) {
            const char *id = hv->local_ports[inc_random(hv->n_local_ports)]
                             .port->id;
            if (simap_contains(&f->port_ofports, id) && inc_random(2)) {
                simap_find_and_delete(&f->port_ofports, id);
            } else {
                simap_put(&f->port_ofports, id, inc_ofport(id));
            }
        }
        break;
    case 1: {
        char ip[16];
        snprintf(ip, sizeof ip, "10.0.0.%u", 2 + inc_random(INC_HOSTS - 1));
        if (inc_random(3)) {
            simap_put(&f->tunnel_ofports, ip, 600 + inc_random(50));
        } else {
            simap_find_and_delete(&f->tunnel_ofports, ip);
        }
        break;
    }
    case 2: {
        char ip[16];
        snprintf(ip, sizeof ip, "10.9.0.%u", 1 + inc_random(INC_ROUTERS));
        if (sset_contains(&f->down_routers, ip)) {
            sset_find_and_delete(&f->down_routers, ip);
        } else {
            sset_add(&f->down_routers, ip);
        }
        break;
    }
    case 3:
        if (simap_contains(&f->patch_ofports, "phys")) {
            simap_find_and_delete(&f->patch_ofports, "phys");
        } else {
            simap_put(&f->patch_ofports, "phys", 700);
        }
        break;
    default:
        f->metadata_ofport = f->metadata_ofport ? 0 : 800;
        break;
    }
}

/* Makes one random change to 'w' (the document or the facts). */
static void
inc_change(struct inc_world *w, const struct host_view *hv)
{
    struct inc_subnet *s = (w->n_subnets
                            ? &w->subnets[inc_random(w->n_subnets)] : NULL);
    unsigned int what = inc_random(10);

    if (!s || what == 0) {
        inc_add_subnet(w);
    } else if (what == 1 && w->n_subnets > 1) {
        size_t i = s - w->subnets;
        memmove(s, s + 1, (w->n_subnets - i - 1) * sizeof *s);
        w->n_subnets--;
    } else if (what == 2) {
        inc_add_port(w, s);
    } else if (what == 3 && s->n_ports) {
        size_t i = inc_random(s->n_ports);
        memmove(&s->ports[i], &s->ports[i + 1],
                (s->n_ports - i - 1) * sizeof s->ports[0]);
        s->n_ports--;
    } else if (what == 4 && s->n_ports) {
        struct inc_port *p = &s->ports[inc_random(s->n_ports)];
        switch (inc_random(3)) {
        case 0: p->groups = inc_random(1 << INC_GROUPS); break;
        case 1: p->rate = inc_random(2) ? 0 : 1 + inc_random(100); break;
        default: p->host = inc_random(INC_HOSTS); break;
        }
    } else if (what == 5) {
        int g = inc_random(INC_GROUPS);
        if (w->n_rules[g] < INC_MAX_RULES && inc_random(2)) {
            w->rules[g][w->n_rules[g]++] = inc_random_rule();
        } else if (w->n_rules[g]) {
            w->rules[g][inc_random(w->n_rules[g])] = inc_random_rule();
        }
    } else if (what == 6) {
        w->group_home[inc_random(INC_GROUPS)] = inc_random(INC_MAX_SUBNETS);
    } else if (what == 7 && !s->provider) {
        s->routers = inc_random(1 << INC_ROUTERS);
    } else {
        inc_change_fact(w, hv);
    }
}

/* Returns the text of 'table' (cookies included), malloc()ed. */
static char *
inc_table_text(const struct desired_table *table)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    desired_table_format(table, &s);
    return ds_steal_cstr(&s);
}

/* Returns the warnings of 'w' joined by newlines, malloc()ed. */
static char *
inc_warnings_text(const struct svec *warnings)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    for (size_t i = 0; i < warnings->n; i++) {
        ds_put_format(&s, "%s\n", warnings->names[i]);
    }
    return ds_steal_cstr(&s);
}

/* Copies the flows, groups and meters of 'src' into the empty 'dst'. */
static void
inc_copy_table(struct desired_table *dst, const struct desired_table *src)
{
    const struct desired_flow *f;
    HMAP_FOR_EACH (f, node, &src->flows) {
        desired_table_insert_flow(dst, desired_flow_clone(f));
    }
    const struct desired_group *g;
    HMAP_FOR_EACH (g, node, &src->groups) {
        desired_table_set_group(dst, g->group_id, g->spec);
    }
    const struct desired_meter *m;
    HMAP_FOR_EACH (m, node, &src->meters) {
        desired_table_set_meter(dst, m->meter_id, m->spec);
    }
}

/* Returns true if flows 'a' and 'b' (either may be NULL) differ. */
static bool
inc_flows_differ(const struct desired_flow *a, const struct desired_flow *b)
{
    return (!a != !b
            || (a && (a->cookie != b->cookie
                      || !desired_flow_actions_equal(a, b))));
}

/* Checks that 'changes' names every flow, group and meter that differs
 * between 'before' and 'after'. */
static void
inc_check_changes(const struct desired_table *before,
                  const struct desired_table *after,
                  const struct desired_table *changes, uint32_t seed,
                  int step)
{
    const struct desired_table *tables[] = { before, after };
    for (size_t i = 0; i < 2; i++) {
        const struct desired_flow *f;
        HMAP_FOR_EACH (f, node, &tables[i]->flows) {
            const struct desired_flow *other = desired_table_find_flow(
                tables[1 - i], f->table_id, f->priority, &f->match);
            ck_assert_msg(!inc_flows_differ(f, other)
                          || desired_table_find_flow(changes, f->table_id,
                                                     f->priority,
                                                     &f->match),
                          "seed %"PRIu32" step %d: a changed flow is not "
                          "tracked", seed, step);
        }
        const struct desired_group *g;
        HMAP_FOR_EACH (g, node, &tables[i]->groups) {
            const struct desired_group *other = desired_table_find_group(
                tables[1 - i], g->group_id);
            ck_assert(!(!other || strcmp(other->spec, g->spec))
                      || desired_table_find_group(changes, g->group_id));
        }
        const struct desired_meter *m;
        HMAP_FOR_EACH (m, node, &tables[i]->meters) {
            const struct desired_meter *other = desired_table_find_meter(
                tables[1 - i], m->meter_id);
            ck_assert(!(!other || strcmp(other->spec, m->spec))
                      || desired_table_find_meter(changes, m->meter_id));
        }
    }
}

/* Runs 'n_steps' random changes from seed 'seed', comparing the
 * incremental and the full table after each. */
static void
inc_run(uint32_t seed, int n_steps)
{
    struct inc_world w;
    memset(&w, 0, sizeof w);
    random_set_seed(seed);
    pipeline_facts_init(&w.facts);
    ck_assert(eth_addr_from_string("fa:16:3e:25:fd:7e",
                                   &w.facts.metadata_mac));
    for (int h = 1; h < INC_HOSTS; h++) {
        char ip[16];
        snprintf(ip, sizeof ip, "10.0.0.%d", 1 + h);
        simap_put(&w.facts.tunnel_ofports, ip, 600 + h);
    }
    for (int r = 0; r < INC_ROUTERS; r++) {
        char ip[16];
        snprintf(ip, sizeof ip, "10.9.0.%d", 1 + r);
        simap_put(&w.facts.tunnel_ofports, ip, 650 + r);
    }
    for (int g = 0; g < INC_GROUPS; g++) {
        w.group_home[g] = inc_random(INC_MAX_SUBNETS);
        for (size_t n = 1 + inc_random(3); n > 0; n--) {
            w.rules[g][w.n_rules[g]++] = inc_random_rule();
        }
    }
    for (int i = 0; i < 3; i++) {
        inc_add_subnet(&w);
    }

    struct pipeline_state *st = pipeline_state_create();
    struct host_view hv;
    memset(&hv, 0, sizeof hv);
    bool have_hv = false;
    ovs_be32 local_ip = htonl(0x0a000001);

    for (int step = 0; step < n_steps; step++) {
        if (have_hv) {
            inc_change(&w, &hv);
            host_view_destroy(&hv);
        }

        char *doc = inc_document(&w);
        struct model *model;
        struct svec errors = SVEC_EMPTY_INITIALIZER;
        char *error = model_parse(doc, NULL, &model, &errors);
        ck_assert_msg(!error && !errors.n, "seed %"PRIu32" step %d: %s",
                      seed, step, error ? error : errors.names[0]);
        svec_destroy(&errors);
        host_view_build(model, local_ip, &hv);
        have_hv = true;
        for (size_t i = 0; i < hv.n_local_ports; i++) {
            const char *id = hv.local_ports[i].port->id;
            if (!simap_contains(&w.facts.port_ofports, id)
                && inc_random(4)) {
                simap_put(&w.facts.port_ofports, id, inc_ofport(id));
            }
        }
        pipeline_facts_assign_ids(&w.facts, &hv);

        struct desired_table before;
        desired_table_init(&before);
        inc_copy_table(&before, pipeline_state_table(st));
        desired_table_clear(pipeline_state_changes(st));

        struct svec inc_warnings = SVEC_EMPTY_INITIALIZER;
        pipeline_state_update(st, model, &hv, &w.facts, false,
                              &inc_warnings);
        if (!pipeline_state_changes(st)->untracked) {
            inc_check_changes(&before, pipeline_state_table(st),
                              pipeline_state_changes(st), seed, step);
        }
        desired_table_destroy(&before);
        char *inc_text = inc_table_text(pipeline_state_table(st));

        struct desired_table full;
        struct svec full_warnings = SVEC_EMPTY_INITIALIZER;
        desired_table_init(&full);
        pipeline_compute(model, &hv, &w.facts, &full, &full_warnings);
        char *full_text = inc_table_text(&full);

        ck_assert_msg(!strcmp(inc_text, full_text),
                      "seed %"PRIu32" step %d: incremental and full "
                      "tables differ", seed, step);
        char *a = inc_warnings_text(&inc_warnings);
        char *b = inc_warnings_text(&full_warnings);
        ck_assert_msg(!strcmp(a, b), "seed %"PRIu32" step %d: warnings "
                      "differ:\n%s---\n%s", seed, step, a, b);
        free(a);
        free(b);

        free(inc_text);
        free(full_text);
        desired_table_destroy(&full);
        svec_destroy(&inc_warnings);
        svec_destroy(&full_warnings);
        model_unref(model);
        free(doc);
    }

    host_view_destroy(&hv);
    pipeline_state_destroy(st);
    pipeline_facts_destroy(&w.facts);
}

START_TEST(test_incremental_equals_full)
{
    for (uint32_t seed = 1; seed <= 30; seed++) {
        inc_run(seed, 60);
    }
}
END_TEST

START_TEST(test_one_port_one_unit)
{
    struct inc_world w;
    memset(&w, 0, sizeof w);
    random_set_seed(7);
    pipeline_facts_init(&w.facts);
    for (int i = 0; i < INC_MAX_SUBNETS; i++) {
        inc_add_subnet(&w);
        w.subnets[i].provider = false;
        w.subnets[i].ports[0].host = 0;
    }

    struct pipeline_state *st = pipeline_state_create();
    char *doc = inc_document(&w);
    struct model *model;
    struct svec errors = SVEC_EMPTY_INITIALIZER;
    ck_assert_ptr_null(model_parse(doc, NULL, &model, &errors));
    struct host_view hv;
    host_view_build(model, htonl(0x0a000001), &hv);
    pipeline_facts_assign_ids(&w.facts, &hv);
    pipeline_state_update(st, model, &hv, &w.facts, false, NULL);
    ck_assert(pipeline_state_stats(st)->full);
    ck_assert_uint_eq(pipeline_state_stats(st)->n_computed,
                      1 + w.n_subnets);
    host_view_destroy(&hv);
    model_unref(model);
    free(doc);

    /* A port that no group names, on another host, in subnet 2. */
    struct inc_subnet *s = &w.subnets[2];
    inc_add_port(&w, s);
    s->ports[s->n_ports - 1].groups = 0;
    s->ports[s->n_ports - 1].host = 1;
    doc = inc_document(&w);
    ck_assert_ptr_null(model_parse(doc, NULL, &model, &errors));
    host_view_build(model, htonl(0x0a000001), &hv);
    pipeline_facts_assign_ids(&w.facts, &hv);
    pipeline_state_update(st, model, &hv, &w.facts, false, NULL);
    ck_assert(!pipeline_state_stats(st)->full);
    ck_assert_uint_le(pipeline_state_stats(st)->n_computed, 1);

    host_view_destroy(&hv);
    model_unref(model);
    free(doc);
    svec_destroy(&errors);
    pipeline_state_destroy(st);
    pipeline_facts_destroy(&w.facts);
}
END_TEST

Suite *
test_incremental_suite(void)
{
    Suite *s = suite_create("incremental");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_incremental_equals_full);
    tcase_add_test(tc, test_one_port_one_unit);
    suite_add_tcase(s, tc);
    return s;
}
