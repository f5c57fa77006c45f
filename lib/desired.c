/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "desired.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "byte-order.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-group.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/util.h"
#include "util.h"

/* Returns the name of 'stage', e.g. "l2". */
const char *
desired_stage_name(enum desired_stage stage)
{
    switch (stage) {
    case DESIRED_STAGE_CLASSIFY: return "classify";
    case DESIRED_STAGE_PORT_SECURITY: return "port-security";
    case DESIRED_STAGE_EGRESS_SG: return "egress-security-group";
    case DESIRED_STAGE_DISPATCH: return "dispatch";
    case DESIRED_STAGE_ARP: return "arp";
    case DESIRED_STAGE_DHCP: return "dhcp";
    case DESIRED_STAGE_METADATA: return "metadata";
    case DESIRED_STAGE_L3: return "l3";
    case DESIRED_STAGE_L2: return "l2";
    case DESIRED_STAGE_INGRESS_SG: return "ingress-security-group";
    case DESIRED_STAGE_OUTPUT: return "output";
    case DESIRED_STAGE_VR_PROBE: return "vr-probe";
    case DESIRED_STAGE_PROVIDER: return "provider";
    }
    return "unknown";
}

/* Returns a negative, zero or positive number as the owner of 'kind' named
 * 'id' sorts before, with or after the one of 'other_kind' named
 * 'other_id': by kind, then id.  The least owner of a flow names it in its
 * cookie, and explanations list owners in this order. */
int
desired_owner_cmp(enum desired_owner_kind kind, const char *id,
                  enum desired_owner_kind other_kind, const char *other_id)
{
    if (kind != other_kind) {
        return kind < other_kind ? -1 : 1;
    }
    return strcmp(id, other_id);
}

/* qsort() comparator for pointers to struct desired_owner, in the order of
 * desired_owner_cmp(). */
int
desired_owner_ptr_cmp(const void *a_, const void *b_)
{
    const struct desired_owner *a = *(const struct desired_owner **) a_;
    const struct desired_owner *b = *(const struct desired_owner **) b_;
    return desired_owner_cmp(a->kind, a->id, b->kind, b->id);
}

/* Returns the name of owner kind 'kind', e.g. "port". */
const char *
desired_owner_kind_name(enum desired_owner_kind kind)
{
    switch (kind) {
    case DESIRED_OWNER_HOST: return "host";
    case DESIRED_OWNER_SUBNET: return "subnet";
    case DESIRED_OWNER_PORT: return "port";
    case DESIRED_OWNER_SECGROUP: return "security-group";
    case DESIRED_OWNER_SG_RULE: return "security-group-rule";
    case DESIRED_OWNER_ROUTERS: return "routers";
    }
    return "unknown";
}

/* Returns the cookie of a flow made by 'stage' for the object of 'kind'
 * named 'owner_id' ("" for the host).  See the layout in desired.h. */
uint64_t
desired_cookie(enum desired_stage stage, enum desired_owner_kind kind,
               const char *owner_id)
{
    uint64_t hash = ((uint64_t) hash_string(owner_id, 0) << 32
                     | hash_string(owner_id, 1));
    return (DESIRED_COOKIE_MAGIC << 56)
           | ((uint64_t) (stage & 0xff) << 48)
           | ((uint64_t) (kind & 0xf) << 44)
           | (hash & ((UINT64_C(1) << 44) - 1));
}

/* Hash of a flow's identity (table, priority, match) in a desired_table. */
static uint32_t
desired_flow_hash(uint8_t table_id, uint16_t priority,
                  const struct minimatch *match)
{
    return hash_int(((uint32_t) table_id << 16) | priority,
                    minimatch_hash(match, 0));
}

/* If 't' tracks its changes, records that the flow with the identity of
 * 'f' was added or removed. */
static void
desired_track_flow(struct desired_table *t, const struct desired_flow *f)
{
    if (t->tracker && !desired_table_find_flow(t->tracker, f->table_id,
                                               f->priority, &f->match)) {
        struct desired_flow *key = desired_flow_clone(f);
        hmap_insert(&t->tracker->flows, &key->node,
                    desired_flow_hash(f->table_id, f->priority,
                                      &f->match));
    }
}

/* If 't' tracks its changes, records that the meter ('is_meter') or group
 * 'id' was added or removed. */
static void
desired_track_id(struct desired_table *t, uint32_t id, bool is_meter)
{
    if (!t->tracker) {
        /* Not tracked. */
    } else if (is_meter) {
        if (!desired_table_find_meter(t->tracker, id)) {
            desired_table_set_meter(t->tracker, id, "");
        }
    } else if (!desired_table_find_group(t->tracker, id)) {
        desired_table_set_group(t->tracker, id, "");
    }
}

/* Makes 't' record in 'tracker' (or nowhere, if it is NULL) the identity
 * of every flow, group and meter that the pipeline adds to 't' or removes
 * from it from now on (see struct desired_table). */
void
desired_table_track(struct desired_table *t, struct desired_table *tracker)
{
    t->tracker = tracker;
}

