"""Command line: parse, call the stages, render. Domain errors become exit codes only here."""

from __future__ import annotations

import sys
import traceback
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from photocheck import consent, flow
from photocheck.atomic import write_atomic
from photocheck.cache import default_cache_dir
from photocheck.config import Config, ConfigError
from photocheck.config_files import candidate_files, describe, effective_config, starter_file, user_config_file
from photocheck.i18n import explained, locale_language, message, term
from photocheck.models.base import ModelFileError
from photocheck.outputs import json_output, terminal, terminal_selection
from photocheck.paths import dropped_path
from photocheck.records.judgement import ScanResult
from photocheck.scan import scan as run_scan
from photocheck.teach import TeachError
from photocheck.teach import teach as run_teach
from photocheck.uniform_calibration import CalibrationError, calibrate
from photocheck.uniforms import config_with_profile

EXIT_NOTHING_READ = 1
EXIT_SETUP = 3

app = typer.Typer(
    add_completion=False, no_args_is_help=True,
    help="Screen event photos against the photo policy. Drop a folder on it (photocheck FOLDER) to check it all at "
    "once: report and JSON go to FOLDER-photocheck beside it. / Sleep een map op photocheck om ze na te kijken.",
)

ConfigOption = typer.Option(None, "--config", help="TOML file overriding settings (see photocheck/data/defaults.toml).")
ProfileOption = typer.Option(
    None, "--profile", help="Uniform profile: ksa (default), chiro, scouts, klj, or one made with calibrate-uniform."
)
NoCacheOption = typer.Option(
    False, "--no-cache", help="Analyse every photo again instead of reusing earlier analyses (the cache is not touched)."
)
NoCloseLookOption = typer.Option(
    False, "--no-close-look",
    help="Skip the close look: the picks are not read again with the larger text detector ([selection] close_look_text_side).",
)


class Language(str, Enum):
    nl = "nl"
    en = "en"


LangOption = typer.Option(None, "--lang", help="Language of the output: nl or en (default: the environment's locale).")
# The after-event flow; `photocheck FOLDER` runs it (see main).
FLOW_COMMAND = "check"
# Exit codes of the flow's errors: 1 nothing to read, 2 a path the person must change, 3 a broken set-up.
FLOW_EXIT = {
    "error.no_photos": 1, "error.none_readable": 1, "error.does_not_exist": 2, "error.output_not_writable": 2,
    "error.scan_file": EXIT_SETUP,
}


@app.callback()
def _commands() -> None:
    """Screen event photos against the photo policy."""


def _fail(message: str, code: int) -> None:
    typer.echo(f"photocheck: {message}", err=True)
    raise typer.Exit(code)


def _language(lang: Language | None) -> str:
    """The language for messages before the settings are read: --lang, else the environment's locale."""
    return lang.value if lang is not None else locale_language()[0]


def _command_names() -> list[str]:
    commands = [command.name or command.callback.__name__.replace("_", "-") for command in app.registered_commands]
    return commands + [group.name for group in app.registered_groups]


def _commands_list() -> str:
    return ", ".join(_command_names())


def _settings_for_existing(target: Path, config_file: Path | None, lang: Language | None) -> Config:
    """The settings for a folder or photo that must exist (usage error, exit 2, when it does not)."""
    if not target.exists():
        _fail(message("error.does_not_exist", _language(lang), path=target, commands=_commands_list()), 2)
    return _settings(target, config_file, lang)


def _settings(target: Path | None, config_file: Path | None, lang: Language | None) -> Config:
    """Defaults < user config folder < the photo folder's parent < --config, in the language of --lang or the locale."""
    try:
        return effective_config(target, config_file, lang.value if lang is not None else None)[0]
    except ConfigError as exc:
        _fail(message("error.config", _language(lang), detail=explained(exc, _language(lang))), EXIT_SETUP)


def _settings_for_files(files: list[Path], config_file: Path | None, lang: Language | None) -> Config:
    """The settings for photos given one by one, each of which must be a file (usage error, exit 2, when not)."""
    for file in files:
        if not file.is_file():
            _fail(message("error.not_a_file", _language(lang), path=file), 2)
    return _settings(files[0], config_file, lang)


@contextmanager
def _setup_errors(language: str) -> Iterator[None]:
    """A broken set-up (invalid settings, missing or damaged model file) ends the command with one sentence."""
    try:
        yield
    except ConfigError as exc:
        _fail(message("error.config", language, detail=explained(exc, language)), EXIT_SETUP)
    except ModelFileError as exc:
        _fail(message("error.model_file", language, detail=explained(exc, language)), EXIT_SETUP)


