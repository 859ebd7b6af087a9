"""Stage 2 entry point: every judge applied to one analysed photo, then the verdict.

Judging reads no file: what it needs beyond the analysis and the settings (the uniform profile, the taught
classifiers) is read once per run by :func:`judging_context` and passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from photocheck.config import Config
from photocheck.judges import taught
from photocheck.judges.consent import consent_matches, too_small_to_check
from photocheck.judges.faces import judge_faces, smile_summary, too_wide
from photocheck.judges.flags import judge_flags
from photocheck.judges.people import count_people
from photocheck.judges.quality import judge_quality
from photocheck.judges.uniform import judge_uniform
from photocheck.judges.verdict import apply_verdict
from photocheck.records.analysis import PhotoAnalysis
from photocheck.records.judgement import Judgement
from photocheck.uniforms import UniformProfile, load_profile


@dataclass(frozen=True)
class JudgingContext:
    """The files judging depends on, read: the uniform profile of `[uniform] profile` and the taught classifiers."""

    uniform_profile: UniformProfile
    taught_classifiers: tuple[taught.TaughtClassifier, ...]


def judging_context(config: Config) -> JudgingContext:
    """Read the uniform profile (the user's or a built-in one) and every taught classifier of the user's folder."""
    return JudgingContext(load_profile(config.uniform.profile), tuple(taught.load_all()))


def judge(analysis: PhotoAnalysis, config: Config, context: JudgingContext) -> Judgement | None:
    """The policy's view of a photo; None for a photo that could not be read."""
    if not analysis.ok:
        return None
    judgement = Judgement(people=count_people(analysis.faces, analysis.persons, config.people))
    judgement.face_judgements = judge_faces(analysis, config)
    judgement.smiling = smile_summary(judgement.face_judgements)
    judgement.too_wide = too_wide(judgement.people, judgement.face_judgements, config.recognisable)
    judgement.quality = judge_quality(analysis, config.quality)
    judgement.flags, judgement.not_checked = judge_flags(
        analysis, config.flags, context.taught_classifiers, config.output.language
    )
    judgement.consent = consent_matches(analysis, config.listed_children, config.consent)
    judgement.faces_too_small_to_check = too_small_to_check(analysis, judgement.face_judgements)
    judgement.uniform = judge_uniform(analysis.torsos, context.uniform_profile, config.uniform)
    return apply_verdict(judgement, analysis, config.verdict, config.output.language)
