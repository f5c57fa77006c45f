# bench/: benchmarks ("make bench"); they measure, they do not test.
.PHONY: bench
bench:
