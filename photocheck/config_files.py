"""Config files a person can find: discovery next to the photos and in the user's config folder, the language
of the messages, the effective settings with their origins, and a commented starter file.

Order (later wins): defaults < user config folder < the photo folder's parent < --config.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from photocheck import toml
from photocheck.config import DEFAULTS_SOURCE, Config, SettingsFileError, load_config
from photocheck.i18n import LANGUAGES, locale_language, message
from photocheck.user_dirs import user_config_dir

CONFIG_NAME = "photocheck.toml"
LANGUAGE_KEY = "output.language"
# Translated comments of defaults.toml, per language, keyed by the setting (or table) each comment block precedes.
COMMENT_TRANSLATIONS = "defaults_comments_{language}.toml"


def user_config_file(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_CONFIG_HOME/photocheck/photocheck.toml`, else `~/.config/photocheck/photocheck.toml`."""
    return user_config_dir(environ) / CONFIG_NAME


def photo_folder(target: Path) -> Path:
    """The folder the photos are in: the target itself, or the folder of a single photo."""
    target = target.resolve()
    return target if target.is_dir() else target.parent


def candidate_files(target: Path | None, environ: Mapping[str, str] = os.environ) -> list[Path]:
    """Where config files are looked for, in the order they apply."""
    candidates = [user_config_file(environ)]
    if target is not None:
        candidates.append(photo_folder(target).parent / CONFIG_NAME)
    return candidates


def effective_config(
    target: Path | None,
    explicit: Path | None = None,
    language: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> tuple[Config, list[Path]]:
    """The settings for photos under `target`, and the config files that were read.

    `language` (from --lang) wins over a config file, which wins over the environment's locale.
    """
    found = []
    for path in candidate_files(target, environ):
        if path.is_file() and path not in found:
            found.append(path)
    if explicit is not None:
        found.append(explicit)
    config = load_config(*found)
    return with_language(config, language, environ), found


def with_language(config: Config, requested: str | None, environ: Mapping[str, str] = os.environ) -> Config:
    if requested is not None:
        language, source = requested, "--lang"
    elif config.origin(LANGUAGE_KEY) != DEFAULTS_SOURCE:
        language, source = config.output.language, None
    else:
        language, source = locale_language(environ)
    if language not in LANGUAGES:
        where = config.origin(LANGUAGE_KEY) if source is None else source
        raise SettingsFileError(
            "config_error.unknown_language", requested=language, source=where, languages=", ".join(LANGUAGES)
        )
    if source is None:
        return config
    return config.with_overrides({"output": {"language": language}}, source)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _tables(values: dict, prefix: str = ""):
    """(table name, its plain settings) for every table, parents before their sub-tables."""
    plain = {key: value for key, value in values.items() if not isinstance(value, dict)}
    if prefix and plain:
        yield prefix, plain
    for key, value in values.items():
        if isinstance(value, dict):
            yield from _tables(value, f"{prefix}.{key}" if prefix else key)


def describe(config: Config, files: list[Path], candidates: list[Path], target: Path | None) -> str:
    """The effective settings as TOML, each value with the file (or --lang, or locale variable) it came from."""
    language = config.output.language
    where = message("config.for_target", language, path=target) if target is not None else ""
    lines = [message("config.header", language, target=where)]
    if files:
        lines.append(message("config.files", language, files=", ".join(map(str, files))))
    else:
        lines.append(message("config.no_files", language, files=", ".join(map(str, candidates))))
    default_origin = message("config.default_origin", language)
    for table, settings in _tables(config.values):
        lines += ["", f"[{table}]"]
        for key, value in settings.items():
            origin = config.origin(f"{table}.{key}")
            source = default_origin if origin == DEFAULTS_SOURCE else origin
            lines.append(f"{key} = {toml_value(value)}  {message('config.origin', language, source=source)}")
    return "\n".join(lines) + "\n"


def _defaults_text() -> str:
    return resources.files("photocheck.data").joinpath("defaults.toml").read_text(encoding="utf-8")


def comment_translations(language: str) -> dict[str, str]:
    """Translated comment blocks of defaults.toml (empty for English: the file itself is English)."""
    resource = resources.files("photocheck.data").joinpath(COMMENT_TRANSLATIONS.format(language=language))
    if not resource.is_file():
        return {}
    return toml.loads(resource.read_text(encoding="utf-8"))


def defaults_lines(text: str):
    """defaults.toml line by line as (kind, anchor, text): kind is "comment", "blank", "table" or "setting".

    A comment's anchor is the setting ("table.key") or table its block precedes, so a translation stays attached
    to its setting wherever the setting moves; comments before the first table (the file's header) anchor to "".
    """
    items: list[tuple[str, str, str]] = []
    table, pending = "", []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(len(items))
            items.append(("comment", "", stripped))
            continue
        if not stripped:
            kind, anchor = "blank", ""
        elif stripped.startswith("["):
            table = stripped.strip("[]").strip()
            kind, anchor = "table", table
        else:
            kind, anchor = "setting", f"{table}.{stripped.split('=', 1)[0].strip()}"
        for index in pending:
            items[index] = ("comment", anchor, items[index][2])
        pending = []
        items.append((kind, anchor, stripped))
    return items


def starter_file(language: str, environ: Mapping[str, str] = os.environ) -> str:
    """A commented copy of defaults.toml in `language`: every value commented out, so the file changes nothing
    until a person removes a `#`. Values come from defaults.toml itself (one place); only comments are translated,
    a block without a translation stays in English.
    """
    translations = comment_translations(language)
    header = message("config.init_header", language, user_file=user_config_file(environ))
    out = [f"# {line}" for line in header.splitlines()]
    translated_anchors = set()
    for kind, anchor, text in defaults_lines(_defaults_text()):
        if kind == "comment":
            if anchor == "":
                continue  # the file's own header is replaced by the catalogue's
            if anchor in translations:
                if anchor not in translated_anchors:
                    out += [f"# {line}" for line in translations[anchor].splitlines()]
                    translated_anchors.add(anchor)
                continue
            out.append(text)
        elif kind == "setting":
            out.append(f"#{text}")
        else:
            out.append(text)
    return "\n".join(out) + "\n"
