"""Credit test world: the lending world (a borrower holding two rights, another party, a bank) plus helpers."""

from tests.lending.conftest import World, world

__all__ = ["World", "world"]