/* Initializes 't' as an empty table. */
void
desired_table_init(struct desired_table *t)
{
    t->tracker = NULL;
    t->untracked = false;
    hmap_init(&t->flows);
    hmap_init(&t->groups);
    hmap_init(&t->meters);
    hmap_init(&t->owners);
    hmap_init(&t->cookies);
}

/* The match and actions of a flow, shared by the flow and its clones: the
 * installed mirror and ofctrl's change sets hold clones of the desired
 * table's flows, and sharing keeps one copy of each match and actions
 * instead of up to three. */
struct desired_flow_body {
    size_t n_flows;             /* The flows whose 'match' and 'ofpacts' are
                                 * this body's; it is freed, with the match's
                                 * miniflows, when the last one goes. */
    uint64_t ofpacts[];         /* The actions, aligned as ofpacts must be. */
};

/* Returns the body that 'f''s match and actions belong to. */
static struct desired_flow_body *
desired_flow_body(const struct desired_flow *f)
{
    return CONTAINER_OF(f->ofpacts, struct desired_flow_body, ofpacts);
}

/* Returns a new flow of 'table_id' and 'priority' with 'cookie', which
 * takes 'match' over (the caller must not destroy it) and a copy of the
 * 'ofpacts_len' bytes of 'ofpacts', owned by the caller. */
struct desired_flow *
desired_flow_create(uint8_t table_id, uint16_t priority, uint64_t cookie,
                    struct minimatch *match, const struct ofpact *ofpacts,
                    size_t ofpacts_len)
{
    struct desired_flow_body *body = xmalloc(sizeof *body + ofpacts_len);
    body->n_flows = 1;
    nullable_memcpy(body->ofpacts, ofpacts, ofpacts_len);

    struct desired_flow *f = xmalloc(sizeof *f);
    f->table_id = table_id;
    f->priority = priority;
    f->cookie = cookie;
    f->match = *match;
    f->ofpacts = (struct ofpact *) body->ofpacts;
    f->ofpacts_len = ofpacts_len;
    f->n_refs = 1;
    return f;
}

/* Frees 'f', and its match and actions if no clone shares them.  'f' must
 * already be out of its hmap. */
void
desired_flow_destroy(struct desired_flow *f)
{
    struct desired_flow_body *body = desired_flow_body(f);
    if (!--body->n_flows) {
        minimatch_destroy(&f->match);
        free(body);
    }
    free(f);
}

/* Removes and frees every flow, group and meter of 't', which stays
 * usable (and, for a tracker, complete again). */
void
desired_table_clear(struct desired_table *t)
{
    t->untracked = false;
    struct desired_flow *f;
    HMAP_FOR_EACH_POP (f, node, &t->flows) {
        desired_flow_destroy(f);
    }

    struct desired_group *g;
    HMAP_FOR_EACH_POP (g, node, &t->groups) {
        free(g->spec);
        free(g);
    }

    struct desired_meter *m;
    HMAP_FOR_EACH_POP (m, node, &t->meters) {
        free(m->spec);
        free(m);
    }

    struct desired_owner *o;
    HMAP_FOR_EACH_POP (o, node, &t->owners) {
        struct desired_owner_flow *of;
        HMAP_FOR_EACH_POP (of, node, &o->flows) {
            free(of);
        }
        hmap_destroy(&o->flows);
        free(o->id);
        free(o);
    }

    struct desired_cookie_owners *c;
    HMAP_FOR_EACH_POP (c, node, &t->cookies) {
        free(c->owners);
        free(c->n_flows);
        free(c);
    }
}

/* Exchanges the contents of 'a' and 'b'. */
void
desired_table_swap(struct desired_table *a, struct desired_table *b)
{
    hmap_swap(&a->flows, &b->flows);
    hmap_swap(&a->groups, &b->groups);
    hmap_swap(&a->meters, &b->meters);
    hmap_swap(&a->owners, &b->owners);
    hmap_swap(&a->cookies, &b->cookies);
}

/* Frees everything 't' owns. */
void
desired_table_destroy(struct desired_table *t)
{
    if (t) {
        desired_table_clear(t);
        hmap_destroy(&t->flows);
        hmap_destroy(&t->groups);
        hmap_destroy(&t->meters);
        hmap_destroy(&t->owners);
        hmap_destroy(&t->cookies);
    }
}

/* Returns the flow of 't' with exactly this table, priority and match, or
 * NULL if there is none. */
struct desired_flow *
desired_table_find_flow(const struct desired_table *t, uint8_t table_id,
                        uint16_t priority, const struct minimatch *match)
{
    struct desired_flow *f;
    HMAP_FOR_EACH_WITH_HASH (f, node,
                             desired_flow_hash(table_id, priority, match),
                             &t->flows) {
        if (f->table_id == table_id && f->priority == priority
            && minimatch_equal(&f->match, match)) {
            return f;
        }
    }
    return NULL;
}

