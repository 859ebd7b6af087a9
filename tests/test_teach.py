"""Taught kinds that hold: folds by source and near-duplicates, built-in negatives, honest thresholds, warnings.

Made-up embeddings: each "source" is a cluster of its own, as photos of one event or one downloaded set are.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageOps
from typer.testing import CliRunner

from photocheck import teach
from photocheck.cli import app
from photocheck.config import default_config
from photocheck.judges import taught
from tests.conftest import SAMPLES

DIMENSION = 2 * 16  # [photo embedding, pooled regions], as taught.features


def _source(rng, count: int, centre: np.ndarray, spread: float = 0.3) -> np.ndarray:
    return centre + rng.normal(0.0, spread, (count, len(centre)))


def _settings(**overrides):
    return default_config().with_overrides({"teach": overrides}, "test").teach


def test_near_copies_share_a_group_and_different_photos_do_not():
    rng = np.random.default_rng(0)
    photos = rng.normal(0.0, 1.0, (5, DIMENSION))
    copies = photos[[0, 0, 3]] + rng.normal(0.0, 0.01, (3, DIMENSION))
    groups = teach.near_duplicate_groups(np.concatenate([photos, copies]), similarity=0.8)
    assert groups[5] == groups[6] == groups[0] and groups[7] == groups[3]
    assert len(set(groups[:5])) == 5


def test_folds_keep_each_source_and_each_near_copy_whole():
    rng = np.random.default_rng(1)
    x = rng.normal(0.0, 1.0, (12, DIMENSION))
    x[11] = x[0] + 0.01  # a copy of the first photo of folder a, put in folder d
    sources = ["a"] * 4 + ["b"] * 4 + ["c"] * 3 + ["d"]
    units = teach.fold_units(x, sources, similarity=0.8)
    assert len(set(units[:4])) == len(set(units[4:8])) == len(set(units[8:11])) == 1
    assert units[11] == units[0]  # the copy joins folder a (and so folder d) to one unit
    folds = teach.assign_folds(units, 3)
    for unit in set(units):
        assert len(set(folds[units == unit])) == 1
    assert len(set(folds)) == 3


def test_one_folder_is_split_photo_by_photo_but_copies_stay_together():
    rng = np.random.default_rng(2)
    x = rng.normal(0.0, 1.0, (6, DIMENSION))
    x[5] = x[2] * 1.01
    units = teach.fold_units(x, ["only"] * 6, similarity=0.8)
    assert len(set(units)) == 5 and units[5] == units[2]


def _event_sources(rng, sources: int, per_source: int, spread: float = 0.3, distance: float = 2.0):
    """Negatives from `sources` events, each a cluster of its own around a random centre."""
    centres = rng.normal(0.0, distance, (sources, DIMENSION))
    vectors = np.concatenate([_source(rng, per_source, centre, spread) for centre in centres])
    names = [f"event{i}" for i in range(sources) for _ in range(per_source)]
    return vectors, names


def test_thresholds_chosen_across_sources_are_stricter_than_when_every_photo_is_shuffled():
    rng = np.random.default_rng(3)
    # spread wide enough that most photos of one event are no near-duplicates of each other
    positives = _source(rng, 40, rng.normal(0.0, 2.0, DIMENSION), spread=3.0)
    negatives, names = _event_sources(rng, 8, 15, spread=3.0, distance=4.0)
    assert len(set(teach.near_duplicate_groups(negatives, 0.8))) > len(negatives) / 2
    settings = _settings(min_negatives=10, min_negative_sources=2)
    by_source = teach.train("kind", positives, negatives, settings, ["pos"] * 40, names)
    shuffled = teach.train("kind", positives, negatives, settings, ["pos"] * 40, ["one folder"] * len(negatives))
    assert by_source.threshold > shuffled.threshold
    assert by_source.info["negative_sources"] == 8 and shuffled.info["negative_sources"] == 1


def test_built_in_negatives_are_fitted_on_and_counted_apart():
    rng = np.random.default_rng(4)
    positives = _source(rng, 10, np.full(DIMENSION, 1.0))
    negatives = _source(rng, 10, np.full(DIMENSION, -1.0))
    built_in, groups = _event_sources(rng, 5, 3)
    classifier = teach.train("kind", positives, negatives, _settings(), None, None, built_in, groups)
    assert classifier.info["negatives"] == 10 and classifier.info["built_in_negatives"] == 15
    assert classifier.info["negative_sources"] == 1  # built-in photos are not the user's sources
    assert len(classifier.mean) == DIMENSION


@pytest.mark.parametrize("positive_sources, negatives, negative_sources, expected", [
    (1, 200, 5, {"one_positive_source"}),
    (2, 20, 5, {"few_negatives"}),
    (2, 200, 1, {"few_negative_sources"}),
    (1, 20, 1, {"one_positive_source", "few_negatives", "few_negative_sources"}),
    (3, 200, 5, set()),
])
def test_teach_warns_when_its_figures_cannot_be_trusted(positive_sources, negatives, negative_sources, expected):
    settings = _settings(min_negatives=100, min_negative_sources=3)
    assert set(teach.trust_warnings(positive_sources, negatives, negative_sources, settings)) == expected


def test_an_untrusted_kind_is_never_a_strong_flag_and_a_trusted_one_only_above_every_held_out_negative():
    rng = np.random.default_rng(5)
    positives = np.concatenate([_source(rng, 15, rng.normal(0.0, 2.0, DIMENSION)) for _ in range(2)])
    negatives, names = _event_sources(rng, 6, 20)
    untrusted = teach.train("kind", positives, negatives, _settings(min_negatives=500), ["a"] * 15 + ["b"] * 15, names)
    assert untrusted.info["warnings"] == ["few_negatives"] and untrusted.strong_threshold > 1.0
    trusted = teach.train("kind", positives, negatives, _settings(min_negatives=50, min_negative_sources=3),
                           ["a"] * 15 + ["b"] * 15, names)
    assert trusted.info["warnings"] == [] and trusted.threshold <= trusted.strong_threshold <= 1.0
    assert trusted.info["folds"] == 2  # as many folds as the two positive sources allow


def test_the_weak_rate_finds_the_most_within_the_budget_and_the_lower_rate_wins_ties():
    estimates = [
        {"rate": 0.05, "recall": 0.9, "false_positive_rate": 0.06},
        {"rate": 0.01, "recall": 0.6, "false_positive_rate": 0.01},
        {"rate": 0.03, "recall": 0.8, "false_positive_rate": 0.024},
        {"rate": 0.02, "recall": 0.8, "false_positive_rate": 0.02},
    ]
    assert teach.choose_weak_rate(estimates, budget=0.025)["rate"] == 0.02
    assert teach.choose_weak_rate(estimates, budget=0.1)["rate"] == 0.05
    assert teach.choose_weak_rate(estimates, budget=0.005)["rate"] == 0.01  # none within: the lowest


def _overlapping_examples(rng):
    """Positives from two sources and negatives from eight events, the classes overlapping (no threshold is clean)."""
    direction = rng.normal(0.0, 1.0, DIMENSION)
    positives = np.concatenate([_source(rng, 30, 0.4 * direction + rng.normal(0.0, 0.3, DIMENSION), spread=1.5)
                                for _ in range(2)])
    negatives, names = _event_sources(rng, 8, 30, spread=1.5, distance=0.5)
    return positives, ["a"] * 30 + ["b"] * 30, negatives, names


def test_teach_chooses_the_weak_rate_whose_cross_source_false_alarms_stay_within_the_budget():
    rng = np.random.default_rng(6)
    positives, positive_sources, negatives, names = _overlapping_examples(rng)
    chosen_rates = []
    for budget in (0.02, 0.06):
        settings = _settings(weak_false_positive_rates=[0.01, 0.05, 0.1, 0.2], weak_false_positive_budget=budget)
        info = teach.train("kind", positives, negatives, settings, positive_sources, names).info
        chosen = next(e for e in info["weak_rate_estimates"] if e["rate"] == info["weak_false_positive_rate"])
        assert chosen["false_positive_rate"] <= budget
        assert all(e["false_positive_rate"] > budget for e in info["weak_rate_estimates"]
                   if e["recall"] > chosen["recall"])
        assert (info["cross_validated_recall"], info["cross_validated_false_positive_rate"]) == \
            (chosen["recall"], chosen["false_positive_rate"])
        chosen_rates.append(info["weak_false_positive_rate"])
    assert chosen_rates[0] < chosen_rates[1]  # a larger budget lets a higher rate, which finds more here, through


def test_teach_keeps_the_lowest_rate_when_a_higher_one_finds_nothing_more():
    rng = np.random.default_rng(7)
    positives = np.concatenate([_source(rng, 15, np.full(DIMENSION, 3.0)) for _ in range(2)])
    negatives, names = _event_sources(rng, 6, 20, distance=0.5)
    settings = _settings(weak_false_positive_rates=[0.05, 0.01, 0.03], weak_false_positive_budget=0.5)
    info = teach.train("kind", positives, negatives, settings, ["a"] * 15 + ["b"] * 15, names).info
    assert [e["recall"] for e in info["weak_rate_estimates"]] == [1.0, 1.0, 1.0]
    assert info["weak_false_positive_rate"] == 0.01


def test_the_built_in_negatives_are_shipped_for_the_current_features():
    vectors, groups = teach.built_in_negatives()
    assert vectors is not None and vectors.shape == (len(groups), 2 * 1280)
    assert len(set(groups)) >= 20 and np.all(np.isfinite(vectors))


def _copies(source, folder, prefix: str, count: int = 3) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    image = Image.open(source).convert("RGB")
    width, height = image.size
    for i in range(count):
        cut = 0.05 * i
        variant = image.crop((int(width * cut), int(height * cut), width, height))
        (ImageOps.mirror(variant) if i % 2 else variant).save(folder / f"{prefix}_{i}.jpg", quality=90)


def test_teach_names_its_sources_and_warns_in_the_users_language(tmp_path, monkeypatch):
    monkeypatch.setenv("PHOTOCHECK_TAUGHT_DIR", str(tmp_path / "taught"))
    _copies(SAMPLES / "coffee.jpg", tmp_path / "with", "cup")
    _copies(SAMPLES / "astronaut.jpg", tmp_path / "without" / "portraits", "astronaut")
    _copies(SAMPLES / "group_three_smiling.jpg", tmp_path / "without" / "party", "men")
    arguments = ["teach", "food_fight", "--positive", str(tmp_path / "with"), "--negative", str(tmp_path / "without"),
                 "--no-cache"]
    english = CliRunner().invoke(app, [*arguments, "--lang", "en"])
    assert english.exit_code == 0, english.output
    assert "from 1 source(s) and 6 without from 2 source(s)" in english.output
    assert "Warning: all photos with it come from one source" in english.output
    assert "Warning: fewer than 100 photos without it" in english.output
    rate, settings = taught.load_all(tmp_path / "taught")[0].info["weak_false_positive_rate"], default_config().teach
    assert rate in settings.weak_false_positive_rates
    budget = settings.weak_false_positive_budget
    assert f"(weak flags at a rate of {rate:.2f}, chosen within a budget of {budget:.3f})" in english.output
    dutch = CliRunner().invoke(app, [*arguments, "--lang", "nl"])
    assert "uit 1 bron(nen)" in dutch.output and "Let op: minder dan 3 bronnen" not in dutch.output
    assert "Let op: alle foto's met komen uit één bron" in dutch.output
    stored = taught.load_all(tmp_path / "taught")
    assert [c.kind for c in stored] == ["food_fight"] and stored[0].strong_threshold > 1.0
