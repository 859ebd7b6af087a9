"""Blur and exposure of the subject (faces, else people, else the whole frame: see image_stats.quality)."""

from __future__ import annotations

from photocheck.config import Section
from photocheck.records.analysis import PhotoAnalysis
from photocheck.records.judgement import QualityJudgement


def judge_quality(analysis: PhotoAnalysis, settings: Section) -> QualityJudgement | None:
    measured = analysis.quality
    if measured is None:
        return None
    return QualityJudgement(
        blurry=measured.sharpness < settings.min_sharpness,
        too_dark=measured.exposure < settings.min_exposure or measured.dark_fraction > settings.max_dark_fraction,
        too_bright=measured.exposure > settings.max_exposure or measured.bright_fraction > settings.max_bright_fraction,
    )
