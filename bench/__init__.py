"""Benchmarks run by `make bench` against the local cluster; results go to bench/results.json."""
