"""Demo world: generated data for the demo and the benchmarks (never used for real registrations)."""

from landbridge.demo.parcels import generate_parcels

__all__ = ["generate_parcels"]
