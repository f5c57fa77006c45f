/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_OFCTRL_H
#define JSTACK_OFCTRL_H 1

/* The agent's one OpenFlow 1.3 connection to the integration bridge, over
 * its management socket (<rundir>/<bridge>.mgmt).  This is the only module
 * that speaks OpenFlow. */

#include <stdbool.h>
#include <stdint.h>

struct ds;

struct ofctrl;

struct ofctrl *ofctrl_create(void);
void ofctrl_destroy(struct ofctrl *);
void ofctrl_set_target(struct ofctrl *, const char *target);
void ofctrl_run(struct ofctrl *);
void ofctrl_wait(struct ofctrl *);

bool ofctrl_is_connected(const struct ofctrl *);
const char *ofctrl_target(const struct ofctrl *);
void ofctrl_format_status(const struct ofctrl *, struct ds *);

#endif /* agent/ofctrl.h */
