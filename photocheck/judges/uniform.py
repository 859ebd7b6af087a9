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


def judge_uniform(torsos: list[TorsoSample], profile: UniformProfile, settings: Section) -> UniformJudgement:
    """`visible` when at least `min_fraction` of the people whose torso could be sampled wear the uniform."""
    in_uniform = sum(wears_uniform(sample, profile, settings) for sample in torsos)
    fraction = in_uniform / len(torsos) if torsos else None
    return UniformJudgement(
        profile=profile.name,
        visible=in_uniform > 0 and fraction >= settings.min_fraction,
        people_in_uniform=in_uniform,
        people_checked=len(torsos),
        fraction=fraction,
    )
