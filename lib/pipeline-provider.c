/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Provider networks (seed 004): subnets whose networkType is "flat" or
 * "vlan" reach other hosts, their gateway and the outside world through a
 * patch port to the provider bridge of their physical network (the facts'
 * patch_ofports), never through tunnels or virtual routers.
 *
 *   - Table 0: what comes in through the patch port untagged (flat) or
 *     tagged with the subnet's VLAN id (the tag is popped) belongs to the
 *     subnet: write its metadata and go to L3 (40), like tunnel traffic,
 *     with reg6 = 0.
 *   - Table 45 (pipeline_provider_l2(), called by the L2 stage after the
 *     local MACs): a frame from the physical side (reg6 = 0) for a MAC that
 *     is not local is dropped, so nothing goes back to the physical network;
 *     any other frame for a MAC that is not local (another host's VM, the
 *     physical gateway, unknown unicast) goes to the patch port: reg7 <- its
 *     ofport, go to output (60).
 *   - Table 60: reg7 = the patch port: push the VLAN tag for a VLAN subnet,
 *     output to the patch port.
 *   - Flood group (pipeline_provider_put_bucket(), called by the groups
 *     stage): the patch port replaces the tunnels; its bucket goes through
 *     table 60, so the tag is pushed in one place.  Broadcast from the
 *     physical side uses the local-only flood group (L2 stage, reg6 = 0).
 *
 * A provider subnet without a patch port (its physical network is not
 * mapped, or its provider bridge does not exist), or on the same segment
 * (physical network and VLAN id, or flat) as another subnet of this host,
 * gets no flows at all, with a warning that names it. */

#include <config.h>

#include <inttypes.h>
#include <string.h>

#include "model.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "pipeline-ctx.h"
#include "pipeline-stages.h"
#include "openvswitch/shash.h"
#include "util.h"

/* Flow priorities of the provider flows. */
enum {
    PROVIDER_PRIO_PATCH_IN = 1000,      /* Table 0, like a tunnel. */
    PROVIDER_PRIO_FROM_PHYSICAL = 20,   /* Table 45, below every MAC. */
    PROVIDER_PRIO_TO_PHYSICAL = 10,     /* Table 45, the lowest. */
    PROVIDER_PRIO_OUTPUT = 100,         /* Table 60. */
};

/* Returns the name of provider 'subnet''s segment ("<physical
 * network>/<VLAN id or 0>"), malloc()ed, the key of ctx->segments. */
char *
pipeline_provider_segment_key(const struct model_subnet *subnet)
{
    return xasprintf("%s/%"PRIu16, subnet->physical_network,
                     subnet->segmentation_id);
}

/* Appends to 's' how 'subnet' appears on its physical network: "flat" or
 * "vlan <id>". */
static void
provider_put_segment(struct ds *s, const struct model_subnet *subnet)
{
    if (subnet->network_type == MODEL_NET_VLAN) {
        ds_put_format(s, "vlan %"PRIu16, subnet->segmentation_id);
    } else {
        ds_put_cstr(s, "flat");
    }
}

/* Decides whether subnet 'ps' gets flows, for pipeline_ctx_build(): an
 * overlay subnet always does; a provider subnet if the facts give its
 * physical network a patch port and no subnet already in ctx->subnets is on
 * the same segment.  Sets ps->patch_ofport.  Returns false, with a warning
 * naming the subnet, if it gets no flows. */
bool
pipeline_provider_assign(struct pipeline_ctx *ctx,
                         struct pipeline_subnet *ps)
{
    const struct model_subnet *subnet = ps->subnet;
    if (!model_subnet_is_provider(subnet)) {
        return true;
    }

    struct ds segment = DS_EMPTY_INITIALIZER;
    provider_put_segment(&segment, subnet);
    bool ok = false;

    const struct simap_node *patch = simap_find(&ctx->facts->patch_ofports,
                                                subnet->physical_network);
    if (!patch || !patch->data) {
        pipeline_warn(ctx, "subnet %s (%s on physical network %s): no "
                      "patch port to that network (it is not in "
                      "jstack-bridge-mappings, or its provider bridge does "
                      "not exist): its flows are left out", subnet->id,
                      ds_cstr(&segment), subnet->physical_network);
        goto out;
    }
    char *key = pipeline_provider_segment_key(subnet);
    const char *first = shash_find_data(ctx->segments, key);
    free(key);
    if (first && strcmp(first, subnet->id)) {
        pipeline_warn(ctx, "subnet %s (%s on physical network %s): "
                      "subnet %s is already on that segment: its flows "
                      "are left out", subnet->id, ds_cstr(&segment),
                      subnet->physical_network, first);
        goto out;
    }
    ps->patch_ofport = patch->data;
    ok = true;

out:
    ds_destroy(&segment);
    return ok;
}