/* Returns 'f''s actions as OVS prints them, in a malloc()ed string. */
static char *
desired_flow_actions_text(const struct desired_flow *f)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ofpact_format_params fp = { .s = &s };
    ofpacts_format(f->ofpacts, f->ofpacts_len, &fp);
    return ds_steal_cstr(&s);
}

/* Returns true if 'a' and 'b' have the same actions (cookies are not
 * compared).  Equal bytes are the same actions; otherwise the actions are
 * compared as OVS prints them, since ofpacts_equal() compares bytes and
 * OVS leaves the padding inside some actions (e.g. set_field)
 * uninitialized and records how a decoded action was encoded. */
bool
desired_flow_actions_equal(const struct desired_flow *a,
                           const struct desired_flow *b)
{
    if (ofpacts_equal(a->ofpacts, a->ofpacts_len, b->ofpacts,
                      b->ofpacts_len)) {
        return true;
    }
    char *ta = desired_flow_actions_text(a);
    char *tb = desired_flow_actions_text(b);
    bool equal = !strcmp(ta, tb);
    free(ta);
    free(tb);
    return equal;
}

/* Inserts the new flow 'f' into 't', or, if a flow with its identity is
 * there, frees 'f' and counts one more reference to that flow if it has
 * the same actions.  Stores the table's flow in '*flowp' (if nonnull) on
 * success.  Returns NULL, or an error message (the flows conflict) that
 * the caller must free. */
static char *
desired_table_insert_new(struct desired_table *t, struct desired_flow *f,
                         const struct desired_flow **flowp)
{
    struct desired_flow *old = desired_table_find_flow(t, f->table_id,
                                                       f->priority,
                                                       &f->match);
    if (old) {
        char *msg = NULL;
        if (!desired_flow_actions_equal(old, f)) {
            struct ds a = DS_EMPTY_INITIALIZER;
            struct ds b = DS_EMPTY_INITIALIZER;
            desired_flow_format(f, &a);
            desired_flow_format(old, &b);
            msg = xasprintf("%s: conflicts with %s", ds_cstr(&a),
                            ds_cstr(&b));
            ds_destroy(&a);
            ds_destroy(&b);
        } else {
            old->n_refs++;
            if (flowp) {
                *flowp = old;
            }
        }
        desired_flow_destroy(f);
        return msg;
    }

    hmap_insert(&t->flows, &f->node,
                desired_flow_hash(f->table_id, f->priority, &f->match));
    desired_track_flow(t, f);
    if (flowp) {
        *flowp = f;
    }
    return NULL;
}

/* Parses a flow "<match> actions=<actions>" for 'table_id' and 'priority'
 * and adds it to 't' with 'cookie'.  If 'flowp' is nonnull, stores in it the
 * flow of the table (new, or the identical one already there), or NULL on
 * error, for desired_table_add_owner().
 *
 * Returns NULL on success, including when the same flow (same identity and
 * same actions) is already there, in which case the first one's cookie
 * stays and the flow counts one more reference.  Returns a malloc()ed
 * error message, and leaves 't' unchanged, when the text does not parse,
 * cannot be expressed in OpenFlow 1.3, or a flow with the same identity
 * but other actions exists. */
char *
desired_table_add_flow(struct desired_table *t, uint8_t table_id,
                       uint16_t priority, uint64_t cookie,
                       const char *match, const char *actions,
                       const struct desired_flow **flowp)
{
    if (flowp) {
        *flowp = NULL;
    }
    char *text = xasprintf("table=%"PRIu8",priority=%"PRIu16",%s "
                           "actions=%s", table_id, priority, match, actions);
    struct ofputil_flow_mod fm;
    enum ofputil_protocol usable;
    char *error = parse_ofp_str(&fm, OFPFC_ADD, text, NULL, NULL, &usable);
    if (error) {
        char *msg = xasprintf("%s: %s", text, error);
        free(error);
        free(text);
        return msg;
    }
    free(text);
    if (!(usable & OFPUTIL_P_OF13_OXM)) {
        struct desired_flow f = {
            .table_id = table_id, .priority = priority, .match = fm.match,
            .ofpacts = fm.ofpacts, .ofpacts_len = fm.ofpacts_len,
        };
        struct ds s = DS_EMPTY_INITIALIZER;
        desired_flow_format(&f, &s);
        char *msg = xasprintf("%s: not expressible in OpenFlow 1.3",
                              ds_cstr(&s));
        ds_destroy(&s);
        minimatch_destroy(&fm.match);
        free(fm.ofpacts);
        return msg;
    }

    struct desired_flow *f = desired_flow_create(table_id, priority, cookie,
                                                 &fm.match, fm.ofpacts,
                                                 fm.ofpacts_len);
    free(fm.ofpacts);
    return desired_table_insert_new(t, f, flowp);
}

/* Makes 'match' match only Ethernet packets if it matches any field of a
 * packet's headers (all of struct flow from dl_dst on), as OVS's parser
 * does (match_add_ethernet_prereq()). */
static void
desired_match_add_packet_type(struct match *match)
{
    size_t ofs = offsetof(struct flow, dl_dst);
    if (!is_all_zeros((const uint8_t *) &match->wc.masks + ofs,
                      sizeof match->wc.masks - ofs)) {
        match_set_default_packet_type(match);
    }
}

