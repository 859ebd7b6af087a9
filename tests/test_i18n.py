"""Message catalogues (nl, en), the language choice, reasons in the leader's words, and findable config files."""

from __future__ import annotations

import string
import sys

import pytest
from typer.testing import CliRunner

from photocheck.analysis.pipeline import Analyzer
from photocheck.cli import app
from photocheck.config import ConfigError, default_config, load_config
from photocheck.config_files import (
    comment_translations,
    defaults_lines,
    effective_config,
    starter_file,
    user_config_file,
)
from photocheck.i18n import LANGUAGES, catalogue, locale_language, message
from photocheck.judges.policy import judge, judging_context
from tests.conftest import SAMPLES

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover
    pass


def _fields(template: str) -> set[tuple[str, str]]:
    return {(name, spec) for _, name, spec, _ in string.Formatter().parse(template) if name is not None}


def test_catalogues_have_the_same_keys_and_placeholders():
    english, dutch = catalogue("en"), catalogue("nl")
    assert sorted(english) == sorted(dutch)
    for key, template in english.items():
        assert _fields(template) == _fields(dutch[key]), key
    assert all(dutch[key] for key in dutch)


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({"LANG": "nl_BE.UTF-8"}, ("nl", "LANG=nl_BE.UTF-8")),
        ({"LANG": "nl_NL"}, ("nl", "LANG=nl_NL")),
        ({"LC_MESSAGES": "nl_BE.UTF-8", "LANG": "en_GB.UTF-8"}, ("nl", "LC_MESSAGES=nl_BE.UTF-8")),
        ({"LC_ALL": "C.UTF-8", "LANG": "nl_BE.UTF-8"}, ("en", "LC_ALL=C.UTF-8")),
        ({"LC_ALL": "", "LANG": "fr_BE.UTF-8"}, ("en", "LANG=fr_BE.UTF-8")),
        ({}, ("en", None)),
    ],
)
def test_locale_picks_dutch_for_dutch_and_flemish_locales(environ, expected):
    assert locale_language(environ) == expected


def test_flag_kinds_are_named_in_the_policy_words():
    text = message("reason.flag.strong", "nl", kind="advertising", detail="Jupiler", confidence=0.9)
    assert text.startswith("Rode vlag, duidelijke reclame op de achtergrond: Jupiler")
    assert message("reason.flag.weak", "nl", kind="litter", detail="x", confidence=0.3).startswith("Mogelijk overmatig zwerfvuil")
    assert message("reason.flag.weak", "en", kind="water_fight", detail="x", confidence=0.3).startswith("Possible water fight")


def test_reasons_keep_their_codes_and_say_the_detail_in_the_chosen_language(analyzer: Analyzer):
    analysis = analyzer.analyse(SAMPLES / "astronaut.jpg", "astronaut.jpg")
    context = judging_context(default_config())
    english = judge(analysis, default_config(), context)
    dutch = judge(analysis, default_config().with_overrides({"output": {"language": "nl"}}, "test"), context)
    assert [(r.policy, r.code, r.effect, r.values) for r in english.reasons] == [
        (r.policy, r.code, r.effect, r.values) for r in dutch.reasons
    ]
    assert (english.score, english.verdict) == (dutch.score, dutch.verdict)
    single = {r.code: r.detail for r in dutch.reasons}["reason.group.single"]
    assert single == "Maar één persoon: bij voorkeur geen individuele foto's, wel groepsfoto's."
    assert {r.code: r.detail for r in english.reasons}["reason.group.single"].startswith("One person only")


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_config_files_are_found_and_later_ones_win(tmp_path):
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "LANG": "nl_BE.UTF-8"}
    photos = tmp_path / "events" / "Kamp"
    photos.mkdir(parents=True)
    user = _write(user_config_file(environ), "[selection]\ndefault_top = 7\nburst_seconds = 5.0\n")
    parent = _write(tmp_path / "events" / "photocheck.toml", "[selection]\ndefault_top = 5\n")
    explicit = _write(tmp_path / "mine.toml", "[verdict]\npost_min = 70.0\n")

    config, files = effective_config(photos, explicit, environ=environ)
    assert files == [user, parent, explicit]
    assert (config.selection.default_top, config.selection.burst_seconds, config.verdict.post_min) == (5, 5.0, 70.0)
    assert config.origin("selection.default_top") == str(parent)
    assert config.origin("selection.burst_seconds") == str(user)
    assert config.origin("verdict.maybe_min") == "defaults"
    assert (config.output.language, config.origin("output.language")) == ("nl", "LANG=nl_BE.UTF-8")

    _write(parent, '[output]\nlanguage = "en"\n')
    config, _ = effective_config(photos / "IMG_1.jpg", environ=environ)  # a single photo: same parent folder
    assert (config.output.language, config.origin("output.language")) == ("en", str(parent))
    config, _ = effective_config(photos, language="nl", environ=environ)
    assert (config.output.language, config.origin("output.language")) == ("nl", "--lang")

    _write(parent, '[output]\nlanguage = "fr"\n')
    with pytest.raises(ConfigError, match="unknown language 'fr'"):
        effective_config(photos, environ=environ)


