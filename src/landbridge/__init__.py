"""LandBridge: the unified urban-rural integration service platform (P1)."""

__version__ = "0.1.0"