/* Adds to 't' the flow of 'table_id' and 'priority' with 'match', a copy of
 * the 'ofpacts_len' bytes of 'ofpacts', and 'cookie', without going
 * through text: like desired_table_add_flow() otherwise, including the
 * checks that the actions suit the match and OpenFlow 1.3 and the
 * packet_type the parser implies (as ovs-ofctl's parser does them).  The
 * match's fields are the caller's to choose among those that OpenFlow 1.3
 * carries. */
char *
desired_table_add_flow_ofpacts(struct desired_table *t, uint8_t table_id,
                               uint16_t priority, uint64_t cookie,
                               const struct match *match,
                               const struct ofpact *ofpacts,
                               size_t ofpacts_len,
                               const struct desired_flow **flowp)
{
    if (flowp) {
        *flowp = NULL;
    }

    struct match checked = *match;
    desired_match_add_packet_type(&checked);
    struct ofpact_check_params cp = {
        .match = &checked,
        .max_ports = OFPP_MAX,
        .table_id = table_id,
        .n_tables = 255,
    };
    enum ofperr err = ofpacts_check(CONST_CAST(struct ofpact *, ofpacts),
                                    ofpacts_len, &cp);
    if (err || !(cp.usable_protocols & OFPUTIL_P_OF13_OXM)) {
        struct desired_flow f = {
            .table_id = table_id, .priority = priority,
            .ofpacts = CONST_CAST(struct ofpact *, ofpacts),
            .ofpacts_len = ofpacts_len,
        };
        minimatch_init(&f.match, &checked);
        struct ds s = DS_EMPTY_INITIALIZER;
        desired_flow_format(&f, &s);
        char *msg = (err
                     ? xasprintf("%s: actions are invalid with this match "
                                 "(%s)", ds_cstr(&s), ofperr_to_string(err))
                     : xasprintf("%s: not expressible in OpenFlow 1.3",
                                 ds_cstr(&s)));
        ds_destroy(&s);
        minimatch_destroy(&f.match);
        return msg;
    }

    struct minimatch mini;
    minimatch_init(&mini, &checked);
    struct desired_flow *f = desired_flow_create(table_id, priority, cookie,
                                                 &mini, ofpacts, ofpacts_len);
    return desired_table_insert_new(t, f, flowp);
}

/* Hash of an owner's identity. */
static uint32_t
desired_owner_hash(enum desired_owner_kind kind, const char *id)
{
    return hash_string(id, kind);
}

/* Returns the owner of 't' of 'kind' named 'id', with the flows it owns,
 * or NULL if it owns none. */
const struct desired_owner *
desired_table_find_owner(const struct desired_table *t,
                         enum desired_owner_kind kind, const char *id)
{
    struct desired_owner *o;
    HMAP_FOR_EACH_WITH_HASH (o, node, desired_owner_hash(kind, id),
                             &t->owners) {
        if (o->kind == kind && !strcmp(o->id, id)) {
            return o;
        }
    }
    return NULL;
}

/* Returns the owners of the flows of 't' that carry 'cookie', or NULL if
 * there are none. */
const struct desired_cookie_owners *
desired_table_explain_cookie(const struct desired_table *t, uint64_t cookie)
{
    struct desired_cookie_owners *c;
    HMAP_FOR_EACH_WITH_HASH (c, node, hash_uint64(cookie), &t->cookies) {
        if (c->cookie == cookie) {
            return c;
        }
    }
    return NULL;
}

/* Returns the entry of 'f' in 'o''s flows, or NULL. */
static struct desired_owner_flow *
desired_owner_find_flow(const struct desired_owner *o,
                        const struct desired_flow *f)
{
    struct desired_owner_flow *of;
    HMAP_FOR_EACH_WITH_HASH (of, node, hash_pointer(f, 0), &o->flows) {
        if (of->flow == f) {
            return of;
        }
    }
    return NULL;
}

/* Returns true if owner 'o' owns (or shares) flow 'f'. */
bool
desired_owner_has_flow(const struct desired_owner *o,
                       const struct desired_flow *f)
{
    return desired_owner_find_flow(o, f) != NULL;
}

/* Records in 't''s owner index that the object of 'kind' named 'id' owns
 * (or shares) flow 'f' of 't', and returns that owner, for
 * desired_table_remove_owner().  An owner that adds the same flow several
 * times (identical flows from several places) owns it once, and keeps it
 * until the last addition is removed. */
const struct desired_owner *
desired_table_add_owner(struct desired_table *t, const struct desired_flow *f,
                        enum desired_owner_kind kind, const char *id)
{
    struct desired_owner *o = CONST_CAST(struct desired_owner *,
                                         desired_table_find_owner(t, kind,
                                                                  id));
    if (!o) {
        o = xzalloc(sizeof *o);
        o->kind = kind;
        o->id = xstrdup(id);
        hmap_init(&o->flows);
        hmap_insert(&t->owners, &o->node, desired_owner_hash(kind, id));
    }
    struct desired_owner_flow *of = desired_owner_find_flow(o, f);
    if (of) {
        of->count++;
        return o;
    }
    of = xmalloc(sizeof *of);
    of->flow = f;
    of->count = 1;
    hmap_insert(&o->flows, &of->node, hash_pointer(f, 0));