def _with_consent(config: Config, target: Path, cache: Path | None) -> Config:
    """`config` with the children of the consent list and of the consent folders of `target`; each refused reference
    photo of a folder is said on stderr."""
    language = config.output.language
    with _setup_errors(language):
        try:
            config, refusals = consent.with_listed_children(config, target, cache)
        except consent.ConsentError as exc:
            _fail(explained(exc, language), EXIT_SETUP)
    for refusal in refusals:
        typer.echo(message("consent.refused", language, detail=explained(refusal.error, language)), err=True)
    return config


def _cache_dir(no_cache: bool) -> Path | None:
    """The analysis cache's folder, or None with --no-cache."""
    return None if no_cache else default_cache_dir()


def _settings_with_consent(
    target: Path, config_file: Path | None, lang: Language | None, no_cache: bool
) -> tuple[Config, Path | None]:
    """The settings for a folder or photo that must exist, with its consent list, and the analysis cache's folder."""
    config = _settings_for_existing(target, config_file, lang)
    cache = _cache_dir(no_cache)
    return _with_consent(config, target, cache), cache


def _consent_lines(result: ScanResult, config: Config) -> list[str]:
    """With a consent list: who is on it, how many photos show them, and how many have faces too small to check."""
    children = config.listed_children
    if not children:
        return []
    language = config.output.language
    judgements = [photo.judgement for photo in result.photos if photo.judgement is not None]
    listed = sum(1 for j in judgements if any(match.strong for match in j.consent))
    maybe = sum(1 for j in judgements if j.consent and not any(match.strong for match in j.consent))
    names = ", ".join(child.name for child in children)
    lines = [message("flow.consent", language, count=len(children), names=names, listed=listed, maybe=maybe)]
    too_small = sum(1 for j in judgements if j.faces_too_small_to_check)
    if too_small:
        lines.append(message("flow.too_small", language, count=too_small))
    return lines


def _scan_or_fail(target: Path, config: Config, profile: str | None = None, **options) -> ScanResult:
    with _setup_errors(config.output.language):
        return run_scan(target, config_with_profile(config, profile), **options)


def _progress(language: str) -> terminal.ProgressLine:
    return terminal.ProgressLine(label=message("progress.scanning", language))


def _write_json(json_path: str | None, text: str) -> bool:
    """Write the JSON to PATH (atomically) or to stdout for '-'; True when stdout is taken by it."""
    if json_path == "-":
        sys.stdout.write(text)
        return True
    if json_path:
        write_atomic(Path(json_path), text)
    return False


@app.command()
def scan(
    target: Path = typer.Argument(..., help="A folder of photos (searched recursively) or a single photo."),
    json_path: Optional[str] = typer.Option(None, "--json", help="Write the full result as JSON to PATH, or '-' for stdout."),
    config_file: Optional[Path] = ConfigOption,
    workers: int = typer.Option(
        0, "--workers", min=0, help="Worker processes; 0 = one per core (at most [workers] max_default)."
    ),
    no_cache: bool = NoCacheOption,
    profile: Optional[str] = ProfileOption,
    lang: Optional[Language] = LangOption,
) -> None:
    """Analyse every photo under TARGET and print a summary."""
    config, cache = _settings_with_consent(target, config_file, lang, no_cache)
    language = config.output.language
    result = _scan_or_fail(target, config, profile, progress=_progress(language), workers=workers, cache=cache)

    to_stdout = _write_json(json_path, json_output.dumps(result))
    typer.echo(terminal.summary(result, language), err=to_stdout, nl=False)
    for line in _consent_lines(result, config):
        typer.echo(line, err=to_stdout)
    if result.photos and result.readable == 0:
        _fail(message("error.none_readable", language, count=len(result.photos), path=target), EXIT_NOTHING_READ)
    if not result.photos:
        _fail(message("error.no_photos", language, path=target), EXIT_NOTHING_READ)


@app.command()
def explain(
    photo: Path = typer.Argument(..., help="One photo."),
    config_file: Optional[Path] = ConfigOption,
    no_cache: bool = NoCacheOption,
    lang: Optional[Language] = LangOption,
) -> None:
    """Explain in plain words why a photo gets its verdict."""
    if not photo.is_file():
        _fail(message("error.not_a_file", _language(lang), path=photo), 2)
    config, cache = _settings_with_consent(photo, config_file, lang, no_cache)
    result = _scan_or_fail(photo, config, cache=cache)
    typer.echo(terminal.explanation(result.photos[0], config.output.language), nl=False)


