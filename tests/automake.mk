# tests/: Check unit tests (tier 1), functional tests against a sandbox
# ovs-vswitchd (tier 2), system tests with namespaces (tier 3).
check_PROGRAMS += tests/unit/check-unit
tests_unit_check_unit_SOURCES = \
	tests/unit/test-desired.c \
	tests/unit/test-dhcp.c \
	tests/unit/test-pipeline.c \
	tests/unit/test-provider.c \
	tests/unit/test-secgroup.c \
	tests/unit/test-host-view.c \
	tests/unit/test-incremental.c \
	tests/unit/test-json-reader.c \
	tests/unit/test-metadata.c \
	tests/unit/test-model.c \
	tests/unit/main.c \
	tests/unit/suites.h \
	tests/unit/test-settings.c \
	tests/unit/test-vr.c
tests_unit_check_unit_CPPFLAGS = $(AM_CPPFLAGS) $(CHECK_CFLAGS) \
	-DTEST_SRCDIR='"$(abs_top_srcdir)/tests"'
tests_unit_check_unit_LDADD = lib/libjstack.a $(OVS_LIBS) $(CHECK_LIBS)

# Prints the pipeline of one host, for the functional trace tests.
check_PROGRAMS += tests/pipeline-dump
tests_pipeline_dump_SOURCES = tests/pipeline-dump.c
tests_pipeline_dump_LDADD = lib/libjstack.a $(OVS_LIBS)

# Writes DHCP client frames, for the DHCP functional test and benchmark.
check_PROGRAMS += tests/dhcp-tool
tests_dhcp_tool_SOURCES = tests/dhcp-tool.c
tests_dhcp_tool_LDADD = lib/libjstack.a $(OVS_LIBS)

# Composes and parses probe frames, for the reflector's system test.
check_PROGRAMS += tests/vr-probe-tool
tests_vr_probe_tool_SOURCES = tests/vr-probe-tool.c
tests_vr_probe_tool_LDADD = lib/libjstack.a $(OVS_LIBS)

# Builds what the tests run, without running them.
.PHONY: check-programs
check-programs: $(check_PROGRAMS) $(sbin_PROGRAMS)

# "make check" runs the tiers in CHECK_TIERS (configure's, or "make check
# CHECK_TIERS=unit") through one runner, which prints the one summary line
# "N passed, N failed".
check-local: $(check_PROGRAMS) $(sbin_PROGRAMS)
	$(SHELL) $(top_srcdir)/tests/run-tests.sh \
		--srcdir "$(abs_top_srcdir)" --builddir "$(abs_top_builddir)" \
		$(CHECK_TIERS:%=--tier %)

# The runner's logs.
clean-local:
	rm -rf tests/logs

# Everything the tiers run, for "make dist".
EXTRA_DIST += tests/run-tests.sh tests/lib tests/fixtures tests/golden \
	tests/functional tests/faults tests/system tests/fuzz/run-fuzz.sh \
	tests/fuzz/fuzz-model.c tests/fuzz/corpus-model \
	tests/fuzz/fuzz-json-reader.c tests/fuzz/corpus-json-reader \
	tests/fuzz/fuzz-dhcp.c tests/fuzz/corpus-dhcp \
	tests/fuzz/make-corpus-dhcp.py tests/fuzz/fuzz-vr-probe.c \
	tests/fuzz/corpus-vr-probe tests/fuzz/fuzz-settings.c \
	tests/fuzz/corpus-settings tests/fuzz/fuzz-metadata.c \
	tests/fuzz/corpus-metadata

# Two threads reading host snapshots while the main thread replaces them,
# run under Helgrind by tests/functional/test-snapshot-threads.sh.
check_PROGRAMS += tests/snapshot-race
tests_snapshot_race_SOURCES = tests/snapshot-race.c
tests_snapshot_race_LDADD = $(AGENT_LIBS)

# The ovn-controller race (tests/perf/ovn-race.sh, docs/performance.md).
EXTRA_DIST += tests/perf/ovn-race.sh tests/perf/ovn-convert.py \
	tests/perf/ovn-transact.py tests/perf/ovn-sg-document.py
