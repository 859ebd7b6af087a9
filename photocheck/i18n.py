"""Human-facing sentences come from one catalogue per language (photocheck/data/messages_LANG.toml).

Templates are ``str.format`` strings. A field with the format spec ``@table`` is translated through the same
catalogue: ``{kind:@flag_kind}`` with ``kind="litter"`` shows ``flag_kind.litter`` ("zwerfvuil" in Dutch), so the
values a Reason keeps in the JSON stay stable English codes while the sentence is fully in the reader's language.
A value with no entry (a kind the user taught) is shown as is, underscores as spaces. A value made by :func:`text`
(a code and its values, e.g. the evidence of a red flag) is a sentence of its own, shown in the same language: so a
Reason's values stay language-free data even when they hold a whole phrase.

Every filled-in value goes through :func:`readable`: a file name that is not valid UTF-8 (lone surrogates from
os.fsdecode) shows with replacement characters, so no sentence ever holds text a UTF-8 file or terminal refuses.
"""

from __future__ import annotations

import dataclasses
import os
import string
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

from photocheck import toml

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "nl")
# POSIX precedence of the variables that choose the language of messages.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


@lru_cache(maxsize=None)
def catalogue(language: str) -> dict[str, str]:
    text = resources.files("photocheck.data").joinpath(f"messages_{language}.toml").read_text(encoding="utf-8")
    return _flatten(toml.loads(text))


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


class _CatalogueFormatter(string.Formatter):
    def __init__(self, language: str):
        self.language = language

    def format_field(self, value, format_spec: str) -> str:
        if isinstance(value, Mapping):  # a nested sentence made by text()
            return render(value, self.language)
        if isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
            return "; ".join(render(item, self.language) for item in value)  # a list of sentences
        if format_spec.startswith("@"):
            return readable(term(format_spec[1:], value, self.language))
        return readable(super().format_field(value, format_spec))


def readable(text: object) -> str:
    """`text` for people: the bytes of a non-UTF-8 file name (surrogate escapes) become U+FFFD replacement characters.

    Only for display; the file itself is opened through the original string, whose escapes os.fsencode turns back
    into the real bytes.
    """
    text = str(text)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate no file name decodes to: nothing to recover, only to replace
        return text.encode("utf-8", "replace").decode("utf-8")


def term(table: str, value, language: str = DEFAULT_LANGUAGE) -> str:
    """The catalogue's word for a code value (`term("flag_kind", "litter", "nl")`), else the value itself."""
    return catalogue(language).get(f"{table}.{value}", str(value).replace("_", " "))


def message(code: str, language: str = DEFAULT_LANGUAGE, **values) -> str:
    """The sentence for `code` filled with `values`; an unknown code is a programming error."""
    return _CatalogueFormatter(language).format(catalogue(language)[code], **values)


def text(code: str, **values) -> dict:
    """A sentence kept as data (catalogue code and values), to be rendered in any language; JSON-ready."""
    return {"code": code, "values": values}


def render(sentence: Mapping, language: str = DEFAULT_LANGUAGE) -> str:
    """A sentence made by :func:`text`, in `language`."""
    return message(sentence["code"], language, **sentence["values"])


def localized(reason, language: str):
    """The same Reason with its `detail` in `language` (code and values stay as they are)."""
    return dataclasses.replace(reason, detail=message(reason.code, language, **reason.values))


def locale_language(environ: Mapping[str, str] = os.environ) -> tuple[str, str | None]:
    """The language the environment asks for, and the variable that decided it (None: nothing set).

    Dutch for any Dutch locale (nl_BE, nl_NL, nl), English otherwise.
    """
    for variable in LOCALE_VARIABLES:
        value = environ.get(variable, "")
        if value:
            return ("nl" if value.lower().startswith("nl") else "en"), f"{variable}={value}"
    return DEFAULT_LANGUAGE, None


class Problem(Exception):
    """An error a person reads: catalogue entry `code` filled with `values`. str() gives the English sentence
    (logs, tracebacks); :func:`explained` gives it in the reader's language."""

    def __init__(self, code: str, **values):
        super().__init__(message(code, DEFAULT_LANGUAGE, **values))
        self.code = code
        self.values = values

    def __reduce__(self):
        # Worker processes send errors to the parent by pickling; the default would call __init__(sentence).
        return _rebuild_problem, (type(self), self.code, self.values)


def _rebuild_problem(kind: type, code: str, values: dict) -> Problem:
    return kind(code, **values)


def error_sentence(analysis) -> dict | str:
    """Why a photo could not be read, as a sentence for any language (:func:`text`), or the English `error` when
    the reason has no catalogue code (an unexpected failure); either fills a message template."""
    return text(analysis.error_code, **analysis.error_values) if analysis.error_code else analysis.error or ""


def photo_error(analysis, language: str) -> str:
    """Why a photo could not be read, in `language`."""
    sentence = error_sentence(analysis)
    return render(sentence, language) if isinstance(sentence, Mapping) else sentence


def explained(error: BaseException, language: str) -> str:
    """The error's sentence in `language`; an error raised with plain text (a technical one) keeps its own words."""
    return message(error.code, language, **error.values) if isinstance(error, Problem) else str(error)
