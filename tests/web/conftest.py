"""Fixtures of the web tests."""

from __future__ import annotations

import pytest

from landbridge.db import Database
from landbridge.kernel.clock import Clock
from tests.web.world import World, build_world


@pytest.fixture
def world(db: Database, clock: Clock) -> World:
    """The small registry world (``tests.web.world``): demo accounts, people, parcels, one lodged application."""
    return build_world(db)
