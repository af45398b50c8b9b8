"""Benchmarks: each prints one figure a line as `name: value`."""
