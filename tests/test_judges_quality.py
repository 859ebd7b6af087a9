"""Quality judgement on constructed measurements and on a really blurred photo."""

from __future__ import annotations

import cv2
import pytest

from photocheck.judges.policy import judge, judging_context
from photocheck.judges.quality import judge_quality
from photocheck.records.analysis import PhotoAnalysis, Quality
from photocheck.records.judgement import QualityJudgement

from .conftest import SAMPLES


def measured(sharpness=500.0, exposure=0.45, dark=0.02, bright=0.01) -> PhotoAnalysis:
    return PhotoAnalysis(path="constructed.jpg", ok=True, width=1600, height=1200,
                         quality=Quality(sharpness, exposure, dark, bright, subject=True))


@pytest.mark.parametrize(
    ("case", "analysis", "expected"),
    [
        ("sharp, well exposed", measured(), QualityJudgement(False, False, False)),
        ("soft subject", measured(sharpness=12.0), QualityJudgement(True, False, False)),
        ("underexposed", measured(exposure=0.08), QualityJudgement(False, True, False)),
        ("mostly black", measured(exposure=0.3, dark=0.7), QualityJudgement(False, True, False)),
        ("overexposed", measured(exposure=0.93), QualityJudgement(False, False, True)),
        ("burnt-out highlights", measured(exposure=0.7, bright=0.6), QualityJudgement(False, False, True)),
    ],
)
def test_quality_judgement(config, case, analysis, expected):
    assert judge_quality(analysis, config.quality) == expected, case


def test_no_measurement_no_judgement(config):
    assert judge_quality(PhotoAnalysis(path="x.jpg", ok=True), config.quality) is None


def test_threshold_comes_from_config(config):
    analysis = measured(sharpness=80.0)
    assert not judge_quality(analysis, config.quality).blurry
    stricter = config.with_overrides({"quality": {"min_sharpness": 120.0}}, "test")
    assert judge_quality(analysis, stricter.quality).blurry


def test_blurring_a_sharp_photo_makes_it_blurry(analyzer, config, tmp_path):
    sharp = judge(analyzer.analyse(SAMPLES / "group_three_smiling.jpg", "sharp.jpg"), config, judging_context(config))
    assert sharp.quality == QualityJudgement(False, False, False)
    image = cv2.imread(str(SAMPLES / "group_three_smiling.jpg"))
    blurred_path = tmp_path / "blurred.jpg"
    cv2.imwrite(str(blurred_path), cv2.GaussianBlur(image, (0, 0), max(image.shape[:2]) / 400))
    blurred = judge(analyzer.analyse(blurred_path, "blurred.jpg"), config, judging_context(config))
    assert blurred.quality.blurry
