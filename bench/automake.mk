# bench/: benchmarks ("make bench"); they measure, they do not test.
# They are built only by "make bench" (EXTRA_PROGRAMS), never by "make".
# bench-metadata.sh needs root (network namespaces) and says so without.
EXTRA_PROGRAMS = bench/bench-pipeline
bench_bench_pipeline_SOURCES = bench/bench-pipeline.c
bench_bench_pipeline_LDADD = lib/libjstack.a $(OVS_LIBS)
CLEANFILES += bench/bench-pipeline

# Injects DHCP client frames as packet-outs, for bench-dhcp.sh.
EXTRA_PROGRAMS += bench/dhcp-storm
bench_dhcp_storm_SOURCES = bench/dhcp-storm.c
bench_dhcp_storm_LDADD = lib/libjstack.a $(OVS_LIBS)
CLEANFILES += bench/dhcp-storm

# Ports of the document synthesized by bench-pipeline, one run each.
BENCH_PIPELINE_SIZES = 1000 10000 50000

.PHONY: bench
bench: bench/bench-pipeline bench/bench-parse bench/dhcp-storm \
		agent/jstack-agent
	@for n in $(BENCH_PIPELINE_SIZES); do \
		bench/bench-pipeline $$n 20 50 || exit 1; \
	done
	python3 $(top_srcdir)/bench/make-document.py 50000 \
		>bench/document-50k.json
	bench/bench-parse bench/document-50k.json 5
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
# (bench/make-document.py writes one with security groups).
EXTRA_PROGRAMS += bench/bench-parse
bench_bench_parse_SOURCES = bench/bench-parse.c
bench_bench_parse_LDADD = lib/libjstack.a $(OVS_LIBS)
CLEANFILES += bench/bench-parse bench/document-50k.json
EXTRA_DIST += bench/make-document.py