@app.command()
def select(
    folder: Path = typer.Argument(..., help="The folder of photos (searched recursively)."),
    top: Optional[int] = typer.Option(None, "--top", min=1, help="Recommend at most N photos overall."),
    per_day: Optional[int] = typer.Option(None, "--per-day", min=1, help="Recommend at most K photos per capture day."),
    scan_file: Optional[Path] = typer.Option(
        None, "--from", help="Reuse a scan written by 'scan --json' (re-judged with the current settings; only the close look runs models)."
    ),
    json_path: Optional[str] = typer.Option(None, "--json", help="Write scan, groups and selection as JSON to PATH, or '-'."),
    export_dir: Optional[Path] = typer.Option(None, "--export", help="Copy the picks here, location data removed."),
    blur_refused: bool = typer.Option(
        False, "--blur-refused",
        help="Let photos showing a child on the consent list be picked; --export pixelates those faces (re-encoded).",
    ),
    xmp: bool = typer.Option(False, "--xmp", help="Write photo.jpg.xmp sidecars (rating, colour label, keywords)."),
    report_path: Optional[Path] = typer.Option(None, "--report", help="Write a self-contained HTML report."),
    config_file: Optional[Path] = ConfigOption,
    no_cache: bool = NoCacheOption,
    no_close_look: bool = NoCloseLookOption,
    lang: Optional[Language] = LangOption,
) -> None:
    """Group similar photos, recommend a set to post in story order, and hand it over."""
    config, cache = _settings_with_consent(folder, config_file, lang, no_cache)
    language = config.output.language
    handover = flow.Handover(report=report_path, export_dir=export_dir, xmp=xmp, blur_refused=blur_refused)
    try:
        result, selection = flow.screen(
            folder, config, scan_file=scan_file, top=top, per_day=per_day, close_look=not no_close_look,
            allow_listed=blur_refused, cache=cache, progress=_progress(language),
        )
        to_stdout = _write_json(json_path, json_output.dumps(result, selection))
        handed = flow.hand_over(result, selection, folder, config, handover)
    except Exception as exc:  # every error becomes one sentence
        _fail(*_flow_error(exc, language))
    typer.echo(terminal_selection.summary(result, selection, language), err=to_stdout, nl=False)
    for line in _consent_lines(result, config):
        typer.echo(line, err=to_stdout)
    if handed.report is not None:
        typer.echo(message("flow.report", language, path=handed.report), err=to_stdout)
    for outcome in handed.exported:
        typer.echo(message("export.outcome", language, path=outcome.path, detail=outcome.detail), err=to_stdout)
    if xmp:
        for outcome in handed.sidecars:
            if outcome.status != "written":
                typer.echo(message("xmp.outcome", language, path=outcome.path, detail=outcome.detail), err=to_stdout)
        written = sum(1 for outcome in handed.sidecars if outcome.status == "written")
        typer.echo(message("xmp.count", language, count=written), err=to_stdout)


@app.command()
def teach(
    kind: str = typer.Argument(..., help="The red-flag kind to learn, e.g. tobacco or food_fight."),
    positive: list[Path] = typer.Option(
        ..., "--positive", help="Folder of photos that show it (repeatable; every sub-folder counts as a source)."
    ),
    negative: list[Path] = typer.Option(
        ..., "--negative",
        help="Folder of photos that do not, ideally your own events (repeatable; one sub-folder per event is best).",
    ),
    config_file: Optional[Path] = ConfigOption,
    no_cache: bool = NoCacheOption,
    lang: Optional[Language] = LangOption,
) -> None:
    """Learn a red-flag KIND from example photos; every later scan checks it."""
    for folder in (*positive, *negative):
        if not folder.is_dir():
            _fail(message("error.not_a_folder", _language(lang), path=folder), 2)
    config = _settings(positive[0], config_file, lang)
    language = config.output.language
    with _setup_errors(language):
        try:
            result = run_teach(
                kind, positive, negative, config, progress=_progress(language),
                cache=_cache_dir(no_cache),
            )
        except TeachError as exc:
            _fail(explained(exc, language), 2)
    info = result.classifier.info
    typer.echo(message(
        "teach.sources", language, positives=info["positives"], positive_sources=info["positive_sources"],
        negatives=info["negatives"], negative_sources=info["negative_sources"], built_in=info["built_in_negatives"],
        folds=info["folds"],
    ))
    typer.echo(message(
        "teach.learnt", language, kind=kind, positives=info["positives"], negatives=info["negatives"],
        recall=f"{info['cross_validated_recall']:.2f}",
        false_positive_rate=f"{info['cross_validated_false_positive_rate']:.3f}",
        rate=f"{info['weak_false_positive_rate']:.2f}", budget=f"{config.teach.weak_false_positive_budget:.3f}",
    ))
    for code in info["warnings"]:
        typer.echo(message(f"teach.warning.{code}", language, minimum_negatives=config.teach.min_negatives,
                           minimum_sources=config.teach.min_negative_sources), err=True)
    typer.echo(message("teach.stored", language, path=result.path))
    for path in result.unreadable:
        typer.echo(message("teach.skipped", language, path=path), err=True)


