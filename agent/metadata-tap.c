/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "metadata-tap.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(metadata_tap);

/* How often the tap's presence is checked (ms), and how often its whole
 * configuration is applied again, repairing what someone removed. */
#define METADATA_TAP_CHECK_INTERVAL 1000
#define METADATA_TAP_REPAIR_INTERVAL 30000

/* 169.254.169.254 and 128.0.0.0/1, host byte order. */
#define METADATA_TAP_ADDRESS 0xa9fea9feu
#define METADATA_TAP_VM_NETWORK 0x80000000u
#define METADATA_TAP_VM_PLEN 1

/* The tap's host-side configuration and what the agent knows of it. */
struct metadata_tap {
    char *name;                 /* Owned: the tap's interface name. */
    unsigned int ifindex;       /* Interface configured, 0 if none. */
    bool ready;                 /* Everything applied to 'ifindex'? */
    bool removed;               /* Switched off and cleaned up? */
    bool has_run;               /* metadata_tap_run() was called? */
    long long int next_check;   /* When to look at the tap again (ms). */
    long long int next_repair;  /* When to apply everything again (ms). */
    char *error;                /* Owned: the last failure, NULL if none. */
};

/* Creates the configuration of the tap called 'tap_name' (copied): nothing
 * is applied before metadata_tap_run().  The caller owns the result. */
struct metadata_tap *
metadata_tap_create(const char *tap_name)
{
    struct metadata_tap *tap = xzalloc(sizeof *tap);

    tap->name = xstrdup(tap_name);
    tap->next_check = LLONG_MIN;
    return tap;
}

/* Frees 'tap', leaving its configuration on the host so that a restarted
 * agent finds the metadata service still routed. */
void
metadata_tap_destroy(struct metadata_tap *tap)
{
    if (tap) {
        free(tap->name);
        free(tap->error);
        free(tap);
    }
}

/* Records 'error' (taken over) as the last failure, logging it when it
 * differs from the previous one. */
static void
metadata_tap_set_error(struct metadata_tap *tap, char *error)
{
    if (error && (!tap->error || strcmp(error, tap->error))) {
        VLOG_WARN("%s", error);
    }
    free(tap->error);
    tap->error = error;
}

/* Sends the request 'nlh' on 'nl' and waits for its acknowledgement.
 * Returns 0 or a positive errno value. */
static int
metadata_tap_transact(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    unsigned int portid = mnl_socket_get_portid(nl);

    nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = time(NULL);
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
        return errno;
    }
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof buf);
        if (n < 0) {
            return errno;
        }
        int ret = mnl_cb_run(buf, n, nlh->nlmsg_seq, portid, NULL, NULL);
        if (ret < 0) {
            return errno;
        }
        if (ret == MNL_CB_STOP) {
            return 0;
        }
    }
}

/* Sets the link of 'ifindex' up. */
static int
metadata_tap_link_up(struct mnl_socket *nl, unsigned int ifindex)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWLINK;

    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
    return metadata_tap_transact(nl, nlh);
}

/* Adds (RTM_NEWADDR) or removes (RTM_DELADDR) 169.254.169.254/32 on
 * 'ifindex'.  Adding replaces what is there, so it is idempotent. */
static int
metadata_tap_address(struct mnl_socket *nl, int type, unsigned int ifindex)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    if (type == RTM_NEWADDR) {
        nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
    }

    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = 32;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = ifindex;
    mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(METADATA_TAP_ADDRESS));
    mnl_attr_put_u32(nlh, IFA_ADDRESS, htonl(METADATA_TAP_ADDRESS));
    return metadata_tap_transact(nl, nlh);
}

/* Adds (RTM_NEWROUTE, replacing) or removes (RTM_DELROUTE) the route of
 * 128.0.0.0/1 through 'ifindex' in METADATA_TAP_TABLE. */
