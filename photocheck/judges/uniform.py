"""Uniform judgement: who wears the movement's clothing, from the stage-1 torso colours and a uniform profile."""

from __future__ import annotations

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


def judged_torsos(torsos: list[TorsoSample]) -> list[TorsoSample]:
    """The torsos under faces when there are any, else the upper bodies of the faceless person boxes.

    A torso under a face sits where the face puts it; the upper-middle of a person box is a guess that misses
    when the box holds a sitting, cut-off or overlapping person. So person boxes speak only for a photo in which no
    face shows its torso (backs turned, faces too small to find).
    """
    under_faces = [sample for sample in torsos if sample.source == "face"]
    return under_faces or torsos


def judge_uniform(torsos: list[TorsoSample], profile: UniformProfile, settings: Section) -> UniformJudgement:
    """`visible` when the people wearing the uniform hold at least `min_fraction` of the judged torso area.

    Each person weighs by the area of their sampled torso: the people in front, whom a viewer sees first, decide
    whether the uniform is clearly worn, not a crowd of small figures in the back.
    """
    judged = judged_torsos(torsos)
    wearing = [sample for sample in judged if wears_uniform(sample, profile, settings)]
    fraction = sum(s.box.area for s in wearing) / sum(s.box.area for s in judged) if judged else None
    return UniformJudgement(
        profile=profile.name,
        visible=bool(wearing) and fraction >= settings.min_fraction,
        people_in_uniform=len(wearing),
        people_checked=len(judged),
        fraction=fraction,
    )
