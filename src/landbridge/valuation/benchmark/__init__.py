"""Benchmark land prices (基准地价) and the coefficient and comparison methods (L1)."""
