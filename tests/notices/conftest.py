"""The notices tests use the small registry world of the page tests (demo accounts, people, parcels)."""

from tests.web.conftest import world

__all__ = ["world"]
