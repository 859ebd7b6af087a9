"""Stage 2 entry point: every judge applied to one analysed photo, then the verdict."""

from __future__ import annotations

from photocheck.config import Config
from photocheck.judges.consent import consent_matches, too_small_to_check
from photocheck.judges.faces import judge_faces, smile_summary, too_wide
from photocheck.judges.flags import judge_flags
from photocheck.judges.people import count_people
from photocheck.judges.quality import judge_quality
from photocheck.judges.uniform import judge_uniform
from photocheck.judges.verdict import apply_verdict
from photocheck.records.analysis import PhotoAnalysis
from photocheck.records.judgement import Judgement
from photocheck.uniforms import load_profile


def judge(analysis: PhotoAnalysis, config: Config) -> Judgement | None:
    """The policy's view of a photo; None for a photo that could not be read."""
    if not analysis.ok:
        return None
    judgement = Judgement(people=count_people(analysis.faces, analysis.persons, config.people))
    judgement.face_judgements = judge_faces(analysis, config)
    judgement.smiling = smile_summary(judgement.face_judgements)
    judgement.too_wide = too_wide(judgement.people, judgement.face_judgements, config.recognisable)
    judgement.quality = judge_quality(analysis, config.quality)
    judgement.flags, judgement.not_checked = judge_flags(analysis, config.flags, language=config.output.language)
    judgement.consent = consent_matches(analysis, config.listed_children, config.consent)
    judgement.faces_too_small_to_check = too_small_to_check(analysis, judgement.face_judgements)
    judgement.uniform = judge_uniform(analysis.torsos, load_profile(config.uniform.profile), config.uniform)
    return apply_verdict(judgement, analysis, config.verdict, config.output.language)
