/*
 * Copyright (c) 2026 The jstack-agent authors.
 *
 * Licensed under the Apache License, Version 2.0.
 */

/* Runs every unit suite listed in suites.h.  With an argument, runs only the
 * suites whose name contains it (CK_RUN_SUITE works as well). */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"

const char *
test_path(const char *relative)
{
    static char path[4096];

    snprintf(path, sizeof path, "%s/%s", TEST_SRCDIR, relative);
    return path;
}

char *
test_read_file(const char *relative)
{
    const char *path = test_path(relative);
    FILE *file = fopen(path, "rb");
    if (!file) {
        ck_abort_msg("%s: %s", path, strerror(errno));
    }

    size_t size = 0;
    size_t allocated = 4096;
    char *text = malloc(allocated);
    for (;;) {
        size_t n = fread(text + size, 1, allocated - size - 1, file);
        size += n;
        if (n == 0) {
            break;
        }
        if (allocated - size < 2) {
            allocated *= 2;
            text = realloc(text, allocated);
        }
    }
    fclose(file);
    text[size] = '\0';
    return text;
}

int
main(int argc, char *argv[])
{
    SRunner *runner = srunner_create(NULL);

#define UNIT_SUITE(NAME) srunner_add_suite(runner, NAME());
    UNIT_SUITES
#undef UNIT_SUITE

    if (argc > 1) {
        setenv("CK_RUN_SUITE", argv[1], 1);
    }
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
