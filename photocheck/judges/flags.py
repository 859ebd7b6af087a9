"""Red flags with evidence: alcohol, advertising, litter and every kind the user taught (stage 2, no models).

Each flag lists the evidence a leader can check (a box in original pixels and what was seen there). A flag is
strong (the photo is skipped) only on clear evidence: a wine glass, a drink the scene model calls beer or wine,
a legible brand; otherwise it is weak (the photo is at most "maybe"). Litter is always weak: no model knows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from photocheck.config import Section
from photocheck.judges import brands, taught
from photocheck.results import Box, Evidence, Flag, PhotoAnalysis, SceneLabel, TextLine

BUILT_IN_KINDS = ("alcohol", "advertising", "litter")
SAME_BOX_IOU = 0.9  # a stored crop belongs to the detection whose box it repeats
BLOCK_GAP = 1.0  # lines of one sign lie at most this many letter heights apart
BLOCK_SIZE_RATIO = 2.0  # and their letters differ at most this much in size


@dataclass
class Finding:
    evidence: Evidence
    strong: bool


def _flag(kind: str, findings: list[Finding]) -> Flag | None:
    """One flag from all findings of a kind: the strongest evidence first and named in the detail."""
    if not findings:
        return None
    findings = sorted(findings, key=lambda f: (-f.strong, -f.evidence.score))
    more = len(findings) - 1
    return Flag(
        kind=kind,
        confidence=round(max(f.evidence.score for f in findings), 3),
        strong=any(f.strong for f in findings),
        evidence=[f.evidence for f in findings],
        detail=findings[0].evidence.label + (f" (and {more} more)" if more else ""),
    )


def _mass(labels: list[SceneLabel], classes: list[int]) -> float:
    """Probability of the given ImageNet classes among the stored top labels."""
    wanted = set(classes)
    return sum(label.score for label in labels if label.index in wanted)


def _top_names(labels: list[SceneLabel], classes: list[int]) -> str:
    wanted = set(classes)
    return ", ".join(label.label.split(",")[0] for label in labels if label.index in wanted)


def text_findings(analysis: PhotoAnalysis, settings: Section) -> dict[str, list[Finding]]:
    """Findings per kind (advertising, alcohol, tobacco): brands, alcohol words, large unknown lettering."""
    known = brands.lexicon()
    found: dict[str, list[Finding]] = {"advertising": [], "alcohol": [], "tobacco": []}
    unknown: list[TextLine] = []
    for line in analysis.texts:
        if line.score < settings.min_text_score:
            continue
        matches = brands.find_brands(line.text, settings.brand_similarity)
        if matches:
            match = matches[0]
            score = round(match.similarity * line.score, 3)
            strong = match.similarity >= settings.strong_similarity and line.score >= settings.strong_text_score
            label = f'{match.brand.category.replace("_", " ")} brand "{match.brand.name}" read as "{line.text}"'
            found["advertising"].append(Finding(Evidence(line.box, label, score), strong))
            if match.brand.category in known.alcohol_categories:
                found["alcohol"].append(Finding(Evidence(line.box, label, score), strong))
            if match.brand.category in known.tobacco_categories:
                found["tobacco"].append(Finding(Evidence(line.box, label, score), False))
            continue
        if brands.is_allowed(line.text):
            continue
        drink_words = brands.alcohol_words(line.text)
        if drink_words:
            label = f'alcohol on a sign: "{line.text}"'
            found["alcohol"].append(Finding(Evidence(line.box, label, round(line.score * 0.5, 3)), False))
            found["advertising"].append(Finding(Evidence(line.box, label, round(line.score * 0.5, 3)), False))
            continue
        unknown.append(line)
    found["advertising"] += lettering_findings(analysis, unknown, settings)
    return found


def _text_size(box: Box) -> float:
    """Letter height of a line, upright or vertical (a banner hung sideways)."""
    return min(box.width, box.height)


def _same_block(a: Box, b: Box) -> bool:
    """Two lines of one sign or banner: letters of a similar size, at most about a letter apart."""
    small, large = sorted((_text_size(a), _text_size(b)))
    gap = large * BLOCK_GAP
    near = a.x1 - gap <= b.x2 and b.x1 - gap <= a.x2 and a.y1 - gap <= b.y2 and b.y1 - gap <= a.y2
    return near and small >= large / BLOCK_SIZE_RATIO


def _blocks(lines: list[TextLine]) -> list[list[TextLine]]:
    """Lines grouped into signs and banners (connected by `_same_block`)."""
    blocks: list[list[TextLine]] = []
    for line in lines:
        joined = [block for block in blocks if any(_same_block(line.box, other.box) for other in block)]
        blocks = [block for block in blocks if block not in joined] + [[line] + [l for b in joined for l in b]]
    return blocks


def lettering_findings(analysis: PhotoAnalysis, unknown: list[TextLine], settings: Section) -> list[Finding]:
    """Large, legible lettering of no known brand in the background: weak evidence of advertising.

    A sign counts, not a word: lines are grouped into blocks and a block needs `large_text_min_words` words. Blocks
    beside a movement name are the movement's banner; lettering on a person is clothing (event and club T-shirts
    are common; brands on clothes are caught by the lexicon).
    """
    read = [line for line in analysis.texts if line.score >= settings.min_text_score]
    persons = [d.box for d in analysis.objects if d.label == "person"]
    findings = []
    for block in _blocks(read):
        lettering = [line for line in block if line in unknown]
        if not lettering or any(brands.is_allowed(line.text) for line in block):
            continue
        background = [line for line in lettering if not any(_inside(line.box.center, p) for p in persons)]
        words = " ".join(line.text for line in background)
        letters = sum(ch.isalpha() for ch in words)
        large = analysis.height > 0 and any(
            _text_size(line.box) >= settings.large_text_height * analysis.height for line in background
        )
        clear = any(line.score >= settings.large_text_score for line in background)
        if large and clear and letters >= settings.large_text_min_letters and \
                len(brands.normalise(words).split()) >= settings.large_text_min_words:
            box = Box(min(l.box.x1 for l in background), min(l.box.y1 for l in background),
                      max(l.box.x2 for l in background), max(l.box.y2 for l in background))
            score = round(max(line.score for line in background) * 0.5, 3)
            findings.append(Finding(Evidence(box, f'large lettering "{words}" (no known brand)', score), False))
    return findings


def _inside(point: tuple[float, float], box: Box) -> bool:
    return box.x1 <= point[0] <= box.x2 and box.y1 <= point[1] <= box.y2


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
            label = f"{detection.label} that looks like {_top_names(region.labels, settings.classes)}"
            findings.append(Finding(Evidence(detection.box, label, round(alcohol, 3)), alcohol >= settings.crop_strong))
        elif detection.label == "wine glass" and detection.score >= settings.wine_glass_min_score:
            findings.append(Finding(
                Evidence(detection.box, "wine glass", round(detection.score, 3)),
                detection.score >= settings.wine_glass_strong_score,
            ))
        elif detection.label == "bottle" and detection.score >= settings.bottle_min_score and benign < alcohol + 0.1:
            # A bottle nobody can tell apart: weak, with half its detector score as confidence.
            findings.append(Finding(Evidence(detection.box, "bottle (contents unknown)", round(detection.score / 2, 3)),
                                    False))
    scene = _mass(analysis.scene, settings.classes)
    if scene >= settings.scene_weak:
        label = f"the whole photo looks like {_top_names(analysis.scene, settings.classes)}"
        findings.append(Finding(Evidence(None, label, round(scene, 3)), scene >= settings.scene_strong))
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
            label = f"on the ground: {_top_names(region.labels, settings.classes)}"
            findings.append(Finding(Evidence(region.box, label, round(min(cap, mass), 3)), False))
    scene = _mass(analysis.scene, settings.classes)
    if scene >= settings.scene_min:
        label = f"the whole photo looks like {_top_names(analysis.scene, settings.classes)}"
        findings.append(Finding(Evidence(None, label, round(min(cap, scene), 3)), False))
    containers = [
        d for d in analysis.objects
        if d.label in settings.container_labels and d.box.center[1] >= analysis.height / 2
    ]
    if len(containers) >= settings.scattered_containers:
        findings += [
            Finding(Evidence(d.box, f"one of {len(containers)} scattered drink containers", round(min(cap, d.score / 2), 3)),
                    False)
            for d in containers
        ]
    return findings


def taught_findings(analysis: PhotoAnalysis, classifiers: list[taught.TaughtClassifier]) -> dict[str, list[Finding]]:
    feature = taught.features(analysis)
    found: dict[str, list[Finding]] = {}
    for classifier in classifiers if feature is not None else []:
        probability = classifier.probability(feature)
        if probability >= classifier.threshold:
            label = f"looks like the {classifier.kind} examples it was taught (score {probability:.2f})"
            evidence = Evidence(classifier.best_region(analysis), label, round(probability, 3))
            found.setdefault(classifier.kind, []).append(Finding(evidence, probability >= classifier.strong_threshold))
    return found


def judge_flags(
    analysis: PhotoAnalysis, settings: Section, classifiers: list[taught.TaughtClassifier] | None = None
) -> tuple[list[Flag], list[str]]:
    """Red flags of one photo, and the policy's red-flag kinds that nothing could check."""
    classifiers = taught.load_all() if classifiers is None else classifiers
    findings = text_findings(analysis, settings.advertising)
    findings["alcohol"] += alcohol_findings(analysis, settings.alcohol)
    findings["litter"] = litter_findings(analysis, settings.litter)
    for kind, extra in taught_findings(analysis, classifiers).items():
        findings.setdefault(kind, []).extend(extra)
    flags = [flag for flag in (_flag(kind, found) for kind, found in findings.items()) if flag is not None]
    checked = set(BUILT_IN_KINDS) | {classifier.kind for classifier in classifiers} | {flag.kind for flag in flags}
    return flags, [kind for kind in settings.kinds if kind not in checked]