@app.command("calibrate-uniform")
def calibrate_uniform(
    name: str = typer.Argument(..., help="Profile name (lower case), later used as --profile NAME."),
    images: list[Path] = typer.Argument(..., help="A few photos of people wearing the uniform, faces in view."),
    config_file: Optional[Path] = ConfigOption,
    lang: Optional[Language] = LangOption,
) -> None:
    """Learn a uniform profile from photos of people wearing it; saved in the user's config folder."""
    config = _settings_for_files(images, config_file, lang)
    language = config.output.language
    with _setup_errors(language):
        try:
            profile, path = calibrate(name, images, config)
        except CalibrationError as exc:
            _fail(explained(exc, language), 2)
    typer.echo(message(
        "calibrate.learnt", language, name=profile.name, shirts=len(profile.shirt), neckerchiefs=len(profile.neckerchief)
    ))
    typer.echo(message("calibrate.stored", language, path=path))


@app.command(FLOW_COMMAND)
def check(
    target: str = typer.Argument(..., help="The folder of photos (or one photo); what `photocheck FOLDER` runs."),
    out: Optional[Path] = typer.Option(
        None, "--out", help="Output folder (default: FOLDER-photocheck beside the photo folder)."
    ),
    open_report: bool = typer.Option(False, "--open", help="Open the report in the default browser."),
    lang: Optional[Language] = LangOption,
    config_file: Optional[Path] = ConfigOption,
    profile: Optional[str] = ProfileOption,
    no_cache: bool = NoCacheOption,
    no_close_look: bool = NoCloseLookOption,
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of an error."),
) -> None:
    """The whole after-event flow: scan, judge, select, write the HTML report and JSON, print a short summary."""
    language = _language(lang)
    try:
        photos = dropped_path(target)
        config = config_with_profile(effective_config(photos, config_file, lang.value if lang else None)[0], profile)
        language = config.output.language
        cache = _cache_dir(no_cache)
        config = _with_consent(config, photos, cache) if photos.exists() else config
        outcome = flow.run(photos, config, out, progress=_progress(language), cache=cache, close_look=not no_close_look)
    except Exception as exc:  # every error becomes one sentence; the traceback only on request
        if debug:
            traceback.print_exc()
        _fail(*_flow_error(exc, language))
    typer.echo(_flow_summary(outcome, config), nl=False)
    if open_report:
        typer.echo(message("flow.opening", language), err=True)
        webbrowser.open(outcome.report.resolve().as_uri())


def _flow_error(exc: Exception, language: str) -> tuple[str, int]:
    if isinstance(exc, flow.FlowError):
        values = dict(exc.values, commands=_commands_list()) if exc.code == "error.does_not_exist" else exc.values
        return message(exc.code, language, **values), FLOW_EXIT[exc.code]
    if isinstance(exc, ModelFileError):
        return message("error.model_file", language, detail=explained(exc, language)), EXIT_SETUP
    if isinstance(exc, ConfigError):
        return message("error.config", language, detail=explained(exc, language)), EXIT_SETUP
    return message("error.unexpected", language, detail=f"{type(exc).__name__}: {exc}"), EXIT_SETUP


def _flow_summary(outcome: flow.FlowOutcome, config: Config) -> str:
    language = config.output.language
    lines = [
        message(
            "flow.summary", language, photos=len(outcome.result.photos), recommended=len(outcome.selection.picks),
            flagged=outcome.flagged, unreadable=outcome.unreadable,
        )
    ]
    if outcome.not_checked:
        kinds = ", ".join(term("flag_kind", kind, language) for kind in outcome.not_checked)
        lines.append(message("flow.not_checked", language, kinds=kinds))
    lines += _consent_lines(outcome.result, config)
    seen = outcome.selection.coverage
    if seen is not None and seen.people:
        lines.append(message("report.coverage", language, shown=seen.shown, people=seen.people))
    close_look_note = terminal_selection.failure_note(outcome.selection, language)
    if close_look_note:
        lines.append(close_look_note)
    lines.append(message("flow.report", language, path=outcome.report))
    lines.append(message("flow.json", language, path=outcome.json))
    return "\n".join(lines) + "\n"


