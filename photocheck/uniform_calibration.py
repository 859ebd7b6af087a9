"""Learn a uniform profile from a few photos of people wearing it (`photocheck calibrate-uniform`).

Every person's torso colours (stage 1, photocheck/analysis/torso.py) are pooled and clustered again; the dominant cluster is
the shirt. Its colour range is the spread of the pooled colours near that cluster plus a tolerance, so the profile
accepts the lighting variation of the calibration photos and a little more. A saturated colour that recurs in the
neck regions and is not the shirt becomes the neckerchief.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from photocheck.analysis.pipeline import Analyzer
from photocheck.analysis.torso import colour_clusters
from photocheck.config import Config, Section
from photocheck.i18n import Problem, error_sentence
from photocheck.judges.uniform import colour_share
from photocheck.records.analysis import ColourCluster, TorsoSample
from photocheck.uniforms import ColourRange, UniformProfile, check_name, lch, save_profile

# A cluster of share s stands for round(s * 100) pooled samples (at least one): one sample per percent of a region, a
# resolution, not fitted. The calibration's thresholds are in [uniform.calibration].
POOL_RESOLUTION = 100


class CalibrationError(Problem, ValueError):
    """The photos give nothing to learn from (no readable photo, no person)."""


def calibrate(name: str, images: Sequence[Path], config: Config, analyzer: Analyzer | None = None) -> tuple[UniformProfile, Path]:
    """Analyse `images`, learn profile `name` from their torsos (`[uniform.calibration]`) and save it in the user's
    config folder."""
    check_name(name)
    analyzer = analyzer or Analyzer(config)
    samples: list[TorsoSample] = []
    for image in images:
        analysis = analyzer.analyse(Path(image), str(image))
        if not analysis.ok:
            raise CalibrationError("calibrate.unreadable", path=image, error=error_sentence(analysis))
        samples += analysis.torsos
    description = f"learnt from {len(images)} photo(s)"
    profile = learn_profile(name, samples, config.uniform.calibration, description)
    return profile, save_profile(profile)


def learn_profile(
    name: str, samples: Sequence[TorsoSample], settings: Section, description: str = ""
) -> UniformProfile:
    """The profile `name` of the people sampled (`settings`: [uniform.calibration])."""
    if not samples:
        raise CalibrationError("calibrate.no_torso")
    shirt = _dominant_range([sample.colours for sample in samples], settings)
    shirt_shares = [colour_share(sample.colours, (shirt,)) for sample in samples]
    necks = [sample.neck for sample in samples if sample.neck]
    neckerchief = _neckerchief_range(necks, shirt, settings)
    neck_shares = [colour_share(neck, (neckerchief,)) for neck in necks] if neckerchief else []
    return UniformProfile(
        name=name,
        description=description,
        shirt=(shirt,),
        min_shirt_share=_typical_share(shirt_shares, settings.shirt_share_limits, settings),
        neckerchief=(neckerchief,) if neckerchief else (),
        min_neckerchief_share=(_typical_share(neck_shares, settings.neckerchief_share_limits, settings)
                               if neckerchief else 1.0),
    )


def _pooled(regions: Sequence[list[ColourCluster]]) -> np.ndarray:
    """Every region's clusters as Lab samples in proportion to their shares (each region weighs the same)."""
    pooled = [
        np.repeat(np.array([colour.lab], dtype=np.float32), max(1, round(colour.share * POOL_RESOLUTION)), axis=0)
        for colours in regions for colour in colours
    ]
    return np.concatenate(pooled) if pooled else np.empty((0, 3), dtype=np.float32)


def _dominant_range(regions: Sequence[list[ColourCluster]], settings: Section, candidates=None) -> ColourRange:
    points = _pooled(regions)
    if candidates is not None:
        points = points[candidates(points)]
    dominant = colour_clusters(points[None], settings.clusters)[0][0]
    near = points[np.linalg.norm(points - np.array(dominant.lab, dtype=np.float32), axis=1) <= settings.near_cluster]
    return _range_around(near if len(near) else points, dominant.lab, settings)


def _range_around(points: np.ndarray, centre: tuple[float, float, float], settings: Section) -> ColourRange:
    lightness, chroma, hue = np.array([lch(tuple(point)) for point in points]).T
    low, high = settings.spread_percentiles
    _, centre_chroma, centre_hue = lch(centre)
    if centre_chroma < settings.any_hue_below_chroma:
        hue_range = (0.0, 360.0)
    else:
        offsets = (hue - centre_hue + 180) % 360 - 180  # signed distance to the centre's hue, no wrap problem
        spread_low = min(float(np.percentile(offsets, low)), 0.0) - settings.hue_tolerance
        spread_high = max(float(np.percentile(offsets, high)), 0.0) + settings.hue_tolerance
        wraps_around = spread_high - spread_low >= 360
        hue_range = (0.0, 360.0) if wraps_around else ((centre_hue + spread_low) % 360, (centre_hue + spread_high) % 360)
    return ColourRange(
        hue=hue_range,
        chroma=(max(0.0, float(np.percentile(chroma, low)) - settings.chroma_tolerance),
                float(np.percentile(chroma, high)) + settings.chroma_tolerance),
        lightness=(max(0.0, float(np.percentile(lightness, low)) - settings.lightness_tolerance),
                   min(100.0, float(np.percentile(lightness, high)) + settings.lightness_tolerance)),
    )


def _neckerchief_range(
    necks: Sequence[list[ColourCluster]], shirt: ColourRange, settings: Section
) -> ColourRange | None:
    """The dominant saturated non-shirt colour of the neck regions, if it covers enough of them."""
    def candidates(points: np.ndarray) -> np.ndarray:
        saturated = np.hypot(points[:, 1], points[:, 2]) >= settings.neckerchief_min_chroma
        return saturated & ~np.array([shirt.contains(tuple(point)) for point in points], dtype=bool)

    points = _pooled(necks)
    minimum = settings.neckerchief_min_support
    if not len(points) or candidates(points).sum() < minimum * POOL_RESOLUTION * len(necks):
        return None
    neckerchief = _dominant_range(necks, settings, candidates)
    support = np.mean([colour_share(neck, (neckerchief,)) for neck in necks])
    return neckerchief if support >= minimum else None


def _typical_share(shares: Sequence[float], limits: list[float], settings: Section) -> float:
    """`share_of_typical` of the median share, within `limits`; the upper limit without shares."""
    return round(float(np.clip(settings.share_of_typical * np.median(shares), *limits)), 2) if shares else limits[1]
