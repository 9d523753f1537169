"""Benchmarks (never timed tests): `python -m bench` measures the tool against the simulated org's floor."""