    struct desired_cookie_owners *c = CONST_CAST(
        struct desired_cookie_owners *,
        desired_table_explain_cookie(t, f->cookie));
    if (!c) {
        c = xzalloc(sizeof *c);
        c->cookie = f->cookie;
        hmap_insert(&t->cookies, &c->node, hash_uint64(f->cookie));
    }
    for (size_t i = 0; i < c->n_owners; i++) {
        if (c->owners[i] == o) {
            c->n_flows[i]++;
            return o;
        }
    }
    if (c->n_owners >= c->allocated_owners) {
        c->owners = x2nrealloc(c->owners, &c->allocated_owners,
                               sizeof *c->owners);
        c->n_flows = xrealloc(c->n_flows,
                              c->allocated_owners * sizeof *c->n_flows);
    }
    c->owners[c->n_owners] = o;
    c->n_flows[c->n_owners++] = 1;
    return o;
}

/* Frees owner 'o' of 't', which owns no flow any more. */
static void
desired_owner_destroy(struct desired_table *t, struct desired_owner *o)
{
    hmap_remove(&t->owners, &o->node);
    hmap_destroy(&o->flows);
    free(o->id);
    free(o);
}

/* Undoes one desired_table_add_owner() of 'f' that returned 'o_': when it
 * was the last, 'f' leaves that owner's flows and the cookie index's count
 * of the owner's flows with 'f''s cookie; the owner leaves the index (and
 * is freed) when it owns nothing more. */
void
desired_table_remove_owner(struct desired_table *t,
                           const struct desired_flow *f,
                           const struct desired_owner *o_)
{
    struct desired_owner *o = CONST_CAST(struct desired_owner *, o_);
    struct desired_owner_flow *of = desired_owner_find_flow(o, f);
    ovs_assert(of);
    if (--of->count) {
        return;
    }
    hmap_remove(&o->flows, &of->node);
    free(of);

    struct desired_cookie_owners *c = CONST_CAST(
        struct desired_cookie_owners *,
        desired_table_explain_cookie(t, f->cookie));
    ovs_assert(c);
    for (size_t i = 0; i < c->n_owners; i++) {
        if (c->owners[i] == o) {
            if (!--c->n_flows[i]) {
                c->n_owners--;
                memmove(&c->owners[i], &c->owners[i + 1],
                        (c->n_owners - i) * sizeof *c->owners);
                memmove(&c->n_flows[i], &c->n_flows[i + 1],
                        (c->n_owners - i) * sizeof *c->n_flows);
            }
            break;
        }
    }
    if (!c->n_owners) {
        hmap_remove(&t->cookies, &c->node);
        free(c->owners);
        free(c->n_flows);
        free(c);
    }
    if (hmap_is_empty(&o->flows)) {
        desired_owner_destroy(t, o);
    }
}

/* Drops one reference to flow 'f' of 't' (see struct desired_flow), and
 * removes and frees it with the last.  The caller has already removed the
 * owners it recorded for this reference. */
void
desired_table_unref_flow(struct desired_table *t,
                         const struct desired_flow *f_)
{
    struct desired_flow *f = CONST_CAST(struct desired_flow *, f_);
    ovs_assert(f->n_refs > 0);
    if (!--f->n_refs) {
        desired_track_flow(t, f);
        hmap_remove(&t->flows, &f->node);
        desired_flow_destroy(f);
    }
}

/* Replaces the actions of flow 'f' of 't', which one addition alone
 * references, with the 'ofpacts_len' bytes of 'ofpacts', keeping its
 * identity, cookie and owners: for a flow whose actions change often and
 * whose owners are many (a shared conjunction clause flow), cheaper than
 * taking it out and adding it again.  The change is tracked like an
 * addition. */
void
desired_table_set_flow_actions(struct desired_table *t,
                               const struct desired_flow *f_,
                               const struct ofpact *ofpacts,
                               size_t ofpacts_len)
{
    struct desired_flow *f = CONST_CAST(struct desired_flow *, f_);
    ovs_assert(f->n_refs == 1);
    desired_track_flow(t, f);

    /* Clones keep the old body, match and actions; 'f' gets a body of its
     * own, with a copy of the match. */
    struct minimatch match;
    minimatch_clone(&match, &f->match);
    struct desired_flow *fresh = desired_flow_create(f->table_id,
                                                     f->priority, f->cookie,
                                                     &match, ofpacts,
                                                     ofpacts_len);
    struct desired_flow_body *old = desired_flow_body(f);
    if (!--old->n_flows) {
        minimatch_destroy(&f->match);
        free(old);
    }
    f->match = fresh->match;
    f->ofpacts = fresh->ofpacts;
    f->ofpacts_len = fresh->ofpacts_len;
    free(fresh);
}

