"""Red flags with evidence: alcohol, advertising, litter and every kind the user taught (stage 2, no models).

Each flag lists the evidence a leader can check (a box in original pixels and what was seen there). A flag is
strong (the photo is skipped) only on clear evidence: a wine glass, a drink the scene model calls beer or wine,
a legible brand; otherwise it is weak (the photo is at most "maybe"), as for a frame full of bottles and glasses.
Litter is always weak: no model knows it.
Evidence is worded by the message catalogue (`[evidence]`): an English label for tools, the flag's detail in the
judging language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from photocheck.analysis.text_lines import normalise
from photocheck.config import Section
from photocheck.i18n import DEFAULT_LANGUAGE, message, render, text
from photocheck.judges import brands, commercial, taught
from photocheck.records.analysis import Box, PhotoAnalysis, SceneLabel, TextLine
from photocheck.records.judgement import Evidence, Flag

BUILT_IN_KINDS = ("alcohol", "advertising", "litter")
# A stored drink crop belongs to the detection whose box it repeats. Not fitted: the crop's box is the detection's own
# box clipped to the frame (photocheck/analysis/regions.py), so only the clipping can lower their overlap.
SAME_BOX_IOU = 0.9
# The confidence of weak evidence that only may be what it flags (a line, a bottle, containers on the ground) is this
# share of the score it rests on: an OCR or detector score says how sure the reading is, not the flag. Chosen by hand,
# not fitted; it changes no verdict, only the confidences shown.
WEAK_EVIDENCE_SHARE = 0.5


@dataclass
class Finding:
    evidence: Evidence
    strong: bool


def evidence(box: Box | None, score: float, code: str, /, **values) -> Evidence:
    """Evidence worded by the catalogue sentence `evidence.<code>`; its label is the English sentence."""
    code = f"evidence.{code}"
    return Evidence(box, message(code, DEFAULT_LANGUAGE, **values), score, code, values)


def detail_text(evidence: list[Evidence]) -> dict:
    """A flag's detail as a language-free sentence (i18n.text): its first evidence, and how many more there are."""
    first = text(evidence[0].code, **evidence[0].values)
    more = len(evidence) - 1
    return text("evidence.and_more", detail=first, more=more) if more else first


def _flag(kind: str, findings: list[Finding], language: str) -> Flag | None:
    """One flag from all findings of a kind: the strongest evidence first and named in the detail."""
    if not findings:
        return None
    findings = sorted(findings, key=lambda f: (-f.strong, -f.evidence.score))
    seen = [f.evidence for f in findings]
    return Flag(
        kind=kind,
        confidence=round(max(f.evidence.score for f in findings), 3),
        strong=any(f.strong for f in findings),
        evidence=seen,
        detail=render(detail_text(seen), language),
    )


def _mass(labels: list[SceneLabel], classes: list[int]) -> float:
    """Probability of the given ImageNet classes among the stored top labels."""
    wanted = set(classes)
    return sum(label.score for label in labels if label.index in wanted)


def _top_names(labels: list[SceneLabel], classes: list[int]) -> str:
    wanted = set(classes)
    return ", ".join(label.label.split(",")[0] for label in labels if label.index in wanted)


def text_findings(analysis: PhotoAnalysis, settings: Section) -> dict[str, list[Finding]]:
    """Findings per kind (advertising, alcohol, tobacco): commercial text (brands, web addresses, phone numbers,
    shop words...), alcohol words, large unknown lettering."""
    known = brands.lexicon()
    found: dict[str, list[Finding]] = {"advertising": [], "alcohol": [], "tobacco": []}
    unknown: list[TextLine] = []
    for line in analysis.texts:
        if line.score < settings.min_text_score:
            continue
        read = commercial.signals(line.text, settings)
        signals = [signal for signal in read if signal.code in settings.signals]
        if signals:
            found["advertising"].append(commercial_finding(analysis, line, signals[0], settings))
        if read and read[0].code == "brand":
            match = read[0].match
            score = round(match.similarity * line.score, 3)
            strong = match.similarity >= settings.strong_similarity and line.score >= settings.strong_text_score
            seen = evidence(line.box, score, "brand", category=match.brand.category, brand=match.brand.name,
                            text=line.text)
            if match.brand.category in known.alcohol_categories:
                found["alcohol"].append(Finding(seen, strong))
            if match.brand.category in known.tobacco_categories:
                found["tobacco"].append(Finding(seen, False))
            continue
        if brands.is_allowed(line.text):
            continue
        drink_words = brands.alcohol_words(line.text, settings)
        if drink_words:
            seen = evidence(line.box, round(line.score * WEAK_EVIDENCE_SHARE, 3), "alcohol_sign", text=line.text)
            found["alcohol"].append(Finding(seen, False))
            if not signals:
                found["advertising"].append(Finding(seen, False))
            continue
        if not signals:
            unknown.append(line)
    found["advertising"] += lettering_findings(analysis, unknown, settings)
    return found