consent_app = typer.Typer(
    no_args_is_help=True,
    help="The consent list: children whose parents said no to photos. Only face descriptors are kept, in the user's "
    "config folder. / De lijst zonder toestemming.",
)
app.add_typer(consent_app, name="consent")


@consent_app.command("add")
def consent_add(
    name: str = typer.Argument(..., help="The child's name as the report should show it."),
    photos: list[Path] = typer.Argument(..., help="1 to 5 photos of the child: one face, or the child's face clearly the largest."),
    config_file: Optional[Path] = ConfigOption,
    no_cache: bool = NoCacheOption,
    lang: Optional[Language] = LangOption,
) -> None:
    """Put a child on the consent list (again: the new photos replace the old ones)."""
    config = _settings_for_files(photos, config_file, lang)
    language = config.output.language
    path = consent.consent_file()
    with _setup_errors(language):
        try:
            count, refusals = consent.add(name, photos, config, _cache_dir(no_cache), path)
        except consent.ConsentError as exc:
            _fail(explained(exc, language), 2)
    for refusal in refusals:
        typer.echo(message("consent.refused", language, detail=explained(refusal.error, language)), err=True)
    if not count:
        _fail(message("consent.nothing_added", language, name=name), 2)
    typer.echo(message("consent.added", language, name=name.strip(), count=count, path=path))


@consent_app.command("list")
def consent_list(lang: Optional[Language] = LangOption) -> None:
    """Show who is on the consent list."""
    language = _settings(None, None, lang).output.language
    try:
        children = consent.load_list(consent.consent_file())
    except consent.ConsentError as exc:
        _fail(explained(exc, language), EXIT_SETUP)
    if not children:
        typer.echo(message("consent.empty", language))
    for name, descriptors in sorted(children.items()):
        typer.echo(message("consent.entry", language, name=name, count=len(descriptors)))


@consent_app.command("remove")
def consent_remove(
    name: str = typer.Argument(..., help="The name as `consent list` shows it."),
    lang: Optional[Language] = LangOption,
) -> None:
    """Take a child off the consent list."""
    language = _settings(None, None, lang).output.language
    try:
        consent.remove(name, consent.consent_file())
    except consent.ConsentError as exc:
        _fail(explained(exc, language), 2)
    typer.echo(message("consent.removed", language, name=name))


@app.command("config")
def show_config(
    target: Optional[Path] = typer.Argument(
        None, help="A photo folder: show its settings. With --init: the file to write (default: user config folder)."
    ),
    init: bool = typer.Option(False, "--init", help="Write a commented settings file with every default."),
    lang: Optional[Language] = LangOption,
    config_file: Optional[Path] = ConfigOption,
) -> None:
    """Print the effective settings and where each came from, or write a starter settings file (--init)."""
    if init:
        language = _language(lang)
        path = target or user_config_file()
        if path.is_dir():
            path = path / "photocheck.toml"
        if path.exists():
            _fail(message("error.config_exists", language, path=path), 2)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, starter_file(language))
        except OSError as exc:
            _fail(message("error.output_not_writable", language, path=path.parent, reason=exc.strerror or exc), 2)
        typer.echo(message("config.written", language, path=path))
        return
    folder = dropped_path(str(target)) if target is not None else None
    try:
        config, files = effective_config(folder, config_file, lang.value if lang else None)
    except ConfigError as exc:
        _fail(message("error.config", _language(lang), detail=explained(exc, _language(lang))), EXIT_SETUP)
    typer.echo(describe(config, files, candidate_files(folder), folder), nl=False)


def command_line(arguments: list[str]) -> list[str]:
    """The arguments with the flow command put in front when the first word is not a command (a dropped folder)."""
    commands = set(_command_names())
    for argument in arguments:
        if argument.startswith("-"):
            continue
        return arguments if argument in commands else [FLOW_COMMAND, *arguments]
    return arguments


def main(arguments: list[str] | None = None) -> None:
    # A file name that is not valid UTF-8 must print (as \udcXX escapes), not crash the run after the analysis.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    app(args=command_line(list(sys.argv[1:] if arguments is None else arguments)), prog_name="photocheck")
