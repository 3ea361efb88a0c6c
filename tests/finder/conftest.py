"""The finder's saved-search tests use the web world's demo accounts (``tests.web.conftest``)."""

from tests.web.conftest import world

__all__ = ["world"]