def commercial_finding(analysis: PhotoAnalysis, line: TextLine, signal: commercial.Signal,
                       settings: Section) -> Finding:
    """Advertising evidence of one commercial line: strong for a clear sign in the background (a brand read well,
    or a signal of `strong_signals`), weak on a person ("check: brand on a shirt") or when read poorly."""
    clothing = commercial.on_person(line.box, analysis)
    clear = line.score >= settings.strong_text_score
    if signal.match is not None:
        match = signal.match
        strong = clear and match.similarity >= settings.strong_similarity and signal.code in settings.strong_signals
        seen = evidence(line.box, round(match.similarity * line.score, 3),
                        "brand_on_clothing" if clothing else "brand", category=match.brand.category,
                        brand=match.brand.name, text=line.text)
    else:
        strong = clear and signal.code in settings.strong_signals
        seen = evidence(line.box, round(line.score * (1.0 if strong else WEAK_EVIDENCE_SHARE), 3),
                        "commercial_on_clothing" if clothing else "commercial", signal=signal.code,
                        words=signal.words, text=line.text)
    return Finding(seen, strong and not clothing)


def _text_size(box: Box) -> float:
    """Letter height of a line, upright or vertical (a banner hung sideways)."""
    return min(box.width, box.height)


def _same_block(a: Box, b: Box, settings: Section) -> bool:
    """Two lines of one sign or banner: letters at most `sign_size_ratio` apart in size, at most `sign_line_gap`
    letter heights apart."""
    small, large = sorted((_text_size(a), _text_size(b)))
    gap = large * settings.sign_line_gap
    near = a.x1 - gap <= b.x2 and b.x1 - gap <= a.x2 and a.y1 - gap <= b.y2 and b.y1 - gap <= a.y2
    return near and small >= large / settings.sign_size_ratio


def _blocks(lines: list[TextLine], settings: Section) -> list[list[TextLine]]:
    """Lines grouped into signs and banners (connected by `_same_block`)."""
    blocks: list[list[TextLine]] = []
    for line in lines:
        joined = [block for block in blocks if any(_same_block(line.box, other.box, settings) for other in block)]
        blocks = [block for block in blocks if block not in joined] + [[line] + [l for b in joined for l in b]]
    return blocks


def lettering_findings(analysis: PhotoAnalysis, unknown: list[TextLine], settings: Section) -> list[Finding]:
    """Large, legible lettering of no known brand in the background: weak evidence of advertising.

    A sign counts, not a word: lines are grouped into blocks and a block needs `large_text_min_words` words. Blocks
    beside a movement name are the movement's banner; lettering on a person is clothing (event and club T-shirts
    are common; brands on clothes are caught by the lexicon).
    """
    read = [line for line in analysis.texts if line.score >= settings.min_text_score]
    findings = []
    for block in _blocks(read, settings):
        lettering = [line for line in block if line in unknown]
        if not lettering or any(brands.is_allowed(line.text) for line in block):
            continue
        background = [line for line in lettering if not commercial.on_person(line.box, analysis)]
        words = " ".join(line.text for line in background)
        letters = sum(ch.isalpha() for ch in words)
        large = analysis.height > 0 and any(
            _text_size(line.box) >= settings.large_text_height * analysis.height for line in background
        )
        clear = any(line.score >= settings.large_text_score for line in background)
        if large and clear and letters >= settings.large_text_min_letters and \
                len(normalise(words).split()) >= settings.large_text_min_words:
            box = Box(min(l.box.x1 for l in background), min(l.box.y1 for l in background),
                      max(l.box.x2 for l in background), max(l.box.y2 for l in background))
            score = round(max(line.score for line in background) * WEAK_EVIDENCE_SHARE, 3)
            findings.append(Finding(evidence(box, score, "lettering", text=words), False))
    return findings


def alcohol_findings(analysis: PhotoAnalysis, settings: Section) -> list[Finding]:
    """Drinks the scene model calls alcoholic, wine glasses, bottles that are not clearly benign, the whole scene."""
    findings = []
    crops = [region for region in analysis.object_classes if region.region.startswith("object:")]
    for detection in analysis.objects:
        region = max(crops, key=lambda crop: crop.box.iou(detection.box), default=None)
        if region is not None and region.box.iou(detection.box) < SAME_BOX_IOU:
            region = None
        alcohol = _mass(region.labels, settings.classes) if region else 0.0
        benign = _mass(region.labels, settings.benign_classes) if region else 0.0
        if alcohol >= settings.crop_weak and alcohol > benign:
            seen = evidence(detection.box, round(alcohol, 3), "drink_looks_like", object=detection.label,
                            names=_top_names(region.labels, settings.classes))
            findings.append(Finding(seen, alcohol >= settings.crop_strong))
        elif (detection.label == "wine glass" and detection.score >= settings.wine_glass_min_score
              and not (benign >= settings.crop_weak and benign > alcohol)):
            # A "wine glass" whose crop the scene model calls a cup, mug or espresso is a coffee cup, not a drink.
            findings.append(Finding(
                evidence(detection.box, round(detection.score, 3), "wine_glass"),
                detection.score >= settings.wine_glass_strong_score,
            ))
        elif (detection.label == "bottle" and detection.score >= settings.bottle_min_score
              and benign < alcohol + settings.bottle_benign_margin):
            # A bottle nobody can tell apart: weak evidence.
            seen = evidence(detection.box, round(detection.score * WEAK_EVIDENCE_SHARE, 3), "bottle_unknown")
            findings.append(Finding(seen, False))
    scene = _mass(analysis.scene, settings.classes)
    if scene >= settings.scene_weak:
        seen = evidence(None, round(scene, 3), "photo_looks_like", names=_top_names(analysis.scene, settings.classes))
        findings.append(Finding(seen, scene >= settings.scene_strong))
    return findings + drinks_in_frame(analysis, settings)


