"""Uniform profiles: what a movement's clothing looks like, as colour ranges in CIELCh, stored as TOML.

Built-in profiles live in photocheck/data/uniforms/NAME.toml; profiles learnt with `photocheck calibrate-uniform`
are saved in the user's config folder (`$XDG_CONFIG_HOME/photocheck/uniforms`, else ~/.config/photocheck/uniforms)
and win over a built-in profile of the same name.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from photocheck import toml
from photocheck.atomic import write_atomic
from photocheck.config import Config, ConfigError
from photocheck.i18n import Problem
from photocheck.user_dirs import user_config_dir

PROFILE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


class ProfileError(ConfigError):
    """A uniform profile that cannot be found, read or validated."""


class ProfileChoiceError(Problem, ProfileError):
    """A profile name a person typed that is not valid or not known, worded in the catalogue (section profile)."""


def lch(lab: tuple[float, float, float]) -> tuple[float, float, float]:
    """CIELAB to (lightness, chroma, hue in degrees 0..360)."""
    lightness, a, b = lab
    return lightness, math.hypot(a, b), math.degrees(math.atan2(b, a)) % 360


@dataclass(frozen=True)
class ColourRange:
    """A region of CIELCh: hue in degrees (wraps past 360 when hue[0] > hue[1]), chroma and lightness."""

    hue: tuple[float, float]
    chroma: tuple[float, float]
    lightness: tuple[float, float]

    def contains(self, lab: tuple[float, float, float]) -> bool:
        lightness, chroma, hue = lch(lab)
        if not (self.lightness[0] <= lightness <= self.lightness[1] and self.chroma[0] <= chroma <= self.chroma[1]):
            return False
        low, high = self.hue
        return low <= hue <= high if low <= high else hue >= low or hue <= high

    def to_toml(self) -> str:
        return "\n".join(f"{key} = [{low:.1f}, {high:.1f}]" for key, (low, high) in
                         (("hue", self.hue), ("chroma", self.chroma), ("lightness", self.lightness)))


@dataclass(frozen=True)
class UniformProfile:
    """A person wears the uniform when `min_shirt_share` of the torso pixels fall in a shirt colour, or
    `min_neckerchief_share` of the neck region in a neckerchief colour."""

    name: str
    description: str
    shirt: tuple[ColourRange, ...]
    min_shirt_share: float
    neckerchief: tuple[ColourRange, ...] = field(default_factory=tuple)
    min_neckerchief_share: float = 1.0

    def to_toml(self) -> str:
        lines = [
            f"# Uniform profile {self.name!r} (photocheck). Colours are CIELCh ranges of white-balanced pixels:",
            "# hue in degrees (wrapping past 360 when the first value is larger), chroma, lightness 0..100.",
            f"name = {_quoted(self.name)}",
            f"description = {_quoted(self.description)}",
            f"min_shirt_share = {self.min_shirt_share:.2f}",
            f"min_neckerchief_share = {self.min_neckerchief_share:.2f}",
        ]
        for table, ranges in (("shirt", self.shirt), ("neckerchief", self.neckerchief)):
            for colour in ranges:
                lines += ["", f"[[{table}]]", colour.to_toml()]
        return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def user_profile_dir() -> Path:
    return user_config_dir() / "uniforms"


def builtin_profile_names() -> list[str]:
    folder = resources.files("photocheck.data").joinpath("uniforms")
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".toml"))


def check_name(name: str) -> str:
    if not PROFILE_NAME.fullmatch(name):
        raise ProfileChoiceError("profile.bad_name", name=name)
    return name


def load_profile(name: str) -> UniformProfile:
    """The user's profile NAME if there is one, else the built-in one."""
    check_name(name)
    user_file = user_profile_dir() / f"{name}.toml"
    if user_file.is_file():
        try:
            text = user_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProfileError(f"cannot read uniform profile {user_file}: {exc}") from exc
        return parse_profile(text, str(user_file))
    if name in builtin_profile_names():
        text = resources.files("photocheck.data").joinpath("uniforms", f"{name}.toml").read_text(encoding="utf-8")
        return parse_profile(text, f"built-in profile {name}")
    known = sorted(set(builtin_profile_names()) | _user_profile_names())
    raise ProfileChoiceError("profile.unknown", name=name, known=", ".join(known))


def _user_profile_names() -> set[str]:
    folder = user_profile_dir()
    return {path.stem for path in folder.glob("*.toml")} if folder.is_dir() else set()


def save_profile(profile: UniformProfile) -> Path:
    """Write a user profile (validated by parsing it back) and return its path."""
    text = profile.to_toml()
    parse_profile(text, "the new profile")
    folder = user_profile_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{check_name(profile.name)}.toml"
    write_atomic(path, text)
    return path


def parse_profile(text: str, source: str) -> UniformProfile:
    try:
        data = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: not valid TOML: {exc}") from exc
    known = {"name", "description", "shirt", "min_shirt_share", "neckerchief", "min_neckerchief_share"}
    if unknown := sorted(set(data) - known):
        raise ProfileError(f"{source}: unknown key(s) {', '.join(unknown)}")
    name = data.get("name")
    if not isinstance(name, str):
        raise ProfileError(f"{source}: 'name' must be a string")
    shirt = _ranges(data.get("shirt", []), "shirt", source)
    if not shirt:
        raise ProfileError(f"{source}: a profile needs at least one [[shirt]] colour")
    return UniformProfile(
        name=check_name(name),
        description=str(data.get("description", "")),
        shirt=shirt,
        min_shirt_share=_share(data.get("min_shirt_share"), "min_shirt_share", source),
        neckerchief=_ranges(data.get("neckerchief", []), "neckerchief", source),
        min_neckerchief_share=_share(data.get("min_neckerchief_share", 1.0), "min_neckerchief_share", source),
    )


def _share(value: object, key: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ProfileError(f"{source}: '{key}' must be a number in (0, 1]")
    return float(value)


def _ranges(value: object, table: str, source: str) -> tuple[ColourRange, ...]:
    if not isinstance(value, list):
        raise ProfileError(f"{source}: '{table}' must be an array of tables ([[{table}]])")
    limits = {"hue": (0.0, 360.0), "chroma": (0.0, 200.0), "lightness": (0.0, 100.0)}
    ranges = []
    for entry in value:
        if not isinstance(entry, dict) or set(entry) != set(limits):
            raise ProfileError(f"{source}: each [[{table}]] needs exactly hue, chroma and lightness")
        bounds = {}
        for key, (low_limit, high_limit) in limits.items():
            pair = entry[key]
            if (not isinstance(pair, list) or len(pair) != 2
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pair)
                    or not all(low_limit <= v <= high_limit for v in pair)):
                raise ProfileError(f"{source}: [[{table}]] {key} must be two numbers in [{low_limit:g}, {high_limit:g}]")
            if key != "hue" and pair[0] > pair[1]:
                raise ProfileError(f"{source}: [[{table}]] {key} must be [low, high]")
            bounds[key] = (float(pair[0]), float(pair[1]))
        ranges.append(ColourRange(**bounds))
    return tuple(ranges)


def config_with_profile(config: Config, name: str | None) -> Config:
    """`config` with `[uniform] profile` set to `name` (when given), after checking that the profile loads, so a
    typo fails before any photo is analysed."""
    if name is not None:
        config = config.with_overrides({"uniform": {"profile": name}}, "--profile")
    load_profile(config.uniform.profile)
    return config