/* Appends to 's' the canonical spec of group 'gm' for OpenFlow 1.3: what
 * "ovs-ofctl -O OpenFlow13 dump-groups" prints after "group_id=N,", e.g.
 * "type=select,bucket=actions=output:10".  ofctrl formats the switch's
 * groups with this function too, so that specs compare as text. */
void
desired_format_group_spec(struct ds *s, const struct ofputil_group_mod *gm)
{
    struct ds full = DS_EMPTY_INITIALIZER;
    ofputil_group_mod_format__(&full, OFP13_VERSION, gm, NULL, NULL);

    /* 'full' is "\n ADD group_id=N[,spec]". */
    const char *p = strstr(ds_cstr(&full), "group_id=");
    p += strlen("group_id=");
    p += strspn(p, "0123456789");
    if (*p == ',') {
        p++;
    }
    ds_put_cstr(s, p);
    ds_destroy(&full);
}

/* Appends to 's' the canonical spec of meter 'mc': what "ovs-ofctl -O
 * OpenFlow13 dump-meters" prints after "meter=N ", with its line breaks
 * removed, e.g. "kbps burst bands=type=drop rate=10000 burst_size=1000".
 * The result is also what "ovs-ofctl add-meter" accepts after "meter=N ". */
void
desired_format_meter_spec(struct ds *s, const struct ofputil_meter_config *mc)
{
    struct ds full = DS_EMPTY_INITIALIZER;
    ofputil_format_meter_config(&full, mc);

    /* 'full' is "meter=N spec\nband\n...". */
    const char *p = strchr(ds_cstr(&full), ' ');
    for (p = p ? p + 1 : ""; *p; p++) {
        if (*p != '\n') {
            ds_put_char(s, *p);
        }
    }
    ds_destroy(&full);
}

/* Adds group 'group_id' with 'spec' (e.g. "type=select,bucket=..." as
 * "ovs-ofctl add-group" takes it after "group_id=N,") to 't', stored in
 * canonical form.  Returns NULL on success or when the same group is already
 * there (it then counts one more reference), otherwise a malloc()ed
 * error message. */
char *
desired_table_add_group(struct desired_table *t, uint32_t group_id,
                        const char *spec)
{
    char *text = xasprintf("group_id=%"PRIu32",%s", group_id, spec);
    struct ofputil_group_mod gm;
    enum ofputil_protocol usable;
    char *error = parse_ofp_group_mod_str(&gm, OFPGC11_ADD, text, NULL, NULL,
                                          &usable);
    if (error) {
        char *msg = xasprintf("%s: %s", text, error);
        free(error);
        free(text);
        return msg;
    }

    struct ds canon = DS_EMPTY_INITIALIZER;
    desired_format_group_spec(&canon, &gm);
    ofputil_uninit_group_mod(&gm);

    char *msg = NULL;
    if (!(usable & OFPUTIL_P_OF13_OXM)) {
        msg = xasprintf("%s: not expressible in OpenFlow 1.3", text);
    } else {
        const struct desired_group *g = desired_table_find_group(t,
                                                                 group_id);
        if (!g) {
            desired_table_set_group(t, group_id, ds_cstr(&canon));
            desired_track_id(t, group_id, false);
        } else if (strcmp(g->spec, ds_cstr(&canon))) {
            msg = xasprintf("%s: conflicts with group_id=%"PRIu32",%s",
                            text, group_id, g->spec);
        } else {
            CONST_CAST(struct desired_group *, g)->n_refs++;
        }
    }
    ds_destroy(&canon);
    free(text);
    return msg;
}

/* Adds meter 'meter_id' with 'spec' (e.g. "kbps burst bands=type=drop
 * rate=10000 burst_size=1000") to 't', stored in canonical form.  Returns
 * NULL on success or when the same meter is already there (it then counts
 * one more reference), otherwise a malloc()ed error message. */
char *
desired_table_add_meter(struct desired_table *t, uint32_t meter_id,
                        const char *spec)
{
    char *text = xasprintf("meter=%"PRIu32" %s", meter_id, spec);
    struct ofputil_meter_mod mm;
    enum ofputil_protocol usable;
    char *error = parse_ofp_meter_mod_str(&mm, text, OFPMC13_ADD, &usable);
    if (error) {
        char *msg = xasprintf("%s: %s", text, error);
        free(error);
        free(text);
        return msg;
    }

    struct ds canon = DS_EMPTY_INITIALIZER;
    desired_format_meter_spec(&canon, &mm.meter);
    free(mm.meter.bands);

    char *msg = NULL;
    if (!(usable & OFPUTIL_P_OF13_OXM)) {
        msg = xasprintf("%s: not expressible in OpenFlow 1.3", text);
    } else {
        const struct desired_meter *m = desired_table_find_meter(t,
                                                                 meter_id);
        if (!m) {
            desired_table_set_meter(t, meter_id, ds_cstr(&canon));
            desired_track_id(t, meter_id, true);
        } else if (strcmp(m->spec, ds_cstr(&canon))) {
            msg = xasprintf("%s: conflicts with meter=%"PRIu32" %s",
                            text, meter_id, m->spec);
        } else {
            CONST_CAST(struct desired_meter *, m)->n_refs++;
        }
    }
    ds_destroy(&canon);
    free(text);
    return msg;
}

