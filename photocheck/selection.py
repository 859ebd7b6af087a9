"""Selection stage: group near-duplicates and bursts, keep the best of each, recommend a set to post.

Pure functions of judged scan results and the config (no models, no files). Groups link two photos when their
scene embeddings (L2-normalised EfficientNet-Lite0 features) are near-identical, or when EXIF says they were taken
seconds apart and they are still alike (a burst). The recommendation is greedy: each next pick is the candidate with
the highest sum of weighted terms (verdict, score, new faces, novelty, time spread, group size), all in 0..1.

When in doubt, leave it out: a candidate with something for the leader to check (a weak red flag, or lettering that
is neither a movement's name nor clearly harmless, photocheck/judges/lettering.py) competes only when no clean
candidate is left, so it ranks below every clean one; when it is picked, the pick lists what to check, with boxes.
What one photo shows is something to check on its near-duplicates too (:func:`checks_with_near_duplicates`), so a
scene with a doubt does not come back clean through a copy whose reading missed it.

"New faces" are the recognisable faces of a candidate showing people (photocheck/people_shown.py: the folder's faces
grouped by identity descriptor) that no earlier pick shows. They are asked for a pool of candidates (the best
`face_pool_factor` x the number of picks wanted), through the `describe` callable given to :func:`select`; a
candidate without them (outside the pool, or no `describe`) gets no new-faces term.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from photocheck.analysis.union_find import UnionFind
from photocheck.config import Config, Section
from photocheck.i18n import DEFAULT_LANGUAGE, error_sentence, message, text
from photocheck.judges.flags import evidence
from photocheck.judges.lettering import unexplained_lettering
from photocheck.people_shown import Describe, new_face_count
from photocheck.records.judgement import PhotoResult, Reason, ScanResult
from photocheck.records.selection import UNDATED, Check, PhotoGroup, Pick, Rejection, Selection

VERDICT_VALUE = {"post": 1.0, "maybe": 0.5, None: 0.5}  # unknown verdict (judges not run) ranks as maybe

def _text(code: str, language: str, **values) -> str:
    """A sentence of the `selection` part of the message catalogue (photocheck/data/messages_LANG.toml)."""
    return message(f"selection.{code}", language, **values)


def selection_reason(code: str, language: str, effect: float = 0.0, **values) -> Reason:
    """A reason of the selection (a pick's or a rejection's), worded by the `selection` part of the catalogue."""
    return Reason.worded("selection", f"selection.{code}", round(effect, 3), language, **values)


@dataclass
class _Candidate:
    index: int
    photo: PhotoResult
    time: datetime | None
    day: str
    merit: float  # percentile 0..1 of the measure among candidates
    measure: float
    people: int
    checks: list[Check]
    faces: np.ndarray | None = None  # the people of the recognisable faces; None when not compared


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def strong_flags(photo: PhotoResult) -> list:
    return [flag for flag in (photo.judgement.flags if photo.judgement else []) if flag.strong]


def checks(photo: PhotoResult) -> list[Check]:
    """What a leader should check before posting the photo: the evidence of its weak flags, then the lettering no
    flag explains. Empty for a clean photo."""
    judgement = photo.judgement
    if judgement is None:
        return []
    weak = [Check(flag.kind, seen) for flag in judgement.flags if not flag.strong for seen in flag.evidence]
    lettering = [Check("lettering", seen) for seen in unexplained_lettering(photo.analysis.texts, judgement.flags)]
    return weak + lettering


def checks_with_near_duplicates(
    photos: list[PhotoResult], similarity: np.ndarray, threshold: float
) -> list[list[Check]]:
    """Each photo's checks, and for every near-duplicate (scene similarity at least `threshold`) that shows a red
    flag (weak or strong) or lettering nothing explains, one check naming it and its strongest evidence.

    A near-duplicate shows the same scene: what was found on one copy is likely on the other even where its own
    reading missed it (a sign half hidden, the text read at another size, or not yet read closely). So a scene with a
    doubt never becomes a clean candidate through a copy that was read less well, and a leader sees why.
    """
    own = [checks(photo) for photo in photos]
    shown = [
        sorted(own[i] + [Check(f.kind, seen) for f in strong_flags(photo) for seen in f.evidence],
               key=lambda check: -check.evidence.score)
        for i, photo in enumerate(photos)
    ]
    known = [{_said(check) for check in found} for found in shown]  # what each photo already lists
    inherited: list[list[Check]] = [[] for _ in photos]
    for source in (i for i, found in enumerate(shown) if found):
        strongest, more = shown[source][0], len(shown[source]) - 1
        detail = text(strongest.evidence.code, **strongest.evidence.values)
        if more:
            detail = text("evidence.and_more", detail=detail, more=more)
        for other in np.flatnonzero(similarity[source] >= threshold):
            if other == source or not photos[other].analysis.ok or _said(strongest) in known[other]:
                continue  # copies of one scene would otherwise list the same evidence once per copy
            known[other].add(_said(strongest))
            seen = evidence(None, strongest.evidence.score, "near_duplicate_shows",
                            photo=photos[source].analysis.path, detail=detail)
            inherited[other].append(Check(strongest.kind, seen))
    return [mine + theirs for mine, theirs in zip(own, inherited)]


def _said(check: Check) -> str:
    """What a check says, whatever photo it is on (its box aside): the key that tells repeated evidence apart."""
    return json.dumps([check.kind, check.evidence.code, check.evidence.values], sort_keys=True, default=str)


def _verdict(photo: PhotoResult) -> str | None:
    return photo.judgement.verdict if photo.judgement else None


def _smiles(photo: PhotoResult) -> float:
    """Smiling faces: the judged count when the smile judge ran, else the expected count from P(happy)."""
    judgement = photo.judgement
    if judgement is not None and judgement.smiling is not None:
        return float(judgement.smiling.count)
    return float(sum(face.smile for face in photo.analysis.faces if face.smile is not None))


def _closed_eyes(photo: PhotoResult) -> int:
    judgement = photo.judgement
    return sum(1 for face in (judgement.face_judgements if judgement else []) if face.eyes_closed)


def _sharpness(photo: PhotoResult) -> float:
    quality = photo.analysis.quality
    return quality.sharpness if quality is not None else 0.0


def measure(photo: PhotoResult) -> float:
    """What ranks photos of equal verdict: the score, or (before the verdict judge runs) the smiling faces."""
    judgement = photo.judgement
    if judgement is not None and judgement.score is not None:
        return float(judgement.score)
    return _smiles(photo)


def merit_key(photo: PhotoResult) -> tuple[float, float]:
    """The measure, ties broken by smiling faces (scores move in steps, so many photos share one)."""
    return measure(photo), _smiles(photo)


def eligible(photo: PhotoResult) -> bool:
    judgement = photo.judgement
    return judgement is not None and _verdict(photo) != "skip" and not strong_flags(photo) and not judgement.consent


def best_key(photo: PhotoResult, to_check: list[Check]) -> tuple:
    """Higher is better: postable first, then clean (nothing `to_check`), verdict, score, smiles, open eyes,
    sharpness."""
    return (
        eligible(photo),
        not to_check,
        VERDICT_VALUE.get(_verdict(photo), 0.0),
        measure(photo),
        _smiles(photo),
        -_closed_eyes(photo),
        _sharpness(photo),
    )


def _embeddings(photos: list[PhotoResult]) -> np.ndarray:
    """Row-normalised embedding matrix; a zero row for photos without an embedding (no similarity to anything)."""
    size = next((len(p.analysis.embedding) for p in photos if p.analysis.embedding is not None), 1)
    matrix = np.zeros((len(photos), size), dtype=np.float32)
    for row, photo in enumerate(photos):
        if photo.analysis.embedding is not None:
            vector = np.asarray(photo.analysis.embedding, dtype=np.float32)
            norm = float(np.linalg.norm(vector))
            matrix[row] = vector / norm if norm > 0 else 0.0
    return matrix


_EPOCH = datetime(1970, 1, 1)
LINK_BLOCK = 512  # photos whose links are looked for at once: memory stays bounded on a large folder


def _seconds(moment: datetime | None) -> float:
    """`moment` as seconds on one time line (NaN when unknown): a time with its zone as the instant, a local time as
    read (photos of one camera share its clock)."""
    if moment is None:
        return float("nan")
    return moment.timestamp() if moment.tzinfo is not None else (moment - _EPOCH).total_seconds()


def group_photos(
    photos: list[PhotoResult], settings: Section, similarity: np.ndarray, to_check: list[list[Check]],
) -> tuple[list[list[int]], set[frozenset[int]]]:
    """Connected components of the near-duplicate and burst links (indices into `photos`, best first by
    :func:`best_key` with each photo's `to_check`), and the burst links (pairs linked by time, not by near-identity).
    """
    seconds = np.array([_seconds(parse_time(p.analysis.taken_at)) for p in photos], dtype=np.float64)
    readable = np.array([i for i, p in enumerate(photos) if p.analysis.ok], dtype=np.int64)
    links = UnionFind(len(photos))
    bursts: set[frozenset[int]] = set()
    for start in range(0, len(readable), LINK_BLOCK):
        rows = readable[start:start + LINK_BLOCK]
        similar = similarity[np.ix_(rows, readable)]
        later = np.arange(len(readable))[None, :] > np.arange(start, start + len(rows))[:, None]  # each pair once
        near = later & (similar >= settings.near_duplicate_similarity)
        with np.errstate(invalid="ignore"):  # an unknown time (NaN) is never within burst_seconds
            close_in_time = np.abs(seconds[rows][:, None] - seconds[readable][None, :]) <= settings.burst_seconds
        burst = later & ~near & close_in_time & (similar >= settings.burst_similarity)
        for row, column in zip(*np.nonzero(near | burst)):
            a, b = int(rows[row]), int(readable[column])
            links.union(a, b)
            if burst[row, column]:
                bursts.add(frozenset((a, b)))
    components: dict[int, list[int]] = defaultdict(list)
    for index in readable.tolist():
        components[links.find(index)].append(index)
    groups = [
        sorted(members, key=lambda i: best_key(photos[i], to_check[i]), reverse=True) for members in components.values()
    ]
    groups.sort(key=lambda members: min(members))
    return groups, bursts


def _percentiles(keys: list[tuple]) -> list[float]:
    """Share of the other keys each key beats (ties count half): 0..1, scale free."""
    if len(keys) < 2:
        return [1.0] * len(keys)
    ordered = sorted(keys)
    beaten = [bisect_left(ordered, key) + 0.5 * (bisect_right(ordered, key) - bisect_left(ordered, key) - 1)
              for key in keys]
    return [count / (len(keys) - 1) for count in beaten]


def _size_bucket(people: int, edges: list[int]) -> int | None:
    """Index of the group-size range holding `people`; None below the first edge (no group)."""
    if people < edges[0]:
        return None
    return sum(1 for edge in edges if people >= edge) - 1


def _size_text(bucket: int, edges: list[int], language: str) -> str:
    if bucket + 1 < len(edges):
        return _text("size.range", language, low=edges[bucket], high=edges[bucket + 1] - 1)
    return _text("size.open", language, low=edges[bucket])


def _duration(seconds: float, language: str) -> str:
    minutes = round(seconds / 60)
    if minutes >= 60:
        return _text("duration.hours", language, hours=minutes // 60, minutes=minutes % 60)
    return _text("duration.minutes", language, minutes=minutes)


class _Ranking:
    """The greedy ranking terms of a candidate against the picks made so far."""

    def __init__(self, candidates: list[_Candidate], similarity: np.ndarray, settings: Section, language: str):
        self.settings = settings
        self.language = language
        self.similarity = similarity
        self.most_faces = max([len(c.faces) for c in candidates if c.faces is not None] + [1])
        self.edges = list(settings.group_size_edges)

    def terms(self, candidate: _Candidate, picked: list[_Candidate]) -> dict[str, tuple[float, Reason | None]]:
        s = self.settings
        closest = max((float(self.similarity[candidate.index, p.index]) for p in picked), default=0.0)
        novelty = 1.0 - min(max(closest, 0.0), 1.0)
        verdict = _verdict(candidate.photo)
        verdict_code = {"post": "pick.verdict_post", "maybe": "pick.verdict_maybe"}.get(verdict, "pick.verdict_unknown")
        judgement = candidate.photo.judgement
        merit_text = (
            _text("merit.score", self.language, score=round(candidate.measure), smiles=round(_smiles(candidate.photo)))
            if judgement is not None and judgement.score is not None
            else _text("merit.smiles", self.language, smiles=round(candidate.measure, 1))
        )
        terms: dict[str, tuple[float, Reason | None]] = {}
        weight = s.weight_verdict * VERDICT_VALUE.get(verdict, 0.0)
        terms["verdict"] = (weight, selection_reason(verdict_code, self.language, weight))
        weight = s.weight_merit * candidate.merit
        merit = selection_reason(
            "pick.merit", self.language, weight, measure=merit_text, percent=round(100 * candidate.merit)
        )
        terms["merit"] = (weight, merit)
        terms["new_faces"] = self._new_faces(candidate, picked)
        weight = s.weight_novelty * novelty
        novelty_reason = (
            selection_reason("pick.novelty", self.language, weight, similarity=round(closest, 2)) if picked else None
        )
        terms["novelty"] = (weight, novelty_reason)
        terms["time_spread"] = self._time_spread(candidate, picked)
        bucket = _size_bucket(candidate.people, self.edges)
        shown = {_size_bucket(p.people, self.edges) for p in picked}
        if bucket is not None and bucket not in shown:
            weight = s.weight_group_size
            size = _size_text(bucket, self.edges, self.language)
            terms["group_size"] = (weight, selection_reason("pick.group_size", self.language, weight, size=size))
        return terms

    def _new_faces(self, candidate: _Candidate, picked: list[_Candidate]) -> tuple[float, Reason]:
        if candidate.faces is None:
            return 0.0, selection_reason("pick.faces_not_compared", self.language)
        shown = [p.faces for p in picked if p.faces is not None]
        new = new_face_count(candidate.faces, np.concatenate(shown) if shown else np.zeros(0, np.int64))
        weight = self.settings.weight_new_faces * new / self.most_faces
        return weight, selection_reason("pick.new_faces", self.language, weight, faces=new, of=len(candidate.faces))

    def _time_spread(self, candidate: _Candidate, picked: list[_Candidate]) -> tuple[float, Reason | None]:
        if candidate.time is None:
            return 0.0, None
        same_day = [p.time for p in picked if p.day == candidate.day and p.time is not None]
        weight = self.settings.weight_time_spread
        if not same_day:
            return weight, selection_reason("pick.time_spread_first", self.language, weight, day=candidate.day)
        gap = min(abs((candidate.time - t).total_seconds()) for t in same_day)
        weight *= min(gap / (self.settings.time_spread_hours * 3600), 1.0)
        if gap < self.settings.time_spread_reason_min_seconds:
            return weight, None
        return weight, selection_reason("pick.time_spread", self.language, weight, gap=_duration(gap, self.language))


def _rejection_of_candidate(photo: PhotoResult, language: str, allow_listed: bool = False) -> list[Reason]:
    """Why a photo cannot be recommended at all (empty when it can). `allow_listed`: a face of a child on the
    consent list is no reason (the export pixelates it, `--blur-refused`)."""
    judgement = photo.judgement
    if judgement is None:
        return [selection_reason("reject.unreadable", language, error=error_sentence(photo.analysis))]
    reasons = [
        selection_reason("reject.strong_flag", language, kind=f.kind, confidence=round(f.confidence, 2))
        for f in strong_flags(photo)
    ]
    # a face like a child on the consent list, or one that could be: never recommended (the verdict says which)
    reasons += [] if allow_listed else [
        selection_reason("reject.consent" if match.strong else "reject.consent_check", language, name=match.name,
                similarity=round(match.similarity, 2))
        for match in judgement.consent
    ]
    if judgement.verdict == "skip" and not any(match.strong for match in judgement.consent):  # (skip said above)
        score = round(judgement.score) if judgement.score is not None else "?"
        reasons.append(selection_reason("reject.verdict_skip", language, score=score))
    return reasons


def select(
    result: ScanResult, config: Config, top: int | None = None, per_day: int | None = None,
    describe: Describe | None = None, allow_listed: bool = False,
) -> Selection:
    """Groups, the recommended picks in story order, and why every other photo was not picked.

    `top` caps the picks overall, `per_day` per capture day; without either, `selection.default_top` applies.
    `describe` gives the people of the candidate pool's faces (photocheck/people_shown.py); without it no
    candidate's faces are compared. `allow_listed` lets photos showing a child on the consent list compete (their
    export pixelates the child).
    """
    settings = config.selection
    language = config.output.language
    photos = result.photos
    if top is None and per_day is None:
        top = settings.default_top
    embeddings = _embeddings(photos)
    similarity = embeddings @ embeddings.T
    to_check = checks_with_near_duplicates(photos, similarity, settings.near_duplicate_similarity)
    groups, bursts = group_photos(photos, settings, similarity, to_check)
    rejected: dict[int, list[Reason]] = {}
    for index, photo in enumerate(photos):
        reasons = _rejection_of_candidate(photo, language, allow_listed)
        if reasons:
            rejected[index] = reasons
    for members in groups:
        best = members[0]
        for other in members[1:]:
            rejected.setdefault(other, []).append(_duplicate_reason(photos, best, other, bursts, similarity, language))

    leaders = [members[0] for members in groups if members[0] not in rejected]
    measures = [measure(photos[i]) for i in leaders]
    merits = _percentiles([merit_key(photos[i]) for i in leaders])
    candidates = []
    for index, merit, value in zip(leaders, merits, measures):
        photo = photos[index]
        time = parse_time(photo.analysis.taken_at)
        people = photo.judgement.people.count if photo.judgement else 0
        day = time.date().isoformat() if time is not None else UNDATED
        candidates.append(_Candidate(index, photo, time, day, merit, value, people, to_check[index]))
    if describe is not None:
        _describe_pool(candidates, top, per_day, settings.face_pool_factor, describe)

    outcome = _greedy(candidates, similarity, settings, top, per_day, language)
    last_value = min(outcome.values.values(), default=0.0)
    per_day_count: dict[str, int] = defaultdict(int)
    for candidate in outcome.picked:
        per_day_count[candidate.day] += 1
    for candidate in candidates:
        if candidate.index in outcome.values:
            continue
        if per_day is not None and per_day_count[candidate.day] >= per_day:
            reason = selection_reason(
                "reject.day_full", language, day=candidate.day, count=per_day_count[candidate.day]
            )
        else:
            value = outcome.last_round.get(candidate.index, 0.0)
            reason = selection_reason(
                "reject.outranked", language, count=len(outcome.picked), value=round(value, 2), last=round(last_value, 2)
            )
        rejected[candidate.index] = [reason]
        if candidate.checks:
            to_check = selection_reason("reject.to_check", language, items=_check_list(candidate.checks))
            rejected[candidate.index].insert(0, to_check)

    group_of = {members[0]: members for members in groups}
    picks = _story(outcome, group_of, photos, settings, language)
    return Selection(
        picks=picks,
        rejected=[Rejection(photos[i].analysis.path, rejected[i]) for i in sorted(rejected)],
        groups=[
            PhotoGroup(
                best=photos[members[0]].analysis.path,
                members=[photos[i].analysis.path for i in members],
                kind="burst" if any(frozenset((a, b)) in bursts for a in members for b in members) else "near_duplicate",
            )
            for members in groups
            if len(members) > 1
        ],
    )


def _describe_pool(
    candidates: list[_Candidate], top: int | None, per_day: int | None, pool_factor: int, describe: Describe
) -> None:
    """Set the people of the recognisable faces of the best candidates, `pool_factor` times as many as the picks
    wanted (the smaller of `top` and `per_day` x the capture days)."""
    caps = [cap for cap in (top, per_day * len({c.day for c in candidates}) if per_day else None) if cap]
    size = pool_factor * min(caps) if caps else len(candidates)
    pool = sorted(candidates, key=lambda c: best_key(c.photo, c.checks), reverse=True)[:size]
    descriptors = describe([c.photo for c in pool])
    for candidate in pool:
        candidate.faces = descriptors.get(candidate.photo.analysis.path)


def _duplicate_reason(photos, best: int, other: int, bursts: set, similarity: np.ndarray, language: str) -> Reason:
    best_path = photos[best].analysis.path
    value = round(float(similarity[best, other]), 2)
    if frozenset((best, other)) in bursts:
        times = parse_time(photos[best].analysis.taken_at), parse_time(photos[other].analysis.taken_at)
        seconds = round(abs((times[0] - times[1]).total_seconds()))
        return selection_reason("reject.burst", language, best=best_path, seconds=seconds, similarity=value)
    return selection_reason("reject.near_duplicate", language, best=best_path, similarity=value)


@dataclass
class _Outcome:
    picked: list[_Candidate]  # in pick order
    values: dict[int, float]  # photo index -> value when picked
    reasons: dict[int, list[Reason]]  # photo index -> why picked, strongest term first
    last_round: dict[int, float]  # photo index -> value of a left-out candidate in the last round it competed


def _greedy(candidates, similarity, settings, top, per_day, language) -> _Outcome:
    """Pick one candidate at a time, each maximising its terms against the picks so far."""
    ranking = _Ranking(candidates, similarity, settings, language)
    outcome = _Outcome([], {}, {}, {})
    remaining = list(candidates)
    count_per_day: dict[str, int] = defaultdict(int)
    while remaining and (top is None or len(outcome.picked) < top):
        competing = [c for c in remaining if per_day is None or count_per_day[c.day] < per_day]
        if not competing:
            break
        competing = [c for c in competing if not c.checks] or competing  # doubtful ones only when no clean one is left
        scored = []
        for candidate in competing:
            terms = ranking.terms(candidate, outcome.picked)
            value = sum(weight for weight, _ in terms.values())
            scored.append((value, candidate, terms))
            outcome.last_round[candidate.index] = value
        value, best, terms = max(scored, key=lambda item: (item[0], -item[1].index))
        outcome.picked.append(best)
        outcome.values[best.index] = value
        ordered_terms = sorted(terms.values(), key=lambda term: -term[0])
        outcome.reasons[best.index] = [reason for _, reason in ordered_terms if reason is not None]
        count_per_day[best.day] += 1
        remaining.remove(best)
    return outcome


def caption(photo: PhotoResult, settings: Section, language: str = DEFAULT_LANGUAGE) -> str:
    """The hashtag, a short sentence on who is in the photo (from the judged people count), and the photographer."""
    people = photo.judgement.people if photo.judgement is not None else None
    category = people.category if people is not None else "none"
    parts = [settings.hashtag, _text(f"caption.{category}", language, count=people.count if people else 0)]
    if photo.analysis.artist:
        parts.append(_text("caption.artist", language, artist=photo.analysis.artist))
    return " ".join(parts)


def _story(outcome: _Outcome, group_of, photos, settings, language: str) -> list[Pick]:
    """Picks in story order (day, then capture time); per day the strongest picks get the first posting slots."""
    slots = list(settings.posting_slots)
    slot_of: dict[int, str] = {}
    values = outcome.values
    by_day: dict[str, list[_Candidate]] = defaultdict(list)
    for candidate in outcome.picked:
        by_day[candidate.day].append(candidate)
    for day_picks in by_day.values():
        for rank, candidate in enumerate(sorted(day_picks, key=lambda c: -values[c.index])):
            slot_of[candidate.index] = slots[rank % len(slots)]
    ordered = sorted(outcome.picked, key=lambda c: (c.day == UNDATED, c.day, c.time or datetime.min, c.photo.analysis.path))
    picks = []
    for candidate in ordered:
        members = group_of[candidate.index]
        others = [photos[i].analysis.path for i in members[1:]]
        reasons = list(outcome.reasons[candidate.index])
        if others:
            grouped = selection_reason("pick.best_of_group", language, size=len(members), others=", ".join(others))
            reasons.insert(0, grouped)
        if candidate.checks:
            reasons.insert(0, selection_reason("pick.to_check", language, items=_check_list(candidate.checks)))
        picks.append(
            Pick(
                path=candidate.photo.analysis.path,
                day=candidate.day,
                taken_at=candidate.photo.analysis.taken_at,
                value=round(values[candidate.index], 3),
                stands_for=others,
                slot=slot_of[candidate.index],
                caption=caption(candidate.photo, settings, language),
                reasons=reasons,
                checks=candidate.checks,
            )
        )
    return picks


def _check_list(found: list[Check]) -> list[dict]:
    """The things to check as one language-free sentence list (i18n.text values), strongest evidence first."""
    ordered = sorted(found, key=lambda check: -check.evidence.score)
    return [text(check.evidence.code, **check.evidence.values) for check in ordered]