static int
metadata_tap_route(struct mnl_socket *nl, int type, unsigned int ifindex)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    if (type == RTM_NEWROUTE) {
        nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
    }

    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = AF_INET;
    rtm->rtm_dst_len = METADATA_TAP_VM_PLEN;
    rtm->rtm_table = RT_TABLE_UNSPEC;
    rtm->rtm_protocol = RTPROT_STATIC;
    rtm->rtm_scope = RT_SCOPE_LINK;
    rtm->rtm_type = RTN_UNICAST;
    mnl_attr_put_u32(nlh, RTA_TABLE, METADATA_TAP_TABLE);
    mnl_attr_put_u32(nlh, RTA_DST, htonl(METADATA_TAP_VM_NETWORK));
    mnl_attr_put_u32(nlh, RTA_PREFSRC, htonl(METADATA_TAP_ADDRESS));
    if (ifindex) {
        mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
    }
    return metadata_tap_transact(nl, nlh);
}

/* Adds (RTM_NEWRULE) or removes (RTM_DELRULE) the rule "from
 * 169.254.169.254 lookup METADATA_TAP_TABLE".  Adding fails with EEXIST
 * when the rule is there (NLM_F_EXCL), which is not an error here. */
static int
metadata_tap_rule(struct mnl_socket *nl, int type)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    if (type == RTM_NEWRULE) {
        nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
    }

    struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh, sizeof *frh);
    frh->family = AF_INET;
    frh->src_len = 32;
    frh->table = RT_TABLE_UNSPEC;
    frh->action = FR_ACT_TO_TBL;
    mnl_attr_put_u32(nlh, FRA_SRC, htonl(METADATA_TAP_ADDRESS));
    mnl_attr_put_u32(nlh, FRA_TABLE, METADATA_TAP_TABLE);
    mnl_attr_put_u32(nlh, FRA_PRIORITY, METADATA_TAP_RULE_PRIORITY);
    int error = metadata_tap_transact(nl, nlh);
    return type == RTM_NEWRULE && error == EEXIST ? 0 : error;
}

/* Opens a route netlink socket into '*nlp'.  Returns 0 or an errno. */
static int
metadata_tap_open(struct mnl_socket **nlp)
{
    struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
    if (!nl) {
        return errno;
    }
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        int error = errno;
        mnl_socket_close(nl);
        return error;
    }
    *nlp = nl;
    return 0;
}

/* Applies the whole configuration to 'ifindex'.  Returns NULL on success,
 * else a message saying what failed (the caller frees it). */
static char *
metadata_tap_apply(const struct metadata_tap *tap, unsigned int ifindex)
{
    struct mnl_socket *nl;
    int error = metadata_tap_open(&nl);
    if (error) {
        return xasprintf("metadata tap: netlink socket: %s",
                         ovs_strerror(error));
    }

    const char *step = "set link up";
    error = metadata_tap_link_up(nl, ifindex);
    if (!error) {
        step = "add address 169.254.169.254/32";
        error = metadata_tap_address(nl, RTM_NEWADDR, ifindex);
    }
    if (!error) {
        step = "add route 128.0.0.0/1 to table "
               OVS_STRINGIZE(METADATA_TAP_TABLE);
        error = metadata_tap_route(nl, RTM_NEWROUTE, ifindex);
    }
    if (!error) {
        step = "add rule from 169.254.169.254";
        error = metadata_tap_rule(nl, RTM_NEWRULE);
    }
    mnl_socket_close(nl);
    return error ? xasprintf("metadata tap %s: %s: %s", tap->name, step,
                             ovs_strerror(error)) : NULL;
}

/* Returns true if 'error', from removing something, means it was not
 * there. */
static bool
metadata_tap_is_absent(int error)
{
    return (!error || error == ENOENT || error == ESRCH
            || error == EADDRNOTAVAIL || error == ENODEV);
}

/* Removes the rule, the route and the address (from the tap if it
 * exists).  Returns NULL on success, else a message (the caller frees
 * it). */
