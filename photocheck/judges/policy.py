"""Stage 2 entry point: every judge applied to one analysed photo, then the verdict."""

from __future__ import annotations

from photocheck.config import Config
from photocheck.judges.people import count_people
from photocheck.judges.verdict import apply_verdict
from photocheck.results import Judgement, PhotoAnalysis


def judge(analysis: PhotoAnalysis, config: Config) -> Judgement | None:
    """The policy's view of a photo; None for a photo that could not be read."""
    if not analysis.ok:
        return None
    judgement = Judgement(people=count_people(analysis.faces, analysis.persons, config.people))
    return apply_verdict(judgement, analysis, config.verdict)