def drinks_in_frame(analysis: PhotoAnalysis, settings: Section) -> list[Finding]:
    """Weak evidence of drinks that fill the frame, with or without people: many bottles and glasses detected, or a
    whole photo the scene model sees as bottles, glasses, jugs, crates or barrels (a table, a car boot, a bar).

    A single drink of unknown contents proves little, and a bottle of water or a crate of vegetables looks the same
    to these models; a frame full of them is what a leader should look at.
    """
    drinks = [
        d for d in analysis.objects
        if d.label in settings.drink_labels and (d.label != "wine glass" or d.score >= settings.wine_glass_min_score)
    ]
    findings = []
    if len(drinks) >= settings.many_drinks:
        findings += [
            Finding(evidence(d.box, round(d.score, 3), "many_drinks", object=d.label, count=len(drinks)), False)
            for d in drinks
        ]
    containers = _mass(analysis.scene, settings.container_classes)
    if containers >= settings.container_scene_min:
        seen = evidence(None, round(containers, 3), "photo_full_of_drinks",
                        names=_top_names(analysis.scene, settings.container_classes))
        findings.append(Finding(seen, False))
    return findings


def litter_findings(analysis: PhotoAnalysis, settings: Section) -> list[Finding]:
    """Bags, packets, cartons or bins on the ground tiles or in the whole photo; many drink containers in the lower
    half of the photo.

    Scores are capped at `max_confidence`: these are hints, not a litter detector.
    """
    cap = settings.max_confidence
    findings = []
    for region in analysis.object_classes:
        if region.region != "ground":
            continue
        mass = _mass(region.labels, settings.classes)
        if mass >= settings.tile_min:
            seen = evidence(region.box, round(min(cap, mass), 3), "on_the_ground",
                            names=_top_names(region.labels, settings.classes))
            findings.append(Finding(seen, False))
    scene = _mass(analysis.scene, settings.classes)
    if scene >= settings.scene_min:
        seen = evidence(None, round(min(cap, scene), 3), "photo_looks_like",
                        names=_top_names(analysis.scene, settings.classes))
        findings.append(Finding(seen, False))
    containers = [
        d for d in analysis.objects
        if d.label in settings.container_labels and d.box.center[1] >= analysis.height / 2
    ]
    if len(containers) >= settings.scattered_containers:
        findings += [
            Finding(evidence(d.box, round(min(cap, d.score * WEAK_EVIDENCE_SHARE), 3), "scattered_containers",
                             count=len(containers)), False)
            for d in containers
        ]
    return findings


def taught_findings(
    analysis: PhotoAnalysis, classifiers: Sequence[taught.TaughtClassifier]
) -> dict[str, list[Finding]]:
    feature = taught.features(analysis)
    found: dict[str, list[Finding]] = {}
    for classifier in classifiers if feature is not None else []:
        probability = classifier.probability(feature)
        if probability >= classifier.threshold:
            seen = evidence(classifier.best_region(analysis), round(probability, 3), "taught", kind=classifier.kind,
                            probability=float(probability))
            found.setdefault(classifier.kind, []).append(Finding(seen, probability >= classifier.strong_threshold))
    return found


def judge_flags(
    analysis: PhotoAnalysis,
    settings: Section,
    classifiers: Sequence[taught.TaughtClassifier],
    language: str = DEFAULT_LANGUAGE,
) -> tuple[list[Flag], list[str]]:
    """Red flags of one photo (details in `language`) with the built-in rules and the taught `classifiers`, and the
    policy's red-flag kinds that nothing could check."""
    findings = text_findings(analysis, settings.advertising)
    findings["alcohol"] += alcohol_findings(analysis, settings.alcohol)
    findings["litter"] = litter_findings(analysis, settings.litter)
    for kind, extra in taught_findings(analysis, classifiers).items():
        findings.setdefault(kind, []).extend(extra)
    flags = [flag for flag in (_flag(kind, found, language) for kind, found in findings.items()) if flag is not None]
    checked = set(BUILT_IN_KINDS) | {classifier.kind for classifier in classifiers} | {flag.kind for flag in flags}
    return flags, [kind for kind in settings.kinds if kind not in checked]
