"""Readable terminal summary of a selection: the picks in story order, then why the rest was left out."""

from __future__ import annotations

from collections import Counter

from photocheck.i18n import DEFAULT_LANGUAGE, message, term
from photocheck.records.judgement import ScanResult
from photocheck.records.selection import Selection


def _text(key: str, language: str, **values) -> str:
    return message(f"select_summary.{key}", language, **values)


def summary(result: ScanResult, selection: Selection, language: str = DEFAULT_LANGUAGE) -> str:
    judgements = {photo.analysis.path: photo.judgement for photo in result.photos}
    lines = [_text("header", language, count=len(selection.picks)) if selection.picks else _text("none", language)]
    note = failure_note(selection, language)
    if note:
        lines.insert(0, note)
    for number, pick in enumerate(selection.picks, start=1):
        judgement = judgements.get(pick.path)
        verdict = term("verdict", (judgement.verdict if judgement else None) or "unknown", language)
        score = f" {judgement.score:g}" if judgement is not None and judgement.score is not None else ""
        when = (pick.taken_at or "").replace("T", " ") or _text("undated", language)
        lines.append(_text("pick", language, number=number, path=pick.path, when=when, slot=pick.slot, verdict=verdict, score=score))
        lines.append(_text("why", language, reasons=" ".join(reason.detail for reason in pick.reasons[:3])))
        lines.append(_text("caption", language, caption=pick.caption))
        if pick.stands_for:
            lines.append(_text("stands_for", language, others=", ".join(pick.stands_for)))
    codes = Counter(rejection.reasons[0].code for rejection in selection.rejected if rejection.reasons)
    lines += ["", _text("not_picked", language, count=len(selection.rejected))]
    lines += [
        _text("reason_count", language, count=count, reason=_text(f"rejected.{code.rsplit('.', 1)[-1]}", language))
        for code, count in codes.most_common()
    ]
    lines += ["", _text("groups", language, count=len(selection.groups))]
    return "\n".join(lines) + "\n"


def failure_note(selection: Selection, language: str) -> str | None:
    """One sentence for the terminal when some picks could not be looked at closely, else None."""
    failed_picks = [pick for pick in selection.picks if pick.close_look is not None and pick.close_look.error]
    if not failed_picks:
        return None
    return message(
        "close_look.failed", language, side=failed_picks[0].close_look.text_side, count=len(failed_picks),
        picks=len(selection.picks), error=failed_picks[0].close_look.error,
    )
