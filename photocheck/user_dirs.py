"""Where photocheck keeps the user's own files: config (settings, taught kinds, uniform profiles) and cache."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def _xdg_dir(variable: str, fallback: str, environ: Mapping[str, str]) -> Path:
    value = environ.get(variable)
    # The XDG spec says relative values are invalid and must be ignored.
    base = Path(value) if value and Path(value).is_absolute() else Path.home() / fallback
    return base / "photocheck"


def user_config_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_CONFIG_HOME/photocheck`, else `~/.config/photocheck`."""
    return _xdg_dir("XDG_CONFIG_HOME", ".config", environ)


def user_cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_CACHE_HOME/photocheck`, else `~/.cache/photocheck`."""
    return _xdg_dir("XDG_CACHE_HOME", ".cache", environ)
