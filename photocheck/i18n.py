"""Human-facing sentences come from one catalogue per language (photocheck/data/messages_LANG.toml)."""

from __future__ import annotations

import sys
from functools import lru_cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=None)
def catalogue(language: str) -> dict[str, str]:
    text = resources.files("photocheck.data").joinpath(f"messages_{language}.toml").read_text(encoding="utf-8")
    return _flatten(tomllib.loads(text))


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def message(code: str, language: str = DEFAULT_LANGUAGE, **values) -> str:
    """The sentence for `code` filled with `values`; an unknown code is a programming error."""
    return catalogue(language)[code].format(**values)