/* Adds the flows of table 45 that send frames of provider subnet 'ps' for
 * MACs that are not local to the physical network, unless they came from
 * it. */
void
pipeline_provider_l2(struct pipeline_ctx *ctx,
                     const struct pipeline_subnet *ps)
{
    const struct model_subnet *subnet = ps->subnet;

    pipeline_add_flow(ctx, DESIRED_STAGE_PROVIDER, DESIRED_OWNER_SUBNET,
                      subnet->id, PIPELINE_T_L2,
                      PROVIDER_PRIO_FROM_PHYSICAL,
                      "reg6=0,metadata=%#"PRIx32" actions=drop",
                      subnet->metadata);
    pipeline_add_flow(ctx, DESIRED_STAGE_PROVIDER, DESIRED_OWNER_SUBNET,
                      subnet->id, PIPELINE_T_L2, PROVIDER_PRIO_TO_PHYSICAL,
                      "metadata=%#"PRIx32" actions=set_field:%#"PRIx32
                      "->reg7,goto_table:%d", subnet->metadata,
                      ps->patch_ofport, PIPELINE_T_OUTPUT);
}

/* Appends to the flood group 'spec' of provider subnet 'ps' the bucket
 * that sends a copy to the physical network (through table 60, which pushes
 * the VLAN tag). */
void
pipeline_provider_put_bucket(const struct pipeline_subnet *ps,
                             struct ds *spec)
{
    ds_put_format(spec, ",bucket=actions=set_field:%#"PRIx32"->reg7,"
                  "resubmit(,%d)", ps->patch_ofport, PIPELINE_T_OUTPUT);
}

/* Adds the table 0 and table 60 flows of provider subnet 'ps'. */
static void
provider_subnet(struct pipeline_ctx *ctx, const struct pipeline_subnet *ps)
{
    const struct model_subnet *subnet = ps->subnet;
    bool vlan = subnet->network_type == MODEL_NET_VLAN;
    struct ds match = DS_EMPTY_INITIALIZER;
    struct ds push = DS_EMPTY_INITIALIZER;

    ds_put_format(&match, "in_port=%"PRIu32",", ps->patch_ofport);
    if (vlan) {
        ds_put_format(&match, "dl_vlan=%"PRIu16, subnet->segmentation_id);
        ds_put_format(&push, "push_vlan:0x8100,set_field:%d->vlan_vid,",
                      OFPVID12_PRESENT | subnet->segmentation_id);
    } else {
        ds_put_cstr(&match, "vlan_tci=0x0000/0x1000");
    }

    pipeline_add_flow(ctx, DESIRED_STAGE_PROVIDER, DESIRED_OWNER_SUBNET,
                      subnet->id, PIPELINE_T_CLASSIFY,
                      PROVIDER_PRIO_PATCH_IN,
                      "%s actions=%swrite_metadata:%#"PRIx32"/0xffffffff,"
                      "goto_table:%d", ds_cstr(&match),
                      vlan ? "pop_vlan," : "", subnet->metadata,
                      PIPELINE_T_L3);
    pipeline_add_flow(ctx, DESIRED_STAGE_PROVIDER, DESIRED_OWNER_SUBNET,
                      subnet->id, PIPELINE_T_OUTPUT, PROVIDER_PRIO_OUTPUT,
                      "reg7=%#"PRIx32",metadata=%#"PRIx32" "
                      "actions=%soutput:%"PRIu32, ps->patch_ofport,
                      subnet->metadata, ds_cstr(&push), ps->patch_ofport);
    ds_destroy(&match);
    ds_destroy(&push);
}

/* Adds the table 0 and table 60 flows of every provider subnet. */
void
pipeline_provider(struct pipeline_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_subnets; i++) {
        if (ctx->subnets[i].patch_ofport) {
            provider_subnet(ctx, &ctx->subnets[i]);
        }
    }
}
