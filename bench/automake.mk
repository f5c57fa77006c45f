# bench/: benchmarks ("make bench"); they measure, they do not test.
# They are built only by "make bench" (EXTRA_PROGRAMS), never by "make".
# bench-metadata.sh needs root (network namespaces) and says so without.
EXTRA_PROGRAMS = bench/bench-pipeline
bench_bench_pipeline_SOURCES = bench/bench-pipeline.c
bench_bench_pipeline_LDADD = lib/libjstack.a $(OVS_LIBS)
CLEANFILES += bench/bench-pipeline

# The steps from a changed document to the desired table's changes.
EXTRA_PROGRAMS += bench/bench-incremental
bench_bench_incremental_SOURCES = bench/bench-incremental.c
bench_bench_incremental_LDADD = lib/libjstack.a $(OVS_LIBS)
CLEANFILES += bench/bench-incremental

# Injects DHCP client frames as packet-outs, for bench-dhcp.sh.
EXTRA_PROGRAMS += bench/dhcp-storm
bench_dhcp_storm_SOURCES = bench/dhcp-storm.c
bench_dhcp_storm_LDADD = lib/libjstack.a $(OVS_LIBS)
CLEANFILES += bench/dhcp-storm

# Installs a flow set over one vconn as fast as the switch takes it, for
# bench-perf.sh.
EXTRA_PROGRAMS += tests/perf/raw-install
tests_perf_raw_install_SOURCES = tests/perf/raw-install.c
tests_perf_raw_install_LDADD = $(OVS_LIBS)
CLEANFILES += tests/perf/raw-install
EXTRA_DIST += tests/perf/topology.py tests/perf/bench-perf.sh \
	tests/perf/wait-ready.py

# Ports of the documents (tests/perf/topology.py) that bench-pipeline
# computes, one run each, as host 0 (10.20.0.1).
BENCH_PIPELINE_SIZES = 1000 10000 50000
CLEANFILES += $(BENCH_PIPELINE_SIZES:%=bench/topology-%.json)

.PHONY: bench
bench: bench/bench-pipeline bench/bench-parse bench/dhcp-storm \
		agent/jstack-agent
	@for n in $(BENCH_PIPELINE_SIZES); do \
		python3 $(top_srcdir)/tests/perf/topology.py --ports $$n \
			--output bench/topology-$$n.json >/dev/null \
		&& bench/bench-pipeline bench/topology-$$n.json 10.20.0.1 \
		|| exit 1; \
	done
	bench/bench-parse bench/topology-50000.json 5
	$(SHELL) $(top_srcdir)/bench/bench-reconcile.sh $(abs_top_builddir)
	$(SHELL) $(top_srcdir)/bench/bench-dhcp.sh $(abs_top_builddir)
	$(SHELL) $(top_srcdir)/bench/bench-metadata.sh $(abs_top_builddir)

# The virtual-router failover time on the emulated hosts of the system
# tests (root): not part of "make bench", which needs no root.
.PHONY: bench-vr-failover
bench-vr-failover: agent/jstack-agent
	$(SHELL) $(top_srcdir)/bench/bench-vr-failover.sh $(abs_top_builddir)

# The soak: 10,000 document changes, the agent's RSS and descriptors
# sampled every 500 (about 20 minutes): not part of "make bench".
.PHONY: bench-soak
bench-soak: agent/jstack-agent
	$(SHELL) $(top_srcdir)/bench/bench-soak.sh $(abs_top_builddir) 10000

# Times model_parse(), json_from_string() and SHA-1 on a document file
# (tests/perf/topology.py writes one with security groups).
EXTRA_PROGRAMS += bench/bench-parse
bench_bench_parse_SOURCES = bench/bench-parse.c
bench_bench_parse_LDADD = lib/libjstack.a $(OVS_LIBS)
CLEANFILES += bench/bench-parse

# Issue 17's benchmark: one table per size (bench-perf.sh's defaults, or
# BENCH_PERF_SIZES), written to docs/performance.md and .png.
.PHONY: bench-perf
bench-perf: agent/jstack-agent bench/bench-pipeline tests/perf/raw-install
	$(SHELL) $(top_srcdir)/tests/perf/bench-perf.sh $(abs_top_builddir) \
		$(BENCH_PERF_SIZES)
