/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

#ifndef JSTACK_FLOW_EXPLAIN_H
#define JSTACK_FLOW_EXPLAIN_H 1

/* Explains a flow's cookie: the stage that made it and the document
 * objects that own it, with their key fields, from the desired table's
 * owner index and the model.  For "flows/explain" and "trace". */

#include <stdbool.h>
#include <stdint.h>

struct desired_table;
struct ds;
struct model;

bool flow_explain_cookie(const struct desired_table *, const struct model *,
                         uint64_t cookie, const char *indent, struct ds *);

#endif /* lib/flow-explain.h */
