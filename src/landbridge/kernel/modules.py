"""Optional modules: a module not written yet is skipped, a module that fails to import is an error."""

from __future__ import annotations

import importlib
from types import ModuleType


def import_optional(name: str) -> ModuleType | None:
    """Import ``name``; None when it (or the package holding it) does not exist, else its own import error."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise  # a module that exists but fails to import is a real error