static char *
metadata_tap_remove(const struct metadata_tap *tap)
{
    struct mnl_socket *nl;
    int error = metadata_tap_open(&nl);
    if (error) {
        return xasprintf("metadata tap: netlink socket: %s",
                         ovs_strerror(error));
    }

    /* A rule added twice by hand would be there twice: remove until none
     * is left. */
    for (int i = 0; i < 16 && !error; i++) {
        error = metadata_tap_rule(nl, RTM_DELRULE);
    }
    const char *step = "remove rule";
    if (metadata_tap_is_absent(error)) {
        step = "remove route";
        error = metadata_tap_route(nl, RTM_DELROUTE, 0);
    }
    unsigned int ifindex = if_nametoindex(tap->name);
    if (metadata_tap_is_absent(error) && ifindex) {
        step = "remove address";
        error = metadata_tap_address(nl, RTM_DELADDR, ifindex);
    }
    mnl_socket_close(nl);
    return metadata_tap_is_absent(error) ? NULL
           : xasprintf("metadata tap %s: %s: %s", tap->name, step,
                       ovs_strerror(error));
}

/* Brings the host toward the configuration: applied to the tap when
 * 'enabled' (as soon as the tap exists, again when it is created anew and
 * every METADATA_TAP_REPAIR_INTERVAL), removed once when not.  'now' is
 * the time in ms. */
void
metadata_tap_run(struct metadata_tap *tap, bool enabled, long long int now)
{
    tap->has_run = true;
    if (!enabled) {
        tap->ready = false;
        tap->ifindex = 0;
        if (!tap->removed && now >= tap->next_check) {
            char *error = metadata_tap_remove(tap);
            tap->removed = !error;
            if (tap->removed) {
                VLOG_INFO("metadata tap %s: address, route and rule "
                          "removed (or absent)", tap->name);
            }
            metadata_tap_set_error(tap, error);
            tap->next_check = now + METADATA_TAP_CHECK_INTERVAL;
        }
        return;
    }

    if (tap->removed) {
        tap->removed = false;
        tap->next_check = now;
    }
    if (now < tap->next_check) {
        return;
    }
    tap->next_check = now + METADATA_TAP_CHECK_INTERVAL;

    unsigned int ifindex = if_nametoindex(tap->name);
    if (!ifindex) {
        tap->ready = false;
        tap->ifindex = 0;
        metadata_tap_set_error(tap, xasprintf(
                                   "metadata tap %s does not exist (yet)",
                                   tap->name));
        return;
    }
    if (ifindex == tap->ifindex && tap->ready && now < tap->next_repair) {
        return;
    }

    char *error = metadata_tap_apply(tap, ifindex);
    if (!error && (!tap->ready || ifindex != tap->ifindex)) {
        VLOG_INFO("metadata tap %s (ifindex %u): up, 169.254.169.254/32, "
                  "128.0.0.0/1 in table %d, rule from 169.254.169.254 "
                  "(priority %d)", tap->name, ifindex, METADATA_TAP_TABLE,
                  METADATA_TAP_RULE_PRIORITY);
    }
    tap->ready = !error;
    tap->ifindex = ifindex;
    tap->next_repair = now + METADATA_TAP_REPAIR_INTERVAL;
    metadata_tap_set_error(tap, error);
}

/* Arranges for poll_block() to wake up when metadata_tap_run() has work. */
void
metadata_tap_wait(const struct metadata_tap *tap)
{
    if (tap->has_run && (!tap->removed || tap->ready)) {
        poll_timer_wait_until(tap->ready ? tap->next_repair
                              : tap->next_check);
    }
}

/* Returns true if the tap carries the whole configuration. */
bool
metadata_tap_is_ready(const struct metadata_tap *tap)
{
    return tap->ready;
}

/* Appends one line on the tap's state to 'out'. */
void
metadata_tap_format_status(const struct metadata_tap *tap, struct ds *out)
{
    ds_put_format(out, "metadata tap: %s", tap->name);
    if (tap->ready) {
        ds_put_format(out, " ready (ifindex %u, 169.254.169.254/32, "
                      "table %d)", tap->ifindex, METADATA_TAP_TABLE);
    } else if (tap->removed) {
        ds_put_cstr(out, " unconfigured (service off)");
    } else {
        ds_put_format(out, " not ready: %s",
                      tap->error ? tap->error : "not tried yet");
    }
    ds_put_char(out, '\n');
}