/* Appends 'f' to 's' exactly as "ovs-ofctl -O OpenFlow13 dump-flows
 * --no-stats" prints it, without that command's leading space. */
void
desired_flow_format(const struct desired_flow *f, struct ds *s)
{
    struct ofputil_flow_stats fs = {
        .cookie = htonll(f->cookie),
        .table_id = f->table_id,
        .priority = f->priority,
        .idle_age = -1,
        .hard_age = -1,
        .packet_count = UINT64_MAX,
        .byte_count = UINT64_MAX,
        .ofpacts = f->ofpacts,
        .ofpacts_len = f->ofpacts_len,
    };
    minimatch_expand(&f->match, &fs.match);
    ofputil_flow_stats_format(s, &fs, NULL, NULL, false);
}

/* A flow and its text, for sorting in desired_table_format(). */
struct desired_flow_line {
    const struct desired_flow *flow;    /* In the table. */
    char *text;                         /* Owned: desired_flow_format(). */
};

/* qsort() comparator: table ascending, priority descending, then text. */
static int
desired_flow_line_cmp(const void *a_, const void *b_)
{
    const struct desired_flow_line *a = a_;
    const struct desired_flow_line *b = b_;

    if (a->flow->table_id != b->flow->table_id) {
        return a->flow->table_id < b->flow->table_id ? -1 : 1;
    }
    if (a->flow->priority != b->flow->priority) {
        return a->flow->priority > b->flow->priority ? -1 : 1;
    }
    return strcmp(a->text, b->text);
}

/* qsort() comparator for an array of uint32_t ids. */
static int
desired_id_cmp(const void *a_, const void *b_)
{
    uint32_t a = *(const uint32_t *) a_;
    uint32_t b = *(const uint32_t *) b_;
    return a < b ? -1 : a > b;
}

/* Appends every flow, group and meter of 't' to 's', one per line: flows
 * sorted by table, descending priority and text, then groups
 * "group_id=N,spec" by id, then meters "meter=N spec" by id.  The output
 * depends only on the table's contents. */
void
desired_table_format(const struct desired_table *t, struct ds *s)
{
    size_t n = hmap_count(&t->flows);
    struct desired_flow_line *lines = xmalloc((n ? n : 1) * sizeof *lines);
    const struct desired_flow *f;
    size_t i = 0;
    HMAP_FOR_EACH (f, node, &t->flows) {
        struct ds text = DS_EMPTY_INITIALIZER;
        desired_flow_format(f, &text);
        lines[i].flow = f;
        lines[i].text = ds_steal_cstr(&text);
        i++;
    }
    qsort(lines, n, sizeof *lines, desired_flow_line_cmp);
    for (i = 0; i < n; i++) {
        ds_put_format(s, "%s\n", lines[i].text);
        free(lines[i].text);
    }
    free(lines);

    size_t n_ids = MAX(hmap_count(&t->groups), hmap_count(&t->meters));
    uint32_t *ids = xmalloc((n_ids ? n_ids : 1) * sizeof *ids);

    const struct desired_group *g;
    i = 0;
    HMAP_FOR_EACH (g, node, &t->groups) {
        ids[i++] = g->group_id;
    }
    qsort(ids, i, sizeof *ids, desired_id_cmp);
    for (size_t j = 0; j < i; j++) {
        HMAP_FOR_EACH_WITH_HASH (g, node, hash_int(ids[j], 0), &t->groups) {
            if (g->group_id == ids[j]) {
                ds_put_format(s, "group_id=%"PRIu32",%s\n",
                              g->group_id, g->spec);
            }
        }
    }

    const struct desired_meter *m;
    i = 0;
    HMAP_FOR_EACH (m, node, &t->meters) {
        ids[i++] = m->meter_id;
    }
    qsort(ids, i, sizeof *ids, desired_id_cmp);
    for (size_t j = 0; j < i; j++) {
        HMAP_FOR_EACH_WITH_HASH (m, node, hash_int(ids[j], 0), &t->meters) {
            if (m->meter_id == ids[j]) {
                ds_put_format(s, "meter=%"PRIu32" %s\n",
                              m->meter_id, m->spec);
            }
        }
    }
    free(ids);
}

/* Returns a copy of 'f', owned by the caller, that shares 'f''s match and
 * actions (which stay until both are destroyed). */
struct desired_flow *
desired_flow_clone(const struct desired_flow *f)
{
    struct desired_flow *clone = xmemdup(f, sizeof *f);
    clone->n_refs = 1;
    desired_flow_body(f)->n_flows++;
    return clone;
}

/* Inserts 'f' into 't', which takes ownership of it, replacing (and
 * freeing) a flow with the same identity if there is one. */
