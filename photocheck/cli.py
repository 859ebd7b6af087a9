"""Command line: parse, call the stages, render. Domain errors become exit codes only here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from photocheck.config import ConfigError, load_config
from photocheck.models.base import ModelFileError
from photocheck.outputs import json_output, terminal
from photocheck.outputs.atomic import write_atomic
from photocheck.scan import ScanResult
from photocheck.scan import scan as run_scan

EXIT_NOTHING_READ = 1
EXIT_SETUP = 3

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Screen event photos against the photo policy.")

ConfigOption = typer.Option(None, "--config", help="TOML file overriding settings (see photocheck/data/defaults.toml).")


@app.callback()
def _commands() -> None:
    """Screen event photos against the photo policy."""


def _fail(message: str, code: int) -> None:
    typer.echo(f"photocheck: {message}", err=True)
    raise typer.Exit(code)


def _scan_or_fail(target: Path, config_file: Path | None, **options) -> ScanResult:
    try:
        return run_scan(target, load_config(config_file), **options)
    except (ConfigError, ModelFileError) as exc:
        _fail(str(exc), EXIT_SETUP)


@app.command()
def scan(
    target: Path = typer.Argument(..., help="A folder of photos (searched recursively) or a single photo."),
    json_path: Optional[str] = typer.Option(None, "--json", help="Write the full result as JSON to PATH, or '-' for stdout."),
    config_file: Optional[Path] = ConfigOption,
) -> None:
    """Analyse every photo under TARGET and print a summary."""
    if not target.exists():
        _fail(f"{target} does not exist", 2)
    result = _scan_or_fail(target, config_file, progress=terminal.ProgressLine())

    to_stdout = json_path == "-"
    if to_stdout:
        sys.stdout.write(json_output.dumps(result))
    elif json_path:
        write_atomic(Path(json_path), json_output.dumps(result))
    typer.echo(terminal.summary(result), err=to_stdout, nl=False)
    if result.photos and result.readable == 0:
        _fail("none of the files could be read as a photo", EXIT_NOTHING_READ)
    if not result.photos:
        _fail(f"no photos found in {target}", EXIT_NOTHING_READ)


@app.command()
def explain(
    photo: Path = typer.Argument(..., help="One photo."),
    config_file: Optional[Path] = ConfigOption,
) -> None:
    """Explain in plain words why a photo gets its verdict."""
    if not photo.is_file():
        _fail(f"{photo} is not a file", 2)
    result = _scan_or_fail(photo, config_file)
    typer.echo(terminal.explanation(result.photos[0]), nl=False)


def main() -> None:
    app()