def test_config_command_prints_each_setting_with_its_origin(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    photos = tmp_path / "events" / "Kamp"
    photos.mkdir(parents=True)
    parent = _write(tmp_path / "events" / "photocheck.toml", "[selection]\ndefault_top = 5\n")
    run = CliRunner().invoke(app, ["config", str(photos), "--lang", "en"])
    assert run.exit_code == 0, run.output
    assert f"default_top = 5  # from {parent}" in run.stdout.splitlines()
    assert "post_min = 65.0  # from defaults" in run.stdout.splitlines()
    assert 'language = "en"  # from --lang' in run.stdout.splitlines()


@pytest.mark.parametrize("language", LANGUAGES)
def test_starter_file_changes_nothing_until_a_line_is_uncommented(tmp_path, language):
    text = starter_file(language, {"XDG_CONFIG_HOME": str(tmp_path)})
    path = _write(tmp_path / "photocheck.toml", text)
    assert load_config(path).values == default_config().values
    assert "#post_min = 65.0" in text.splitlines()
    _write(path, text.replace("#post_min = 65.0", "post_min = 60.0"))
    assert load_config(path).verdict.post_min == 60.0


def test_dutch_starter_file_translates_every_comment_of_defaults(tmp_path):
    defaults = (SAMPLES.parent / "photocheck" / "data" / "defaults.toml").read_text(encoding="utf-8")
    anchors = {anchor for kind, anchor, _ in defaults_lines(defaults) if kind == "comment" and anchor}
    translated = set(comment_translations("nl"))
    assert not translated - anchors, "translations for settings that no longer exist"
    assert not anchors - translated, "add the Dutch comment to photocheck/data/defaults_comments_nl.toml"
    run = CliRunner().invoke(app, ["config", "--init", str(tmp_path / "nieuw.toml"), "--lang", "nl"])
    assert run.exit_code == 0, run.output
    text = (tmp_path / "nieuw.toml").read_text(encoding="utf-8")
    assert text.startswith("# Instellingen van photocheck.") and "#KSAinbeeld" in text
    again = CliRunner().invoke(app, ["config", "--init", str(tmp_path / "nieuw.toml"), "--lang", "nl"])
    assert again.exit_code == 2 and "bestaat al" in again.stderr


def test_teach_reads_the_config_file_beside_the_photos_and_speaks_its_language(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    (tmp_path / "with").mkdir()
    (tmp_path / "without").mkdir()
    (tmp_path / "photocheck.toml").write_text('[output]\nlanguage = "nl"\n', encoding="utf-8")
    arguments = ["teach", "tobacco", "--positive", str(tmp_path / "with"), "--negative", str(tmp_path / "without")]
    result = CliRunner().invoke(app, [*arguments, "--no-cache"])
    assert result.exit_code == 2
    assert result.output.strip() == "photocheck: Er zijn minstens 2 leesbare foto's per map nodig; er zijn er 0 met en 0 zonder."
    english = CliRunner().invoke(app, [*arguments, "--no-cache", "--lang", "en"])
    assert "Need at least 2 readable photos in each folder" in english.output
