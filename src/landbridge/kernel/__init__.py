"""Shared value types every module uses: money, area, time, identifiers, geometry."""
