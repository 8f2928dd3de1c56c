"""Benchmarks of the library (run as scripts; not part of the installed package)."""
