"""Score and verdict: each policy point becomes a Reason that moves the score, with its evidence.

The score starts at `verdict.base`; every reason adds its `effect`. Red flags override the score:
a strong flag means "skip", a weak one caps the verdict at "maybe"; so does a face of a child on the consent list
(skip) or one that could be (maybe).
"""

from __future__ import annotations

from photocheck.config import Section
from photocheck.i18n import DEFAULT_LANGUAGE, localized
from photocheck.judges.flags import detail_text
from photocheck.records.analysis import PhotoAnalysis
from photocheck.records.judgement import Flag, Judgement, Reason


def _reason(policy: str, code: str, effect: float, **values) -> Reason:
    """A verdict's reason, in English until the outputs word it in the user's language; points to one decimal."""
    return Reason.worded(policy, code, round(effect, 1), **values)


def group_reason(judgement: Judgement, points: Section) -> Reason:
    people = judgement.people
    effect = {
        "none": points.group_none,
        "single": points.group_single,
        "small_group": points.group_small,
        "group": points.group,
    }[people.category]
    return _reason("group", f"reason.group.{people.category}", effect, count=people.count)


def smile_reason(judgement: Judgement, points: Section) -> Reason | None:
    smiling = judgement.smiling
    if smiling is None or smiling.fraction is None:
        return None
    judged = sum(1 for face in judgement.face_judgements if face.smiling is not None)
    effect = points.smiles * (2 * smiling.fraction - 1)
    if smiling.count == 0:
        code = "reason.smiles.none"
    elif smiling.fraction >= points.smiles_most_fraction:
        code = "reason.smiles.most"
    else:
        code = "reason.smiles.some"
    return _reason("smiles", code, effect, count=smiling.count, judged=judged)


def recognisable_reason(judgement: Judgement, points: Section) -> Reason | None:
    if not judgement.too_wide:
        return None
    recognisable = sum(1 for face in judgement.face_judgements if face.recognisable)
    return _reason(
        "recognisable", "reason.recognisable.too_wide", points.too_wide,
        count=judgement.people.count, recognisable=recognisable,
    )


def eyes_reason(judgement: Judgement, points: Section) -> Reason | None:
    judged = [face.eyes_closed for face in judgement.face_judgements if face.eyes_closed is not None]
    closed = sum(judged)
    if not closed:
        return None
    return _reason("eyes", "reason.eyes.closed", points.eyes_closed * closed / len(judged), count=closed, judged=len(judged))


def uniform_reason(judgement: Judgement, points: Section) -> Reason | None:
    uniform = judgement.uniform
    if uniform is None or uniform.people_checked == 0:
        return None
    values = {
        "profile": uniform.profile, "count": uniform.people_in_uniform, "checked": uniform.people_checked,
        "percent": round(100 * uniform.fraction), "weighed_by": uniform.weighed_by,
    }
    if not uniform.visible or uniform.people_in_uniform == 0:
        return _reason("uniform", "reason.uniform.not_visible", points.uniform_not_visible, profile=uniform.profile)
    if uniform.fraction >= points.uniform_worn_fraction:
        return _reason("uniform", "reason.uniform.worn", points.uniform_worn, **values)
    return _reason("uniform", "reason.uniform.partly", points.uniform_partly, **values)


def quality_reasons(judgement: Judgement, analysis: PhotoAnalysis, points: Section) -> list[Reason]:
    quality, measured = judgement.quality, analysis.quality
    if quality is None or measured is None:
        return []
    reasons = []
    if quality.blurry:
        reasons.append(_reason("quality", "reason.quality.blurry", points.blurry, sharpness=round(measured.sharpness)))
    if quality.too_dark:
        reasons.append(_reason("quality", "reason.quality.too_dark", points.too_dark, exposure=round(measured.exposure, 2)))
    if quality.too_bright:
        reasons.append(
            _reason("quality", "reason.quality.too_bright", points.too_bright, exposure=round(measured.exposure, 2))
        )
    return reasons


def flag_reason(flag: Flag, points: Section) -> Reason:
    strength = "strong" if flag.strong else "weak"
    return _reason(
        flag.kind, f"reason.flag.{strength}", points.flag_strong if flag.strong else points.flag_weak,
        kind=flag.kind, detail=detail_text(flag.evidence), confidence=round(flag.confidence, 2),
    )


def consent_reasons(judgement: Judgement) -> list[Reason]:
    """A listed child (no effect on the score: the verdict is skip) or a face that could be one (at most maybe)."""
    return [
        _reason(
            "consent", "reason.consent.listed" if match.strong else "reason.consent.could_be", 0.0,
            name=match.name, similarity=round(match.similarity, 2),
        )
        for match in judgement.consent
    ]


def apply_verdict(
    judgement: Judgement, analysis: PhotoAnalysis, settings: Section, language: str = DEFAULT_LANGUAGE
) -> Judgement:
    """Fill `reasons` (sentences in `language`), `score` (0-100) and `verdict` of a judgement whose other fields are set."""
    points = settings.points
    reasons = [group_reason(judgement, points)]
    for reason in (
        smile_reason(judgement, points),
        recognisable_reason(judgement, points),
        eyes_reason(judgement, points),
        uniform_reason(judgement, points),
    ):
        if reason is not None:
            reasons.append(reason)
    reasons += quality_reasons(judgement, analysis, points)
    reasons += [flag_reason(flag, points) for flag in judgement.flags]
    reasons += consent_reasons(judgement)

    score = min(100.0, max(0.0, settings.base + sum(reason.effect for reason in reasons)))
    if score >= settings.post_min:
        verdict = "post"
    elif score >= settings.maybe_min:
        verdict = "maybe"
    else:
        verdict = "skip"
    margin = min(abs(score - settings.post_min), abs(score - settings.maybe_min))
    confidence = 0.5 + 0.5 * min(1.0, margin / settings.confident_margin)
    strong_flags = [flag.confidence for flag in judgement.flags if flag.strong]
    if strong_flags:
        verdict, confidence = "skip", max(strong_flags)
    elif judgement.flags and verdict == "post":
        verdict = "maybe"
    if any(match.strong for match in judgement.consent):
        verdict, confidence = "skip", 1.0
    elif judgement.consent and verdict == "post":
        verdict = "maybe"
    judgement.reasons = [localized(reason, language) for reason in reasons]
    judgement.score = round(score, 1)
    judgement.verdict = verdict
    judgement.confidence = round(confidence, 2)
    return judgement
