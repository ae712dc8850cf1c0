"""Benchmarks: speed targets live here, printing numbers, not in timed tests."""