void
desired_table_insert_flow(struct desired_table *t, struct desired_flow *f)
{
    /* The owner index would keep pointers to the flow. */
    ovs_assert(hmap_is_empty(&t->owners));

    struct desired_flow *old = desired_table_find_flow(t, f->table_id,
                                                       f->priority,
                                                       &f->match);
    if (old) {
        hmap_remove(&t->flows, &old->node);
        desired_flow_destroy(old);
    }
    hmap_insert(&t->flows, &f->node,
                desired_flow_hash(f->table_id, f->priority, &f->match));
}

/* Removes from 't' and frees the flow with the identity of 'f' (which may
 * belong to another table), if there is one. */
void
desired_table_remove_flow(struct desired_table *t,
                          const struct desired_flow *f)
{
    /* The owner index would keep pointers to the flow. */
    ovs_assert(hmap_is_empty(&t->owners));

    struct desired_flow *old = desired_table_find_flow(t, f->table_id,
                                                       f->priority,
                                                       &f->match);
    if (old) {
        hmap_remove(&t->flows, &old->node);
        desired_flow_destroy(old);
    }
}

/* Returns the group of 't' with 'group_id', or NULL. */
const struct desired_group *
desired_table_find_group(const struct desired_table *t, uint32_t group_id)
{
    const struct desired_group *g;

    HMAP_FOR_EACH_WITH_HASH (g, node, hash_int(group_id, 0), &t->groups) {
        if (g->group_id == group_id) {
            return g;
        }
    }
    return NULL;
}

/* Sets group 'group_id' of 't' to 'spec' (already canonical, copied),
 * adding or replacing it. */
void
desired_table_set_group(struct desired_table *t, uint32_t group_id,
                        const char *spec)
{
    struct desired_group *g = CONST_CAST(struct desired_group *,
                                         desired_table_find_group(t,
                                                                  group_id));
    if (!g) {
        g = xmalloc(sizeof *g);
        g->group_id = group_id;
        g->spec = NULL;
        g->n_refs = 1;
        hmap_insert(&t->groups, &g->node, hash_int(group_id, 0));
    }
    free(g->spec);
    g->spec = xstrdup(spec);
}

/* Removes group 'group_id' from 't', if it is there. */
void
desired_table_remove_group(struct desired_table *t, uint32_t group_id)
{
    struct desired_group *g = CONST_CAST(struct desired_group *,
                                         desired_table_find_group(t,
                                                                  group_id));
    if (g) {
        hmap_remove(&t->groups, &g->node);
        free(g->spec);
        free(g);
    }
}

/* Returns the meter of 't' with 'meter_id', or NULL. */
const struct desired_meter *
desired_table_find_meter(const struct desired_table *t, uint32_t meter_id)
{
    const struct desired_meter *m;

    HMAP_FOR_EACH_WITH_HASH (m, node, hash_int(meter_id, 0), &t->meters) {
        if (m->meter_id == meter_id) {
            return m;
        }
    }
    return NULL;
}

/* Sets meter 'meter_id' of 't' to 'spec' (already canonical, copied),
 * adding or replacing it. */
void
desired_table_set_meter(struct desired_table *t, uint32_t meter_id,
                        const char *spec)
{
    struct desired_meter *m = CONST_CAST(struct desired_meter *,
                                         desired_table_find_meter(t,
                                                                  meter_id));
    if (!m) {
        m = xmalloc(sizeof *m);
        m->meter_id = meter_id;
        m->spec = NULL;
        m->n_refs = 1;
        hmap_insert(&t->meters, &m->node, hash_int(meter_id, 0));
    }
    free(m->spec);
    m->spec = xstrdup(spec);
}

/* Removes meter 'meter_id' from 't', if it is there. */
void
desired_table_remove_meter(struct desired_table *t, uint32_t meter_id)
{
    struct desired_meter *m = CONST_CAST(struct desired_meter *,
                                         desired_table_find_meter(t,
                                                                  meter_id));
    if (m) {
        hmap_remove(&t->meters, &m->node);
        free(m->spec);
        free(m);
    }
}

/* Drops one reference to group 'group_id' of 't', which must be there, and
 * removes it with the last. */
void
desired_table_unref_group(struct desired_table *t, uint32_t group_id)
{
    struct desired_group *g = CONST_CAST(struct desired_group *,
                                         desired_table_find_group(t,
                                                                  group_id));
    ovs_assert(g && g->n_refs > 0);
    if (!--g->n_refs) {
        desired_track_id(t, group_id, false);
        desired_table_remove_group(t, group_id);
    }
}

/* Drops one reference to meter 'meter_id' of 't', which must be there, and
 * removes it with the last. */
void
desired_table_unref_meter(struct desired_table *t, uint32_t meter_id)
{
    struct desired_meter *m = CONST_CAST(struct desired_meter *,
                                         desired_table_find_meter(t,
                                                                  meter_id));
    ovs_assert(m && m->n_refs > 0);
    if (!--m->n_refs) {
        desired_track_id(t, meter_id, true);
        desired_table_remove_meter(t, meter_id);
    }
}
