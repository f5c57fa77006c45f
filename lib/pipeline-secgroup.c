/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Security groups with conntrack: tables 10 and 15 (egress, what a local VM
 * sends) and 50 and 55 (ingress, what reaches a local VM).  The two
 * directions are built by the same code from a struct sg_dir.
 *
 * Tables 10 / 50, per local port P (ofport p, conntrack zone z):
 *   ip,reg6=p (reg7=p) -> ct(table=15 (55),zone=z)
 * and, at priority 50, everything else (non-IP, and traffic that is not
 * from / to a local VM) -> 20 (60).  A port without a zone yet has its IP
 * traffic dropped instead.  Zones are per port, not per subnet: with one
 * zone per subnet, a packet between two VMs of the subnet on this host would
 * be committed by the sender's egress ct() and found again, already
 * established, by the receiver's ingress ct() in the same zone, which would
 * skip the receiver's ingress rules.  With a zone per port each side tracks
 * the connection in its own zone.
 *
 * Tables 15 / 55, per local port P and direction D:
 *   - priority 2000: ct_state=+inv+trk -> drop (one flow per table);
 *   - priority 1500, per conjunction id K of P: a packet of an existing
 *     connection (-new-inv+trk, that is established or related) whose
 *     ct_mark is K passes.  In zone z the connections that P opened have
 *     their original direction in table 15 and their replies in table 55,
 *     those opened toward P the other way round, so table 15 accepts P's
 *     egress ids with -rpl and P's ingress ids with +rpl, table 55 the
 *     opposite.  For a rule whose remote is a group, an established packet
 *     passes only if its remote address (nw_dst in 15, nw_src in 55) is
 *     still a member: a conjunction (id K | SG_MEMBER_CHECK) of the mark
 *     and the group's member prefixes, and conj_id -> pass; related
 *     packets pass on the mark alone (see sg_mark_flows());
 *   - priority 1000, one flow per id K: conj_id=K -> ct(commit,zone=z,
 *     exec(set_field:K->ct_mark)), go to 20 (60): a connection is committed
 *     only when a rule allows it, marked with that rule's id;
 *   - priority 100, the clauses of one conjunction per rule (below);
 *   - priority 1: drop.
 * A rule that is removed or changed loses its id (the id is a function of
 * the rule's text), and a member removed from a remote group leaves the
 * member check of the rules that name the group, so the next packets of
 * the connections they allowed no longer pass at 1500: replies are dropped
 * at once, and packets in the original direction fall through to the rules
 * again and are re-committed with the id of a rule that still allows them,
 * or dropped.  A connection therefore lives exactly as long as some current
 * rule would allow it as new.  Conjunctions that would put more than
 * PIPELINE_CONJ_MAX_ACTIONS actions on one flow are spread over the
 * priorities above 100 (1500) by pipeline_conj_flush().
 *
 * One conjunction per (port, direction, distinct rule), with up to three
 * dimensions, so that the flow count grows with the sum of the remote
 * addresses and the protocol/port matches, not their product:
 *   1. the port and the state: ct_state=-rpl-inv+trk,reg6=p (reg7=p);
 *   2. the remote addresses, nw_dst (egress) or nw_src (ingress): the rule's
 *      ipPrefix, else the fixed IPs of every VM port of its remoteGroupId in
 *      every subnet (consecutive addresses merged into CIDRs), else any
 *      (no dimension);
 *   3. the protocol and ports: icmp, udp or tcp (with the port range as
 *      tp_dst value/mask prefixes), ip,nw_proto=N for other protocols, none
 *      for any protocol.
 * A rule with neither dimension 2 nor 3 gets "ip" as its second dimension
 * (a conjunction needs two).  Clause flows of dimensions 2 and 3 do not
 * name the port, so they are shared by every port and rule with the same
 * match: one flow with one conjunction() action per rule.
 *
 * Conjunction ids: the key of a rule is "<port id>/<direction>/<rule
 * text>", where the text names the protocol, the port range and the remote
 * (prefix, group id or any); identical rules of a port share a key.  The
 * keys of every local port of the host view (with or without an ofport)
 * are sorted, and each in turn gets 1 + hash(key) mod (2^31 - 1), or on a
 * collision the next free id (linear probing, wrapping from 2^31 - 1 to 1).
 * Ids are thus unique, the same for the same input, independent of
 * ofports, and a new port or rule only moves another's id on a real hash
 * collision. */

#include <config.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "host-view.h"
#include "model.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "openvswitch/util.h"
#include "pipeline-ctx.h"
#include "pipeline-stages.h"
#include "simap.h"
#include "sset.h"
#include "svec.h"
#include "util.h"

/* Flow priorities of tables 10, 15, 50 and 55. */
enum {
    SG_PRIO_INVALID = 2000,     /* 15, 55: ct_state=+inv -> drop. */
    SG_PRIO_MARK = 1500,        /* 15, 55: existing connections by mark. */
    SG_PRIO_COMMIT = 1000,      /* 15, 55: conj_id -> commit. */
    SG_PRIO_RULE = 100,         /* 15, 55: conjunction clauses. */
    SG_PRIO_DROP = 1,           /* 15, 55: everything else. */
    SG_PRIO_CT_PORT = 100,      /* 10, 50: a local port's IP -> ct(). */
    SG_PRIO_CT_DEFAULT = 50,    /* 10, 50: everything else passes. */
};

/* Conjunction ids are in [1, SG_ID_LIMIT). */
#define SG_ID_LIMIT 0x80000000u

/* The conjunction that checks the remote address of an existing connection
 * marked with rule id K has the id K | SG_MEMBER_CHECK (beyond the rule
 * ids, so the two never collide in a table). */
#define SG_MEMBER_CHECK 0x80000000u

/* What differs between the egress and the ingress direction. */
struct sg_dir {
    enum model_sg_direction direction;
    const char *name;           /* "egress" or "ingress", in rule keys. */
    enum desired_stage stage;   /* For the cookies. */
    uint8_t ct_table;           /* 10 or 50. */
    uint8_t sg_table;           /* 15 or 55. */
    uint8_t next_table;         /* 20 or 60. */
    unsigned int port_reg;      /* The register that holds the local
                                 * port's ofport. */
    enum mf_field_id remote_field;      /* Holds the remote's address. */
};

/* The two directions, egress first. */
static const struct sg_dir sg_dirs[2] = {
    { MODEL_SG_EGRESS, "egress", DESIRED_STAGE_EGRESS_SG,
      PIPELINE_T_EGRESS_CT, PIPELINE_T_EGRESS_SG, PIPELINE_T_DISPATCH,
      6, MFF_IPV4_DST },
    { MODEL_SG_INGRESS, "ingress", DESIRED_STAGE_INGRESS_SG,
      PIPELINE_T_INGRESS_CT, PIPELINE_T_INGRESS_SG, PIPELINE_T_OUTPUT,
      7, MFF_IPV4_SRC },
};

/* One distinct rule of a local port in one direction. */
struct sg_rule {
    const struct model_sg_rule *rule;   /* In the model. */
    const char *group_id;       /* Its group's id, in the model. */
    char *key;                  /* Owned: "<port>/<direction>/<text>". */
    uint32_t id;                /* Its conjunction id. */
};

/* The distinct rules of one local port in one direction, by key. */
struct sg_rules {
    struct sg_rule *rules;      /* Owned array. */
    size_t n;
};

/* An id in use, in pipeline_secgroups_assign_ids()'s set. */
struct sg_used_id {
    struct hmap_node node;      /* By hash_int(id, 0). */
    uint32_t id;
};

/* The state of one pipeline_secgroups() call. */
struct sg_ctx {
    struct pipeline_ctx *ctx;   /* Not owned. */
    struct sset *groups;        /* Not owned, may be NULL: receives the id
                                 * of every group whose definition or
                                 * members the rules read. */
};

/* Returns the security group 'id' and sets '*subnetp' to the subnet that
 * defines it (the first in document order), or returns NULL. */
static const struct model_secgroup *
sg_find_group(const struct sg_ctx *sgc, const char *id,
              const struct model_subnet **subnetp)
{
    const struct pipeline_sg_group *g = pipeline_sg_find_group(sgc->ctx->sg,
                                                               id);
    if (sgc->groups) {
        sset_add(sgc->groups, id);
    }
    if (!g || !g->sg) {
        return NULL;
    }
    *subnetp = g->subnet;
    return g->sg;
}

/* Appends to 's' the canonical text of IPv4 'rule' (its direction aside):
 * what it matches, in the terms of the document. */
static void
sg_put_rule_text(struct ds *s, const struct model_sg_rule *rule)
{
    ds_put_format(s, "proto=%d,ports=", rule->proto);
    if (rule->port_start) {
        ds_put_format(s, "%d-%d", rule->port_start, rule->port_end);
    } else {
        ds_put_cstr(s, "any");
    }
    ds_put_cstr(s, ",remote=");
    if (rule->has_prefix) {
        ds_put_format(s, IP_FMT"/%u", IP_ARGS(rule->prefix),
                      rule->prefix_len);
    } else if (rule->remote_group_id) {
        ds_put_format(s, "group:%s", rule->remote_group_id);
    } else {
        ds_put_cstr(s, "any");
    }
}

/* qsort() comparator for struct sg_rule: by key, then group id. */
static int
sg_rule_cmp(const void *a_, const void *b_)
{
    const struct sg_rule *a = a_, *b = b_;
    int cmp = strcmp(a->key, b->key);
    return cmp ? cmp : strcmp(a->group_id, b->group_id);
}

/* Fills 'rules' with the distinct IPv4 rules of 'dir' in the security
 * groups of local port 'port', sorted by key, without ids yet.  Unknown
 * groups and IPv6 rules become warnings. */
static void
sg_collect(struct sg_ctx *sgc, const struct model_port *port,
           const struct sg_dir *dir, struct sg_rules *rules)
{
    size_t allocated = 0;

    rules->rules = NULL;
    rules->n = 0;
    for (size_t i = 0; i < port->n_sg_ids; i++) {
        const struct model_subnet *subnet;
        const struct model_secgroup *sg = sg_find_group(sgc,
                                                        port->sg_ids[i],
                                                        &subnet);
        if (!sg) {
            pipeline_warn(sgc->ctx, "port %s: security group %s is not in "
                          "the document: it allows nothing", port->id,
                          port->sg_ids[i]);
            continue;
        }
        for (size_t j = 0; j < sg->n_rules; j++) {
            const struct model_sg_rule *rule = &sg->rules[j];
            if (rule->direction != dir->direction) {
                continue;
            }
            if (rule->remote_group_id && sgc->groups) {
                sset_add(sgc->groups, rule->remote_group_id);
            }
            if (rule->ip_version != MODEL_IPV4) {
                pipeline_warn(sgc->ctx, "subnet %s security group %s rule "
                              "%"PRIuSIZE": IPv6 rules are not supported "
                              "yet: skipped", subnet->id, sg->id, j);
                continue;
            }

            struct ds key = DS_EMPTY_INITIALIZER;
            ds_put_format(&key, "%s/%s/", port->id, dir->name);
            sg_put_rule_text(&key, rule);
            if (rules->n >= allocated) {
                rules->rules = x2nrealloc(rules->rules, &allocated,
                                          sizeof *rules->rules);
            }
            rules->rules[rules->n++] = (struct sg_rule) {
                .rule = rule,
                .group_id = sg->id,
                .key = ds_steal_cstr(&key),
            };
        }
    }

    if (rules->n) {
        qsort(rules->rules, rules->n, sizeof *rules->rules, sg_rule_cmp);
    }
    size_t n = 0;
    for (size_t i = 0; i < rules->n; i++) {
        if (n && !strcmp(rules->rules[n - 1].key, rules->rules[i].key)) {
            free(rules->rules[i].key);
        } else {
            rules->rules[n++] = rules->rules[i];
        }
    }
    rules->n = n;
}

/* Frees what 'rules' owns. */
static void
sg_rules_destroy(struct sg_rules *rules)
{
    for (size_t i = 0; i < rules->n; i++) {
        free(rules->rules[i].key);
    }
    free(rules->rules);
}

/* Returns true if 'id' is in 'used'. */
static bool
sg_id_used(const struct hmap *used, uint32_t id)
{
    const struct sg_used_id *u;
    HMAP_FOR_EACH_WITH_HASH (u, node, hash_int(id, 0), used) {
        if (u->id == id) {
            return true;
        }
    }
    return false;
}

/* Adds to 'keys' the rule keys of local port 'port' in both directions,
 * and to 'groups' the id of every security group whose definition or
 * members they depend on (see the scheme at the top of this file).
 * Warnings go nowhere: pipeline_secgroups() gives them. */
void
pipeline_secgroup_keys(struct pipeline_ctx *ctx,
                       const struct model_port *port, struct svec *keys,
                       struct sset *groups)
{
    struct svec warnings = ctx->warnings;
    svec_init(&ctx->warnings);

    struct sg_ctx sgc = { .ctx = ctx, .groups = groups };
    for (size_t d = 0; d < ARRAY_SIZE(sg_dirs); d++) {
        struct sg_rules rules;
        sg_collect(&sgc, port, &sg_dirs[d], &rules);
        for (size_t j = 0; j < rules.n; j++) {
            svec_add(keys, rules.rules[j].key);
        }
        sg_rules_destroy(&rules);
    }

    svec_destroy(&ctx->warnings);
    ctx->warnings = warnings;
}

/* Returns the conjunction id that rule 'key' gets unless another key has
 * it: 1 + hash(key) mod (2^31 - 1). */
uint32_t
pipeline_secgroup_home_id(const char *key)
{
    return 1 + hash_string(key, 0) % (SG_ID_LIMIT - 1);
}

/* Sets 'ids' to the conjunction id of each of the sorted, distinct rule
 * 'keys' of every local port of the host view: 1 + hash(key) mod (2^31 -
 * 1), or on a collision the next free id (see the top of this file). */
void
pipeline_secgroups_assign_ids(const struct svec *keys, struct simap *ids)
{
    struct hmap used = HMAP_INITIALIZER(&used);

    simap_clear(ids);
    for (size_t i = 0; i < keys->n; i++) {
        uint32_t id = pipeline_secgroup_home_id(keys->names[i]);
        while (sg_id_used(&used, id)) {
            id = id + 1 < SG_ID_LIMIT ? id + 1 : 1;
        }
        struct sg_used_id *u = xmalloc(sizeof *u);
        u->id = id;
        hmap_insert(&used, &u->node, hash_int(id, 0));
        simap_put(ids, keys->names[i], id);
    }

    struct sg_used_id *u;
    HMAP_FOR_EACH_POP (u, node, &used) {
        free(u);
    }
    hmap_destroy(&used);
}

/* Merges the sorted host-order addresses 'ips' ('n_ips' of them) into the
 * fewest prefixes that cover exactly those addresses (runs of consecutive
 * addresses merged), stored in '*prefixesp' (malloc()ed) and
 * '*n_prefixesp'. */
void
pipeline_secgroup_merge_members(const uint32_t *ips, size_t n_ips,
                                struct pipeline_masked **prefixesp,
                                size_t *n_prefixesp)
{
    struct pipeline_masked *prefixes = NULL;
    size_t n_prefixes = 0, allocated = 0;

    for (size_t i = 0; i < n_ips; ) {
        size_t j = i + 1;
        while (j < n_ips && ips[j] - ips[j - 1] <= 1) {
            j++;
        }

        struct pipeline_masked masks[PIPELINE_RANGE_MAX_MASKS];
        size_t n = pipeline_range_to_masks(ips[i], ips[j - 1], 32, masks);
        while (n_prefixes + n > allocated) {
            prefixes = x2nrealloc(prefixes, &allocated, sizeof *prefixes);
        }
        memcpy(&prefixes[n_prefixes], masks, n * sizeof *masks);
        n_prefixes += n;
        i = j;
    }
    *prefixesp = prefixes;
    *n_prefixesp = n_prefixes;
}

/* The clause matches of one dimension of a rule's conjunction. */
struct sg_matches {
    struct minimatch *matches;  /* Owned array, each owned. */
    size_t n;                   /* Used elements of 'matches'. */
    size_t allocated;           /* Allocated elements of 'matches'. */
};

#define SG_MATCHES_INITIALIZER { NULL, 0, 0 }

/* Appends a copy of 'match' to 'matches'. */
static void
sg_matches_add(struct sg_matches *matches, const struct match *match)
{
    if (matches->n >= matches->allocated) {
        matches->matches = x2nrealloc(matches->matches, &matches->allocated,
                                      sizeof *matches->matches);
    }
    minimatch_init(&matches->matches[matches->n++], match);
}

/* Frees what 'matches' owns. */
static void
sg_matches_destroy(struct sg_matches *matches)
{
    for (size_t i = 0; i < matches->n; i++) {
        minimatch_destroy(&matches->matches[i]);
    }
    free(matches->matches);
}

/* Fills 'remotes' with the matches of 'rule''s remote dimension in
 * direction 'dir' ("ip,nw_src=10.0.0.0/8" for each prefix).  Returns false
 * if the rule matches no remote at all (an empty remote group), true
 * otherwise; an empty 'remotes' with true means any remote. */
static bool
sg_remotes(struct sg_ctx *sgc, const struct sg_dir *dir,
           const struct model_sg_rule *rule, struct sg_matches *remotes)
{
    struct pipeline_masked one;
    const struct pipeline_masked *prefixes;
    size_t n;

    if (rule->has_prefix) {
        if (!rule->prefix_len) {
            return true;
        }
        one.value = ntohl(rule->prefix);
        one.mask = ntohl(be32_prefix_mask(rule->prefix_len));
        prefixes = &one;
        n = 1;
    } else if (rule->remote_group_id) {
        const struct pipeline_sg_group *g = pipeline_sg_find_group(
            sgc->ctx->sg, rule->remote_group_id);
        if (!g || !g->n_prefixes) {
            return false;
        }
        prefixes = g->prefixes;
        n = g->n_prefixes;
    } else {
        return true;
    }

    for (size_t i = 0; i < n; i++) {
        ovs_be32 ip = htonl(prefixes[i].value);
        ovs_be32 mask = htonl(prefixes[i].mask);
        struct match match;
        match_init_catchall(&match);
        match_set_dl_type(&match, htons(ETH_TYPE_IP));
        if (dir->remote_field == MFF_IPV4_DST) {
            match_set_nw_dst_masked(&match, ip, mask);
        } else {
            match_set_nw_src_masked(&match, ip, mask);
        }
        sg_matches_add(remotes, &match);
    }
    return true;
}

/* Fills 'protos' with the matches of 'rule''s protocol and port dimension
 * (e.g. "tcp,tp_dst=0x3e8/0xfff8" for each prefix of the port range);
 * empty for any protocol. */
static void
sg_protos(const struct model_sg_rule *rule, struct sg_matches *protos)
{
    if (!rule->proto) {
        return;
    }

    struct match match;
    match_init_catchall(&match);
    match_set_dl_type(&match, htons(ETH_TYPE_IP));
    match_set_nw_proto(&match, rule->proto);
    if (!rule->port_start) {
        sg_matches_add(protos, &match);
        return;
    }

    struct pipeline_masked masks[PIPELINE_RANGE_MAX_MASKS];
    size_t n = pipeline_range_to_masks(rule->port_start, rule->port_end, 16,
                                       masks);
    for (size_t i = 0; i < n; i++) {
        match_set_tp_dst_masked(&match, htons(masks[i].value),
                                htons(masks[i].mask));
        sg_matches_add(protos, &match);
    }
}

/* Initializes 'match' for the packets of local port 'pp' in direction 'dir'
 * whose connection tracking state, under 'mask' (CS_* flags), is
 * 'state'. */
static void
sg_state_match(struct match *match, const struct sg_dir *dir,
               const struct pipeline_port *pp, uint32_t state, uint32_t mask)
{
    match_init_catchall(match);
    match_set_ct_state_masked(match, state, mask);
    match_set_reg(match, dir->port_reg, pp->ofport);
}

/* Records rule 'r' of direction 'rule_dir', named "<group>/<direction>/
 * <rule text>", as an owner of 'flow'. */
static void
sg_add_rule_owner(struct sg_ctx *sgc, const struct desired_flow *flow,
                  const struct sg_rule *r, const struct sg_dir *rule_dir)
{
    struct ds rule = DS_EMPTY_INITIALIZER;
    ds_put_format(&rule, "%s/%s/", r->group_id, rule_dir->name);
    sg_put_rule_text(&rule, r->rule);
    pipeline_add_owner(sgc->ctx, flow, DESIRED_OWNER_SG_RULE, ds_cstr(&rule));
    ds_destroy(&rule);
}

/* Adds the conjunction of rule 'r' of local port 'pp' in direction 'dir':
 * its clause flows and its conj_id flow. */
static void
sg_rule_flows(struct sg_ctx *sgc, const struct pipeline_port *pp,
              const struct sg_dir *dir, const struct sg_rule *r)
{
    struct pipeline_sg_shared *sg = sgc->ctx->sg;
    struct sg_matches remotes = SG_MATCHES_INITIALIZER;
    struct sg_matches protos = SG_MATCHES_INITIALIZER;

    if (sg_remotes(sgc, dir, r->rule, &remotes)) {
        sg_protos(r->rule, &protos);
        if (!remotes.n && !protos.n) {
            struct match ip;
            match_init_catchall(&ip);
            match_set_dl_type(&ip, htons(ETH_TYPE_IP));
            sg_matches_add(&protos, &ip);
        }
        unsigned int n_clauses = 1 + !!remotes.n + !!protos.n;

        struct match state;
        sg_state_match(&state, dir, pp, CS_TRACKED,
                       CS_REPLY_DIR | CS_INVALID | CS_TRACKED);
        struct minimatch mini_state;
        minimatch_init(&mini_state, &state);
        pipeline_conj_add(sgc->ctx, &sg->rule_conj, dir->stage,
                          DESIRED_OWNER_PORT, pp->port->id, dir->sg_table,
                          SG_PRIO_RULE, &mini_state, r->id, 1, n_clauses);
        minimatch_destroy(&mini_state);

        unsigned int clause = 2;
        const struct sg_matches *dims[] = { &remotes, &protos };
        for (size_t i = 0; i < ARRAY_SIZE(dims); i++) {
            if (dims[i]->n) {
                for (size_t j = 0; j < dims[i]->n; j++) {
                    pipeline_conj_add(sgc->ctx, &sg->rule_conj, dir->stage,
                                      DESIRED_OWNER_SECGROUP, r->group_id,
                                      dir->sg_table, SG_PRIO_RULE,
                                      &dims[i]->matches[j], r->id, clause,
                                      n_clauses);
                }
                clause++;
            }
        }

        struct pipeline_flow f;
        pipeline_flow_init(&f, dir->sg_table, SG_PRIO_COMMIT);
        match_set_conj_id(&f.match, r->id);
        match_set_dl_type(&f.match, htons(ETH_TYPE_IP));
        pipeline_flow_ct_commit(&f, pp->zone, r->id);
        pipeline_flow_goto(&f, dir->next_table);
        const struct desired_flow *commit = pipeline_add_built_flow(
            sgc->ctx, dir->stage, DESIRED_OWNER_PORT, pp->port->id, &f);
        pipeline_flow_uninit(&f);

        sg_add_rule_owner(sgc, commit, r, dir);
    }
    sg_matches_destroy(&remotes);
    sg_matches_destroy(&protos);
}

/* Adds the flow of table 'dir->sg_table' at SG_PRIO_MARK that lets pass the
 * packets of local port 'pp' whose connection has rule id 'mark' and, under
 * 'mask', the tracking state 'state'. */
static void
sg_mark_flow(struct sg_ctx *sgc, const struct pipeline_port *pp,
             const struct sg_dir *dir, uint32_t mark, uint32_t state,
             uint32_t mask)
{
    struct pipeline_flow f;
    pipeline_flow_init(&f, dir->sg_table, SG_PRIO_MARK);
    sg_state_match(&f.match, dir, pp, state, mask);
    match_set_ct_mark(&f.match, mark);
    pipeline_flow_goto(&f, dir->next_table);
    pipeline_add_built_flow(sgc->ctx, dir->stage, DESIRED_OWNER_PORT,
                            pp->port->id, &f);
    pipeline_flow_uninit(&f);
}

/* Adds the flows of table 'dir->sg_table' that let the existing
 * connections of local port 'pp' marked with the id of rule 'r' (a rule of
 * direction 'rule_dir') pass; 'reply' says whether they are the replies
 * ("+rpl") or the original direction ("-rpl") of those connections.
 *
 * A rule whose remote is a prefix or any has one flow: the mark passes.  A
 * rule whose remote is a group also checks that the connection's remote
 * address (the table's remote field, whichever direction the packet goes)
 * is still one of the group's members: established packets pass through a
 * conjunction of the mark and the members' prefixes (which the other rules
 * and ports with that group share), and a connection whose remote has left
 * the group falls through, to be dropped (replies) or checked against the
 * rules again (the original direction).  Related packets (ICMP errors,
 * which may come from a router rather than the remote) pass on the mark
 * alone. */
static void
sg_mark_flows(struct sg_ctx *sgc, const struct pipeline_port *pp,
              const struct sg_dir *dir, const struct sg_rule *r,
              const struct sg_dir *rule_dir, bool reply)
{
    uint32_t rpl = reply ? CS_REPLY_DIR : 0;
    uint32_t mask = CS_NEW | CS_REPLY_DIR | CS_INVALID | CS_TRACKED;

    if (r->rule->has_prefix || !r->rule->remote_group_id) {
        /* "ct_state=-new[+-]rpl-inv+trk". */
        sg_mark_flow(sgc, pp, dir, r->id, rpl | CS_TRACKED, mask);
        return;
    }

    /* "ct_state=-new+rel[+-]rpl-inv+trk". */
    sg_mark_flow(sgc, pp, dir, r->id, CS_RELATED | rpl | CS_TRACKED,
                 mask | CS_RELATED);

    struct sg_matches remotes = SG_MATCHES_INITIALIZER;
    if (sg_remotes(sgc, dir, r->rule, &remotes)) {
        struct pipeline_sg_shared *sg = sgc->ctx->sg;
        uint32_t check_id = r->id | SG_MEMBER_CHECK;

        /* "ct_state=-new-rel[+-]rpl-inv+trk". */
        struct match state;
        sg_state_match(&state, dir, pp, rpl | CS_TRACKED, mask | CS_RELATED);
        match_set_ct_mark(&state, r->id);
        struct minimatch mini_state;
        minimatch_init(&mini_state, &state);
        pipeline_conj_add(sgc->ctx, &sg->check_conj, dir->stage,
                          DESIRED_OWNER_PORT, pp->port->id, dir->sg_table,
                          SG_PRIO_MARK, &mini_state, check_id, 1, 2);
        minimatch_destroy(&mini_state);
        for (size_t i = 0; i < remotes.n; i++) {
            pipeline_conj_add(sgc->ctx, &sg->check_conj, dir->stage,
                              DESIRED_OWNER_SECGROUP, r->group_id,
                              dir->sg_table, SG_PRIO_MARK,
                              &remotes.matches[i], check_id, 2, 2);
        }

        struct pipeline_flow f;
        pipeline_flow_init(&f, dir->sg_table, SG_PRIO_MARK);
        match_set_conj_id(&f.match, check_id);
        match_set_dl_type(&f.match, htons(ETH_TYPE_IP));
        pipeline_flow_goto(&f, dir->next_table);
        const struct desired_flow *check = pipeline_add_built_flow(
            sgc->ctx, dir->stage, DESIRED_OWNER_PORT, pp->port->id, &f);
        pipeline_flow_uninit(&f);
        sg_add_rule_owner(sgc, check, r, rule_dir);
    }
    sg_matches_destroy(&remotes);
}

/* Adds the flows of local port 'pp' for both directions. */
static void
sg_port(struct sg_ctx *sgc, const struct pipeline_port *pp)
{
    struct sg_rules rules[ARRAY_SIZE(sg_dirs)];

    for (size_t d = 0; d < ARRAY_SIZE(sg_dirs); d++) {
        sg_collect(sgc, pp->port, &sg_dirs[d], &rules[d]);
        for (size_t i = 0; i < rules[d].n; i++) {
            rules[d].rules[i].id = simap_get(&sgc->ctx->sg->conj_ids,
                                             rules[d].rules[i].key);
        }
    }

    for (size_t d = 0; d < ARRAY_SIZE(sg_dirs); d++) {
        const struct sg_dir *dir = &sg_dirs[d];

        /* "ip,<port_reg>=<ofport>": no zone yet drops its IP traffic. */
        struct pipeline_flow f;
        pipeline_flow_init(&f, dir->ct_table, SG_PRIO_CT_PORT);
        match_set_dl_type(&f.match, htons(ETH_TYPE_IP));
        match_set_reg(&f.match, dir->port_reg, pp->ofport);
        if (pp->zone) {
            pipeline_flow_ct(&f, pp->zone, dir->sg_table);
        }
        pipeline_add_built_flow(sgc->ctx, dir->stage, DESIRED_OWNER_PORT,
                                pp->port->id, &f);
        pipeline_flow_uninit(&f);
        if (!pp->zone) {
            continue;
        }

        for (size_t i = 0; i < rules[d].n; i++) {
            sg_mark_flows(sgc, pp, dir, &rules[d].rules[i], dir, false);
        }
        for (size_t i = 0; i < rules[1 - d].n; i++) {
            sg_mark_flows(sgc, pp, dir, &rules[1 - d].rules[i],
                          &sg_dirs[1 - d], true);
        }
        for (size_t i = 0; i < rules[d].n; i++) {
            sg_rule_flows(sgc, pp, dir, &rules[d].rules[i]);
        }
    }

    for (size_t d = 0; d < ARRAY_SIZE(sg_dirs); d++) {
        sg_rules_destroy(&rules[d]);
    }
}

/* Adds the flows of tables 10, 15, 50 and 55 of the context's local ports
 * (and, for the host unit, those of no port), and their conjunction
 * actions, which pipeline_secgroups_flush() puts into the table. */
void
pipeline_secgroups(struct pipeline_ctx *ctx)
{
    struct sg_ctx sgc = { .ctx = ctx };

    for (size_t d = 0; d < ARRAY_SIZE(sg_dirs) && ctx->host_scope; d++) {
        const struct sg_dir *dir = &sg_dirs[d];
        pipeline_add_flow(ctx, dir->stage, DESIRED_OWNER_HOST, "",
                          dir->ct_table,
                          SG_PRIO_CT_DEFAULT, "actions=goto_table:%d",
                          dir->next_table);
        pipeline_add_flow(ctx, dir->stage, DESIRED_OWNER_HOST, "",
                          dir->sg_table,
                          SG_PRIO_INVALID, "ct_state=+inv+trk actions=drop");
        pipeline_add_flow(ctx, dir->stage, DESIRED_OWNER_HOST, "",
                          dir->sg_table, SG_PRIO_DROP,
                          "actions=drop");
    }
    for (size_t i = 0; i < ctx->n_ports; i++) {
        sg_port(&sgc, &ctx->ports[i]);
    }
}

/* Initializes 'sg' with no groups, ids nor conjunctions. */
void
pipeline_secgroups_init(struct pipeline_sg_shared *sg)
{
    hmap_init(&sg->groups);
    simap_init(&sg->conj_ids);
    pipeline_conj_init(&sg->rule_conj, SG_PRIO_COMMIT - SG_PRIO_RULE);
    pipeline_conj_init(&sg->check_conj, SG_PRIO_INVALID - SG_PRIO_MARK);
}

/* Puts into the context's table the clause flows whose conjunction actions
 * changed since the last call. */
void
pipeline_secgroups_flush(struct pipeline_ctx *ctx)
{
    pipeline_conj_flush(ctx, &ctx->sg->rule_conj);
    pipeline_conj_flush(ctx, &ctx->sg->check_conj);
}
