"""One settings object: every threshold and weight, defaults from the package, overridable by TOML files.

The defaults live in ``photocheck/data/defaults.toml`` (commented: that file is the documentation). An override
file may only set keys that exist in the defaults, with a value of the same type, so a typo fails loudly.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from photocheck import toml
from photocheck.i18n import Problem

DEFAULTS_SOURCE = "defaults"


class ConfigError(ValueError):
    """A config file is unreadable or sets an unknown key or a value of the wrong type."""


class SettingsFileError(Problem, ConfigError):
    """A ConfigError about a settings file, worded in the catalogue (section config_error) for the reader."""


class Section:
    """Read-only attribute view of one table of the config (``config.faces.min_score``)."""

    def __init__(self, values: dict[str, Any]):
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            value = self._values[name]
        except KeyError:
            raise AttributeError(name) from None
        return Section(value) if isinstance(value, dict) else value

    def __getitem__(self, name: str) -> Any:
        return self.__getattr__(name)

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self._values)


@dataclass
class Config:
    values: dict[str, Any]
    origins: dict[str, str] = field(default_factory=dict)  # dotted key -> file that set it
    # The children on the consent list (photocheck/consent.py attaches them; results.ListedChild records).
    listed_children: tuple = ()

    def __getattr__(self, name: str) -> Any:
        if name in ("values", "origins", "listed_children"):
            raise AttributeError(name)
        return Section(self.values).__getattr__(name)

    def origin(self, dotted_key: str) -> str:
        return self.origins.get(dotted_key, DEFAULTS_SOURCE)

    def with_overrides(self, overrides: dict[str, Any], source: str) -> Config:
        merged = copy.deepcopy(self.values)
        origins = dict(self.origins)
        _merge(merged, overrides, source, origins, prefix="")
        return Config(merged, origins, self.listed_children)

    def with_file(self, path: Path) -> Config:
        try:
            overrides = toml.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, toml.TOMLDecodeError) as exc:
            raise SettingsFileError("config_error.unreadable", path=path, error=exc) from exc
        return self.with_overrides(overrides, str(path))


# Settings that were renamed -> their new name: a settings file written for an older version gets told what to write.
RENAMED_SETTINGS = {"teach.weak_false_positive_rate": "teach.weak_false_positive_rates"}
# Settings whose value names one of a few ways of working: another value is refused when the settings are read, in the
# user's language, before any photo is analysed. The code that acts on each takes its names from here.
SETTING_CHOICES = {
    "faces.detector": ("blazeface", "mtcnn"),
    "text_regions.close_look_places": ("frame", "text", "objects"),
    "uniform.judged_people": ("faces_first", "faces_only", "all"),
    "uniform.weigh_people_by": ("area", "sqrt_area", "count"),
}


def _merge(base: dict, overrides: dict, source: str, origins: dict[str, str], prefix: str) -> None:
    for key, value in overrides.items():
        dotted = f"{prefix}{key}"
        if dotted in RENAMED_SETTINGS:
            raise SettingsFileError("config_error.renamed", setting=dotted, source=source, now=RENAMED_SETTINGS[dotted])
        if key not in base:
            raise SettingsFileError("config_error.unknown_setting", setting=dotted, source=source)
        current = base[key]
        if isinstance(current, dict):
            if not isinstance(value, dict):
                raise SettingsFileError("config_error.not_a_table", setting=dotted, source=source)
            _merge(current, value, source, origins, prefix=f"{dotted}.")
            continue
        if not _same_type(current, value):
            raise SettingsFileError(
                "config_error.wrong_type", setting=dotted, source=source, expected=type(current).__name__,
                actual=type(value).__name__,
            )
        if value not in SETTING_CHOICES.get(dotted, (value,)):
            raise SettingsFileError("config_error.not_a_choice", setting=dotted, source=source, value=value,
                                    choices=", ".join(SETTING_CHOICES[dotted]))
        base[key] = float(value) if isinstance(current, float) else value
        origins[dotted] = source


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def default_config() -> Config:
    text = resources.files("photocheck.data").joinpath("defaults.toml").read_text(encoding="utf-8")
    return Config(toml.loads(text))


def load_config(*paths: Path | None) -> Config:
    """Defaults, then each existing override file in order (later files win)."""
    config = default_config()
    for path in paths:
        if path is not None:
            config = config.with_file(path)
    return config


def available_cores() -> int:
    """The cores this process may run on (what `[workers]` and the report's thumbnail threads default to)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS and Windows have no affinity call
        return max(1, os.cpu_count() or 1)
