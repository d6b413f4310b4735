"""Benchmarks: `make bench` runs `python -m benchmarks.run` (not part of `make test`)."""
