"""The application's start-up (``main._lifespan``): what a server process does once, before the first request."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from landbridge.config import Settings
from landbridge.main import GC_OLD_THRESHOLD, GC_YOUNG_THRESHOLD, create_app


def test_start_up_freezes_its_objects_and_collects_the_young_generation_less_often(settings: Settings) -> None:
    """Start-up objects leave the cyclic collector and the young threshold rises (full collections had paused
    a bidding server's worker up to 300 ms); both only once the application has started."""
    old = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(700, old[1], old[2])
    try:
        app = create_app(settings)
        assert gc.get_freeze_count() == 0 and gc.get_threshold()[0] == 700
        with TestClient(app) as client:
            assert gc.get_freeze_count() > 10_000
            assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, old[1], GC_OLD_THRESHOLD)
            assert client.get("/api/v1/health").status_code == 200
    finally:
        gc.set_threshold(*old)
