"""Uniform judgement: who wears the movement's clothing, from the stage-1 torso colours and a uniform profile."""

from __future__ import annotations

import math

from photocheck.config import Section
from photocheck.records.analysis import ColourCluster, TorsoSample
from photocheck.records.judgement import UniformJudgement
from photocheck.uniforms import ColourRange, UniformProfile


def colour_share(colours: list[ColourCluster], ranges: tuple[ColourRange, ...]) -> float:
    """Share of a region's pixels whose colour cluster falls in any of `ranges`."""
    return sum(colour.share for colour in colours if any(r.contains(colour.lab) for r in ranges))


def wears_uniform(sample: TorsoSample, profile: UniformProfile, settings: Section) -> bool:
    """The shirt colour covers enough of the torso, or a neckerchief colour enough of the neck region.

    A neckerchief is a patch: when its colour also fills most of the torso it is the shirt (a blue T-shirt is
    not a blue neckerchief), so it does not count.
    """
    if colour_share(sample.colours, profile.shirt) >= profile.min_shirt_share:
        return True
    return (
        bool(profile.neckerchief)
        and colour_share(sample.neck, profile.neckerchief) >= profile.min_neckerchief_share
        and colour_share(sample.colours, profile.neckerchief) <= settings.neckerchief_max_torso_share
    )


# `[uniform] judged_people` (its names are config.SETTING_CHOICES'): which sampled torsos speak for a photo, given
# those under faces and all of them.
JUDGED_PEOPLE = {
    # A torso under a face sits where the face puts it; the upper-middle of a person box is a guess that misses when
    # the box holds a sitting, cut-off or overlapping person. So person boxes speak only for a photo in which no face
    # shows its torso (backs turned, faces too small to find).
    "faces_first": lambda under_faces, torsos: under_faces or torsos,
    # Only people whose face was found: a person box's guess never counts, and a photo of backs is not judged.
    "faces_only": lambda under_faces, torsos: under_faces,
    # Every sampled torso, the person boxes' guesses included, as the judge did before (issue 12).
    "all": lambda under_faces, torsos: torsos,
}

# `[uniform] weigh_people_by` (names as config.SETTING_CHOICES): how much one judged person counts in the share
# wearing the uniform.
PERSON_WEIGHTS = {
    # The people in front, whom a viewer sees first, decide, not a crowd of small figures in the back.
    "area": lambda box: box.area,
    # In between: the people in front weigh more, yet a crowd behind them still counts.
    "sqrt_area": lambda box: math.sqrt(box.area),
    # Every judged person alike, as the judge did before (issue 12).
    "count": lambda box: 1.0,
}


def judge_uniform(torsos: list[TorsoSample], profile: UniformProfile, settings: Section) -> UniformJudgement:
    """`visible` when the people wearing the uniform hold at least `min_fraction` of the judged people's weight.

    Who is judged is `[uniform] judged_people`, how much each weighs `[uniform] weigh_people_by` (torso area by
    default: the people in front decide).
    """
    judged = JUDGED_PEOPLE[settings.judged_people]([s for s in torsos if s.source == "face"], torsos)
    weight = PERSON_WEIGHTS[settings.weigh_people_by]
    wearing = [sample for sample in judged if wears_uniform(sample, profile, settings)]
    fraction = sum(weight(s.box) for s in wearing) / sum(weight(s.box) for s in judged) if judged else None
    return UniformJudgement(
        profile=profile.name,
        visible=bool(wearing) and fraction >= settings.min_fraction,
        people_in_uniform=len(wearing),
        people_checked=len(judged),
        fraction=fraction,
        weighed_by=settings.weigh_people_by,
    )
