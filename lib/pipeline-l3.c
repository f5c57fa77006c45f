/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Table 40, L3.  East-west routing within a VPC is a later goal; for now
 * everything goes on to the L2 lookup (table 45).  (The seed's operators'
 * notes number the L2 lookup 40 in compute1's dump and 45 in computeA's; the
 * computeA numbering is canonical.) */

#include <config.h>

#include "pipeline-ctx.h"
#include "pipeline-stages.h"

/* Priority of table 40's default flow. */
enum {
    L3_PRIO_DEFAULT = 50,
};

/* Adds the flows of table 40. */
void
pipeline_l3(struct pipeline_ctx *ctx)
{
    if (ctx->host_scope) {
        pipeline_add_flow(ctx, DESIRED_STAGE_L3, DESIRED_OWNER_HOST, "",
                          PIPELINE_T_L3,
                          L3_PRIO_DEFAULT, "actions=goto_table:%d",
                          PIPELINE_T_L2);
    }
}
