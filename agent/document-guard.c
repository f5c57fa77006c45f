/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "document-guard.h"

#include <limits.h>
#include <stdlib.h>

#include "coverage.h"
#include "host-state.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "removal-guard.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(document_guard);

COVERAGE_DEFINE(document_guard_hold);

/* The document being held, if any. */
struct document_guard {
    bool holding;               /* A document is held. */
    uint64_t held_seqno;        /* Its model seqno, if 'holding'. */
    long long int held_since;   /* When it was first seen, if 'holding'. */
    long long int release_at;   /* When it will be applied unless it
                                 * changes, if 'holding'. */
    struct removal_guard_check check;   /* What it would remove. */
    uint64_t accepted_seqno;    /* A model seqno the operator or the
                                 * confirmation time let through, or
                                 * UINT64_MAX. */
};

/* Creates a guard that holds nothing.  The caller owns it. */
struct document_guard *
document_guard_create(void)
{
    struct document_guard *guard = xzalloc(sizeof *guard);

    guard->accepted_seqno = UINT64_MAX;
    return guard;
}

/* Frees 'guard'. */
void
document_guard_destroy(struct document_guard *guard)
{
    free(guard);
}

/* Returns true if 'model' (numbered 'model_seqno' by its source) may
 * replace the model 'state' works from, for the host whose tunnel IP is
 * 'local_ip': it removes at most 'max_removal_pct' percent of the host's
 * ports and not all of them, or it has been held unchanged for
 * 'confirm_s' seconds, or the operator accepted it.  Otherwise holds it,
 * logging an error the first time. */
bool
document_guard_allows(struct document_guard *guard,
                      const struct host_state *state,
                      const struct model *model, uint64_t model_seqno,
                      ovs_be32 local_ip, unsigned int max_removal_pct,
                      unsigned int confirm_s, long long int now)
{
    if (!model || (state->has_view && model_seqno == state->model_seqno
                   && local_ip == state->view.local_ip)
        || model_seqno == guard->accepted_seqno) {
        guard->holding = false;
        return true;
    }

    struct removal_guard_check check;
    removal_guard_check(state->has_view ? &state->view : NULL, model,
                        local_ip, max_removal_pct, &check);
    if (!check.hold) {
        if (guard->holding) {
            VLOG_INFO("the held controller document was replaced by one "
                      "that removes %"PRIuSIZE" of %"PRIuSIZE" local ports: "
                      "applying it", check.n_removed, check.n_before);
        }
        guard->holding = false;
        return true;
    }

    if (!guard->holding || guard->held_seqno != model_seqno) {
        guard->holding = true;
        guard->held_seqno = model_seqno;
        guard->held_since = now;
        guard->release_at = now + confirm_s * 1000LL;
        guard->check = check;
        COVERAGE_INC(document_guard_hold);
        VLOG_ERR("holding the controller's new document: it would remove "
                 "%"PRIuSIZE" of this host's %"PRIuSIZE" ports; the bridge "
                 "keeps the previous document.  It is applied if it stays "
                 "the same for %u s, or now with \"ovs-appctl -t "
                 "jstack-agent source/accept\" (setting jstack-max-removal, "
                 "0 disables this guard)", check.n_removed, check.n_before,
                 confirm_s);
    }
    if (now >= guard->release_at) {
        VLOG_WARN("applying the held controller document: unchanged for "
                  "%lld s", (now - guard->held_since) / 1000);
        guard->accepted_seqno = model_seqno;
        guard->holding = false;
        return true;
    }
    return false;
}

/* Arranges for poll_block() to wake up when a held document is due. */
void
document_guard_wait(const struct document_guard *guard)
{
    if (guard->holding) {
        poll_timer_wait_until(guard->release_at);
    }
}

/* The operator's "source/accept": lets the held document through at the
 * next pass.  Returns false if nothing is held. */
bool
document_guard_accept(struct document_guard *guard)
{
    if (!guard->holding) {
        return false;
    }
    VLOG_WARN("the held controller document was accepted by the operator");
    guard->accepted_seqno = guard->held_seqno;
    return true;
}

/* Appends the guard's state, for "status", to 'out'. */
void
document_guard_format_status(const struct document_guard *guard,
                             long long int now, struct ds *out)
{
    if (!guard->holding) {
        ds_put_cstr(out, "removal guard: no document held\n");
        return;
    }
    ds_put_format(out, "removal guard: HOLDING the controller's document "
                  "for %lld s: it would remove %"PRIuSIZE" of %"PRIuSIZE
                  " local ports; applied in %lld s if unchanged, or with "
                  "source/accept\n", (now - guard->held_since) / 1000,
                  guard->check.n_removed, guard->check.n_before,
                  MAX(0, (guard->release_at - now + 999) / 1000));
}
