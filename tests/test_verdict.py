"""Score, verdict and reasons: each reason names a policy point; config overrides change the verdict."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from photocheck.cli import app
from photocheck.config import ConfigError
from photocheck.judges.flags import evidence
from photocheck.judges.policy import judge, judging_context
from photocheck.records.analysis import Box, Face, PhotoAnalysis, Quality
from photocheck.records.judgement import Flag
from tests.conftest import SAMPLES

POLICY_POINTS = {"group", "smiles", "recognisable", "eyes", "uniform", "quality",
                 "alcohol", "advertising", "litter", "tobacco"}


def _analysis(faces: int, smile: float = 0.9) -> PhotoAnalysis:
    return PhotoAnalysis(
        path="constructed.jpg", ok=True, width=2000, height=1500,
        faces=[
            Face(box=Box(100 + 300 * i, 300, 300 + 300 * i, 550), score=0.9, face_probability=0.99,
                 smile=smile, eye_openness=0.3, sharpness=300.0)
            for i in range(faces)
        ],
        quality=Quality(sharpness=300.0, exposure=0.5, dark_fraction=0.0, bright_fraction=0.0, subject=True),
    )


@pytest.mark.parametrize(("faces", "expected_code"), [
    (0, "reason.group.none"), (1, "reason.group.single"), (3, "reason.group.small_group"), (5, "reason.group.group"),
])
def test_group_reason_names_the_policy_point(config, faces, expected_code):
    judgement = judge(_analysis(faces), config, judging_context(config))
    group = [r for r in judgement.reasons if r.policy == "group"]
    assert [r.code for r in group] == [expected_code]


def test_group_scores_above_single(config):
    context = judging_context(config)
    assert judge(_analysis(5), config, context).score > judge(_analysis(1), config, context).score


def test_strong_flag_means_skip_and_weak_flag_caps_at_maybe(config):
    judgement = judge(_analysis(5), config, judging_context(config))
    assert judgement.verdict == "post"
    from photocheck.judges.verdict import apply_verdict

    seen = [evidence(Box(10, 10, 50, 90), 0.9, "drink_looks_like", object="bottle", names="beer bottle")]
    judgement.flags = [Flag("alcohol", 0.9, True, seen, "bottle that looks like beer bottle")]
    assert apply_verdict(judgement, _analysis(5), config.verdict).verdict == "skip"
    judgement.flags = [Flag("alcohol", 0.4, False, seen, "bottle that looks like beer bottle")]
    weak = apply_verdict(judgement, _analysis(5), config.verdict)
    assert weak.verdict == "maybe"
    assert any(r.policy == "alcohol" and "bottle" in r.detail for r in weak.reasons)


def test_sample_verdict_reasons_name_policy_points(analyzer, config):
    analysis = analyzer.analyse(SAMPLES / "group_three_smiling.jpg", "group_three_smiling.jpg")
    judgement = judge(analysis, config, judging_context(config))
    assert judgement.verdict in {"post", "maybe", "skip"}
    assert 0 <= judgement.score <= 100
    assert judgement.reasons and all(r.policy in POLICY_POINTS and r.detail for r in judgement.reasons)


def test_config_file_override_changes_the_verdict(tmp_path):
    photo = str(SAMPLES / "astronaut.jpg")
    runner = CliRunner()
    verdicts = {}
    for name, post_min, maybe_min in (("strict", 100.0, 99.0), ("lenient", 1.0, 0.5)):
        override = tmp_path / f"{name}.toml"
        override.write_text(f"[verdict]\npost_min = {post_min}\nmaybe_min = {maybe_min}\n", encoding="utf-8")
        result = runner.invoke(app, ["explain", photo, "--config", str(override)])
        assert result.exit_code == 0, result.output
        verdicts[name] = result.output.split(":")[1].split()[0]
    assert verdicts == {"strict": "SKIP", "lenient": "POST"}


def test_unknown_or_mistyped_setting_is_refused(tmp_path, config):
    bad = tmp_path / "bad.toml"
    bad.write_text("[verdict]\npost_minimum = 10.0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="post_minimum"):
        config.with_file(bad)
    bad.write_text("[verdict]\npost_min = 'high'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must be float"):
        config.with_file(bad)


def test_a_renamed_setting_says_its_new_name(tmp_path, config):
    from photocheck.config import RENAMED_SETTINGS

    old = tmp_path / "old.toml"
    for dotted, now in RENAMED_SETTINGS.items():
        table, key = dotted.split(".")
        old.write_text(f"[{table}]\n{key} = 0.03\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=now):
            config.with_file(old)
        assert now.split(".")[1] in config.values[table]  # the new name is a setting


@pytest.mark.parametrize(("score_shift", "expected"), [(0.0, 0.5), (7.5, 0.75), (15.0, 1.0), (40.0, 1.0)])
def test_confidence_grows_with_the_distance_to_the_nearest_threshold(config, score_shift, expected):
    from photocheck.judges.verdict import apply_verdict

    context = judging_context(config)
    settings = config.with_overrides(
        {"verdict": {"base": config.verdict.post_min + score_shift - judge(_analysis(5), config, context).score
                     + config.verdict.base}},
        "test",
    ).verdict
    judgement = apply_verdict(judge(_analysis(5), config, context), _analysis(5), settings)
    assert judgement.confidence == pytest.approx(expected, abs=0.01)
