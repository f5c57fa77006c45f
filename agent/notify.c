/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#include <config.h>

#include "notify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "settings.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(notify);

/* The agent's conversation with the service manager.  Owns its strings. */
struct notify {
    bool enabled;               /* Is $NOTIFY_SOCKET set? */
    long long int watchdog_interval;    /* Milliseconds between WATCHDOG=1
                                         * pings, 0 when the watchdog is
                                         * off. */
    long long int next_ping;    /* time_msec() of the next ping. */
    char *status;               /* Owned: the last STATUS= sent, NULL before
                                 * the first. */
    bool ready;                 /* READY=1 sent, and no RELOADING=1
                                 * since? */
    char *ready_settings;       /* Owned: the settings READY=1 was sent
                                 * with (see notify_settings_key()), NULL
                                 * before the first READY=1. */
};

/* Creates the notifier at time 'now' (milliseconds).  When the service
 * manager arms a watchdog for this process ($WATCHDOG_USEC, and
 * $WATCHDOG_PID naming it), the first ping is due at once.  The caller owns
 * the result (notify_destroy()). */
struct notify *
notify_create(long long int now)
{
    struct notify *notify = xzalloc(sizeof *notify);
    const char *socket = getenv("NOTIFY_SOCKET");
    uint64_t usec;

    notify->enabled = socket && socket[0];
    if (notify->enabled && sd_watchdog_enabled(0, &usec) > 0) {
        notify->watchdog_interval = MAX(usec / 3000, 1);
        notify->next_ping = now;
        VLOG_INFO("systemd watchdog every %llu ms, pinged every %lld ms",
                  (unsigned long long int) (usec / 1000),
                  notify->watchdog_interval);
    }
    return notify;
}

/* Sends 'message' (lines "NAME=value") to the service manager. */
static void
notify_send(const char *message)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    int error = sd_notify(0, message);

    if (error < 0) {
        VLOG_WARN_RL(&rl, "could not notify the service manager: %s",
                     ovs_strerror(-error));
    }
}

/* Says STOPPING=1 and frees 'notify'. */
void
notify_destroy(struct notify *notify)
{
    if (notify) {
        if (notify->enabled) {
            notify_send("STOPPING=1\nSTATUS=stopping; the bridge keeps its "
                        "flows");
        }
        free(notify->status);
        free(notify->ready_settings);
        free(notify);
    }
}

/* Returns the settings in 'state' that decide what the agent programs, as
 * one string that changes when one of them does.  The caller frees it. */
static char *
notify_settings_key(const struct notify_state *state)
{
    if (state->missing_setting) {
        return xstrdup(state->missing_setting);
    }
    return xasprintf("controller %s, encap-ip %s, bridge %s",
                     state->controller ? state->controller : "",
                     state->encap_ip ? state->encap_ip : "",
                     state->bridge ? state->bridge : "");
}

/* Appends to 'out' one line saying what the agent is doing in 'state'. */
static void
notify_format_status(const struct notify_state *state, struct ds *out)
{
    if (!state->db_connected) {
        ds_put_format(out, "connecting to the local OVSDB at %s",
                      state->db_remote);
    } else if (state->missing_setting) {
        ds_put_format(out, "waiting: %s", state->missing_setting);
    } else if (!state->has_desired) {
        char *url = settings_redact_url(state->controller
                                        ? state->controller : "");
        ds_put_format(out, "waiting for the controller's document from %s",
                      url);
        free(url);
    } else if (!state->bridge_connected) {
        ds_put_format(out, "connecting to bridge %s", state->bridge);
    } else if (!state->in_sync) {
        ds_put_format(out, "programming bridge %s with desired state #%"
                      PRIu64, state->bridge, state->desired_seqno);
    } else {
        ds_put_format(out, "bridge %s in sync with desired state #%"PRIu64,
                      state->bridge, state->desired_seqno);
    }
}

/* Tells the service manager what changed since the last call, given the
 * agent's 'state' at time 'now' (milliseconds), and pings the watchdog when
 * a ping is due. */
void
notify_run(struct notify *notify, const struct notify_state *state,
           long long int now)
{
    if (!notify->enabled) {
        return;
    }

    struct ds message = DS_EMPTY_INITIALIZER;
    if (state->db_connected) {
        char *key = notify_settings_key(state);
        bool can_be_ready = (state->missing_setting
                             || (state->has_desired && state->in_sync));

        if (notify->ready && strcmp(key, notify->ready_settings)) {
            /* The settings changed under a ready agent: it reloads until
             * the bridge equals what the new ones ask for. */
            VLOG_INFO("settings changed (%s), reloading", key);
            ds_put_cstr(&message, "RELOADING=1\n");
            notify->ready = false;
        }
        if (!notify->ready && can_be_ready) {
            ds_put_cstr(&message, "READY=1\n");
            notify->ready = true;
            free(notify->ready_settings);
            notify->ready_settings = key;
            key = NULL;
        }
        free(key);
    }

    struct ds status = DS_EMPTY_INITIALIZER;
    notify_format_status(state, &status);
    if (!notify->status || strcmp(notify->status, ds_cstr(&status))) {
        ds_put_format(&message, "STATUS=%s\n", ds_cstr(&status));
        free(notify->status);
        notify->status = ds_steal_cstr(&status);
    }
    ds_destroy(&status);

    if (notify->watchdog_interval && now >= notify->next_ping) {
        ds_put_cstr(&message, "WATCHDOG=1\n");
        notify->next_ping = now + notify->watchdog_interval;
    }

    if (message.length) {
        ds_chomp(&message, '\n');
        notify_send(ds_cstr(&message));
    }
    ds_destroy(&message);
}

/* Arranges for poll_block() to wake up when the next watchdog ping is
 * due. */
void
notify_wait(const struct notify *notify)
{
    if (notify->enabled && notify->watchdog_interval) {
        poll_timer_wait_until(notify->next_ping);
    }
}

/* If the agent's stderr is a journal stream (systemd sets $JOURNAL_STREAM
 * to its "device:inode"), sends the log to the journal through OVS's
 * syslog destination instead of the console, and returns true; otherwise
 * changes nothing and returns false.
 *
 * Why syslog and not the console: journald takes a message's priority from
 * a "<N>" prefix on a stream only for N from 0 to 7, but vlog's "%B"
 * always adds a facility (LOG_LOCAL0 when none is set), so a console
 * pattern cannot carry the priority.  journald's syslog socket (/dev/log)
 * accepts a facility, takes the priority from it, attributes the message
 * to the sending unit, and drops the syslog timestamp, so each message
 * reaches the journal once, with its priority and no second timestamp.
 * OVS's --syslog-method (or $OVS_SYSLOG_METHOD) still chooses the socket,
 * and -v options given after this call still override the levels. */
bool
notify_log_to_journal(void)
{
    const char *stream = getenv("JOURNAL_STREAM");
    unsigned long long int dev, ino;
    struct stat st;
    int n = 0;

    if (!stream
        || sscanf(stream, "%llu:%llu%n", &dev, &ino, &n) != 2
        || stream[n]
        || fstat(STDERR_FILENO, &st)
        || st.st_dev != dev || st.st_ino != ino) {
        return false;
    }
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_OFF);
    vlog_set_levels(NULL, VLF_SYSLOG, VLL_INFO);
    /* The journal records the program's name itself: OVS's "ovs|" prefix
     * would only be noise. */
    vlog_set_pattern(VLF_SYSLOG, "%05N|%c%T|%p|%m");
    return true;
}
