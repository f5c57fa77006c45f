/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* libFuzzer harness for the settings (lib/settings.c), which come from
 * OVSDB's external_ids and the command line: the input is lines of
 * "key=value" put into external_ids over a valid minimum; resolving must
 * not crash, must report every problem by the key's name, and the URL
 * helpers must keep their promises (a redacted URL never holds the
 * password).  Built and run by tests/fuzz/run-fuzz.sh. */

#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"
#include "smap.h"
#include "svec.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xmemdup0((const char *) data, size);
    struct smap ids = SMAP_INITIALIZER(&ids);
    smap_add(&ids, "jstack-controller", "http://127.0.0.1/v1");
    smap_add(&ids, "jstack-encap-ip", "10.0.0.1");

    char *save_ptr = NULL;
    for (char *line = strtok_r(text, "\n", &save_ptr); line;
         line = strtok_r(NULL, "\n", &save_ptr)) {
        char *eq = strchr(line, '=');
        if (eq) {
            *eq = '\0';
            smap_replace(&ids, line, eq + 1);
        }
    }

    struct settings settings;
    struct svec problems = SVEC_EMPTY_INITIALIZER;
    bool ok = settings_resolve(&ids, NULL, &settings, &problems);
    ovs_assert(ok == !problems.n);
    for (size_t i = 0; i < problems.n; i++) {
        ovs_assert(strstr(problems.names[i], "jstack-"));
    }
    if (ok) {
        struct settings again;
        struct svec again_problems = SVEC_EMPTY_INITIALIZER;
        ovs_assert(settings_resolve(&ids, NULL, &again, &again_problems));
        ovs_assert(settings_equal(&settings, &again));
        settings_destroy(&again);
        svec_destroy(&again_problems);

        char *redacted = settings_redact_url(settings.controller);
        ovs_assert(strlen(redacted) <= strlen(settings.controller) + 3);
        settings_url_is_insecure(settings.controller);
        free(redacted);
    }
    settings_destroy(&settings);
    svec_destroy(&problems);
    smap_destroy(&ids);
    free(text);
    return 0;
}
