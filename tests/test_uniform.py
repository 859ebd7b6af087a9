"""Uniform: torso colour sampling (stage 1), profiles, the per-person match (stage 2) and calibrate-uniform."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest
from typer.testing import CliRunner

from photocheck.analysis.torso import lab, sample_torsos
from photocheck.cli import app
from photocheck.config import SETTING_CHOICES, ConfigError
from photocheck.i18n import explained, localized
from photocheck.judges.policy import judge, judging_context
from photocheck.judges.uniform import judge_uniform, wears_uniform
from photocheck.records.analysis import Box, ColourCluster, Detection, Face, PhotoAnalysis, TorsoSample
from photocheck.uniform_calibration import CalibrationError, learn_profile
from photocheck.uniforms import (
    ColourRange,
    ProfileError,
    builtin_profile_names,
    load_profile,
    parse_profile,
    user_profile_dir,
)

from .conftest import SAMPLES

KSA_BLUE = (38, 68, 150)
BEIGE = (196, 182, 146)
SKIN = (214, 160, 130)
FACE = Box(120, 40, 180, 110)  # 60 x 70 px


def photo_with_shirt(shirt: tuple[int, int, int], gain: float = 1.0, cast: tuple[float, float, float] = (1, 1, 1)):
    """A 320x320 scene: grey, white and green background, a skin-coloured face and a shirt below it; then a
    brightness gain and a per-channel colour cast on the whole frame, as a camera or the light would."""
    rng = np.random.default_rng(0)
    image = np.zeros((320, 320, 3), dtype=np.float32)
    image[:, :160] = (128, 128, 128)
    image[:, 160:] = (70, 120, 60)
    image[:60] = (235, 235, 235)
    image[40:110, 120:180] = SKIN
    image[110:320, 70:230] = shirt
    image += rng.normal(0, 4, image.shape)
    image = image * gain * np.array(cast, dtype=np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def torso_of(rgb: np.ndarray, config) -> TorsoSample:
    samples = sample_torsos(rgb, [Face(box=FACE, score=0.9)], [], config.torso)
    assert len(samples) == 1 and samples[0].source == "face"
    return samples[0]


LIGHTING = {
    "plain": (1.0, (1, 1, 1)),
    "dim x0.6": (0.6, (1, 1, 1)),
    "bright x1.3": (1.3, (1, 1, 1)),
    "warm cast": (1.0, (1.12, 1.0, 0.86)),
    "cool cast": (1.0, (0.9, 1.0, 1.12)),
}


@pytest.mark.parametrize("lighting", LIGHTING)
def test_ksa_blue_shirt_is_matched_and_beige_is_not_under_any_lighting(config, lighting):
    gain, cast = LIGHTING[lighting]
    ksa = load_profile("ksa")
    assert wears_uniform(torso_of(photo_with_shirt(KSA_BLUE, gain, cast), config), ksa, config.uniform)
    assert not wears_uniform(torso_of(photo_with_shirt(BEIGE, gain, cast), config), ksa, config.uniform)


@pytest.mark.parametrize("lighting", ["plain", "dim x0.6", "warm cast", "cool cast"])
def test_beige_shirt_is_matched_by_the_scouts_profile(config, lighting):
    gain, cast = LIGHTING[lighting]
    scouts = load_profile("scouts")
    assert wears_uniform(torso_of(photo_with_shirt(BEIGE, gain, cast), config), scouts, config.uniform)
    assert not wears_uniform(torso_of(photo_with_shirt(KSA_BLUE, gain, cast), config), scouts, config.uniform)


def test_white_balance_removes_a_colour_cast(config):
    neutral = torso_of(photo_with_shirt((128, 128, 128)), config)
    warm = torso_of(photo_with_shirt((128, 128, 128), cast=(1.12, 1.0, 0.86)), config)
    raw_warm = lab(np.array([[128 * 1.12, 128, 128 * 0.86]], dtype=np.uint8))[0]
    chroma = lambda colour: float(np.hypot(colour.lab[1], colour.lab[2]))  # noqa: E731
    assert chroma(neutral.colours[0]) < 3
    assert chroma(warm.colours[0]) < float(np.hypot(raw_warm[1], raw_warm[2])) / 2


def test_neckerchief_under_the_chin_is_matched(config):
    rgb = photo_with_shirt((30, 30, 30))  # black T-shirt: only the neckerchief says KSA
    rgb[112:150, 135:165] = (235, 110, 30)  # orange
    sample = torso_of(rgb, config)
    assert wears_uniform(sample, load_profile("ksa"), config.uniform)
    assert not wears_uniform(torso_of(photo_with_shirt((30, 30, 30)), config), load_profile("ksa"), config.uniform)


def test_torso_outside_the_frame_is_not_sampled_and_faceless_person_boxes_are(config):
    rgb = photo_with_shirt(KSA_BLUE)
    low_face = Face(box=Box(120, 280, 180, 318), score=0.9)  # chest below the frame
    person = Detection("person", Box(200, 20, 310, 300), 0.8)
    samples = sample_torsos(rgb, [low_face], [person], config.torso)
    assert [sample.source for sample in samples] == ["person"]


def test_a_person_box_holding_a_face_is_sampled_once_under_the_face(config):
    person = Detection("person", Box(60, 20, 240, 320), 0.8)
    edge_only = Detection("person", Box(150, 75, 300, 320), 0.8)  # the face centre (150, 75) on its corner
    samples = sample_torsos(photo_with_shirt(KSA_BLUE), [Face(box=FACE, score=0.9)], [person, edge_only], config.torso)
    assert [sample.source for sample in samples] == ["face"]


def test_photo_judgement_counts_people_and_fraction(config):
    ksa = load_profile("ksa")
    blue = torso_of(photo_with_shirt(KSA_BLUE), config)
    beige = torso_of(photo_with_shirt(BEIGE), config)
    judged = judge_uniform([blue, beige, beige], ksa, config.uniform)
    assert (judged.people_in_uniform, judged.people_checked) == (1, 3)
    assert judged.fraction == pytest.approx(1 / 3)
    assert judged.visible == (1 / 3 >= config.uniform.min_fraction)
    nobody = judge_uniform([], ksa, config.uniform)
    assert not nobody.visible and nobody.fraction is None and nobody.profile == "ksa"


def uniform_settings(config, **choices):
    return config.with_overrides({"uniform": choices}, "test").uniform


@pytest.mark.parametrize(("judged_people", "with_a_face", "backs_only"), [
    # (people in uniform, people judged, visible) beside a face in beige, and with only the two blue backs
    ("faces_first", (0, 1, False), (2, 2, True)),  # person boxes speak only when no face shows a torso
    ("faces_only", (0, 1, False), (0, 0, False)),  # faceless person boxes never speak
    ("all", (2, 3, True), (2, 2, True)),  # every sampled torso, as before
])
def test_which_people_are_judged(config, judged_people, with_a_face, backs_only):
    ksa = load_profile("ksa")
    under_face = torso_of(photo_with_shirt(BEIGE), config)
    blue_backs = [replace(torso_of(photo_with_shirt(KSA_BLUE), config), source="person", index=i) for i in range(2)]
    settings = uniform_settings(config, judged_people=judged_people)
    for torsos, expected in (([under_face, *blue_backs], with_a_face), (blue_backs, backs_only)):
        judged = judge_uniform(torsos, ksa, settings)
        assert (judged.people_in_uniform, judged.people_checked, judged.visible) == expected


@pytest.mark.parametrize(("weigh_people_by", "blue_share", "visible"), [
    ("area", 100**2 / (100**2 + 3 * 20**2), True),  # the one in front fills most of the judged torso area
    ("sqrt_area", 100 / (100 + 3 * 20), True),  # the one in front still outweighs the three behind
    ("count", 1 / 4, False),  # one person of four, below min_fraction 0.3
])
def test_one_person_in_uniform_in_front_of_three_small_figures(config, weigh_people_by, blue_share, visible):
    ksa = load_profile("ksa")
    blue, beige = torso_of(photo_with_shirt(KSA_BLUE), config), torso_of(photo_with_shirt(BEIGE), config)
    near, far = Box(0, 0, 100, 100), Box(0, 0, 20, 20)
    settings = uniform_settings(config, weigh_people_by=weigh_people_by, min_fraction=0.3)
    judged = judge_uniform([replace(blue, box=near)] + [replace(beige, box=far)] * 3, ksa, settings)
    assert judged.fraction == pytest.approx(blue_share)
    assert (judged.visible, judged.people_in_uniform, judged.people_checked) == (visible, 1, 4)
    assert judged.weighed_by == weigh_people_by


@pytest.mark.parametrize(("weigh_people_by", "visible"), [
    ("area", False),  # 3 x 20x20 against 100x100: the one in front decides
    ("sqrt_area", True),  # 3 x 20 against 100: the crowd still counts
    ("count", True),  # 3 of 4
])
def test_a_crowd_in_uniform_behind_one_person_without_it(config, weigh_people_by, visible):
    ksa = load_profile("ksa")
    blue, beige = torso_of(photo_with_shirt(KSA_BLUE), config), torso_of(photo_with_shirt(BEIGE), config)
    near, far = Box(0, 0, 100, 100), Box(0, 0, 20, 20)
    crowd_behind = [replace(blue, box=far)] * 3 + [replace(beige, box=near)]
    settings = uniform_settings(config, weigh_people_by=weigh_people_by, min_fraction=0.3)
    assert judge_uniform(crowd_behind, ksa, settings).visible == visible


@pytest.mark.parametrize("setting", ["judged_people", "weigh_people_by"])
def test_an_unknown_choice_is_refused_when_the_settings_are_read_naming_the_choices(tmp_path, config, setting):
    from photocheck.judges.uniform import JUDGED_PEOPLE, PERSON_WEIGHTS

    assert tuple({"judged_people": JUDGED_PEOPLE, "weigh_people_by": PERSON_WEIGHTS}[setting]) == \
        SETTING_CHOICES[f"uniform.{setting}"]  # every name the settings accept is one the judge acts on
    settings_file = tmp_path / "settings.toml"
    settings_file.write_text(f'[uniform]\n{setting} = "faces"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=f"uniform.{setting}.*'faces'.*{SETTING_CHOICES[f'uniform.{setting}'][1]}"):
        config.with_file(settings_file)


@pytest.mark.parametrize(("weigh_people_by", "english", "dutch"), [
    ("area", "on 89% of the judged torso area (1 of 4 people wear it)",
     "op 89% van de beoordeelde rompoppervlakte (1 van de 4 personen dragen ze)"),
    ("count", "only 25% of the judged people (1 of 4 people wear it)", "maar op 25% van de beoordeelde personen"),
])
def test_the_uniform_reason_states_the_share_that_decided(config, weigh_people_by, english, dutch):
    blue, beige = torso_of(photo_with_shirt(KSA_BLUE), config), torso_of(photo_with_shirt(BEIGE), config)
    near, far = Box(0, 0, 100, 100), Box(0, 0, 20, 20)
    analysis = PhotoAnalysis(
        path="front_row.jpg", ok=True, width=400, height=300,
        torsos=[replace(blue, box=near)] + [replace(beige, box=far)] * 3,
    )
    settings = config.with_overrides({"uniform": {"weigh_people_by": weigh_people_by, "min_fraction": 0.2}}, "test")
    [reason] = [r for r in judge(analysis, settings, judging_context(settings)).reasons if r.policy == "uniform"]
    assert english in reason.detail
    assert dutch in localized(reason, "nl").detail
    assert {"profile": "ksa", "count": 1, "checked": 4}.items() <= reason.values.items()


def test_builtin_profiles_load_and_validate():
    names = builtin_profile_names()
    assert {"ksa", "chiro", "scouts", "klj"} <= set(names)
    for name in names:
        profile = load_profile(name)
        assert profile.name == name and profile.shirt
        assert parse_profile(profile.to_toml(), name) == profile  # what calibrate writes reads back the same


@pytest.mark.parametrize("broken, message", [
    ('name = "x"\nmin_shirt_share = 0.3\n', "at least one"),
    ('name = "x"\nmin_shirt_share = 0.3\ncolour = 1\n', "unknown key"),
    ('name = "x"\nmin_shirt_share = 1.5\n[[shirt]]\nhue = [0, 10]\nchroma = [0, 10]\nlightness = [0, 10]\n', "(0, 1]"),
    ('name = "x"\nmin_shirt_share = 0.3\n[[shirt]]\nhue = [0, 10]\nchroma = [20, 10]\nlightness = [0, 10]\n', "low, high"),
    ('name = "x"\nmin_shirt_share = 0.3\n[[shirt]]\nhue = [0, 400]\nchroma = [0, 10]\nlightness = [0, 10]\n', "hue"),
    ('name = "X Y"\nmin_shirt_share = 0.3\n[[shirt]]\nhue = [0, 10]\nchroma = [0, 10]\nlightness = [0, 10]\n', "name"),
    ('name = "x"\nmin_shirt_share = 0.3\n[[shirt]]\nhue = [0, 10]\nchroma = [0, 10]\n', "exactly"),
])
def test_invalid_profiles_are_refused(broken, message):
    with pytest.raises(ProfileError, match=re.escape(message)):
        parse_profile(broken, "test")


def test_hue_range_wraps_past_360():
    red = ColourRange(hue=(340.0, 20.0), chroma=(30.0, 100.0), lightness=(20.0, 80.0))
    at = lambda hue: (50.0, 50 * np.cos(np.radians(hue)), 50 * np.sin(np.radians(hue)))  # noqa: E731
    assert red.contains(at(350)) and red.contains(at(10))
    assert not red.contains(at(60)) and not red.contains(at(300))


def _sample(shirt_lab, rng, neck_lab=None) -> TorsoSample:
    """A person in a shirt of colour `shirt_lab` (varied by light), with skin and a random background patch."""
    light = rng.uniform(0.75, 1.2)
    shirt = (shirt_lab[0] * light, shirt_lab[1] * light ** 0.5, shirt_lab[2] * light ** 0.5)
    background = tuple(rng.uniform([20, -40, -40], [90, 40, 40]))
    neck = [ColourCluster(lab=(65.0, 14.0, 18.0), share=0.6)]
    if neck_lab is not None:
        neck.append(ColourCluster(lab=neck_lab, share=0.4))
    return TorsoSample(
        box=Box(0, 0, 10, 10), source="face", index=0,
        colours=[ColourCluster(lab=shirt, share=0.6), ColourCluster(lab=(65.0, 14.0, 18.0), share=0.25),
                 ColourCluster(lab=background, share=0.15)],
        neck=neck,
    )


def test_learnt_profile_matches_its_shirt_and_neckerchief_and_not_other_colours(config):
    rng = np.random.default_rng(1)
    green, orange = (45.0, -38.0, 28.0), (60.0, 35.0, 60.0)
    samples = [_sample(green, rng, neck_lab=orange) for _ in range(12)]
    profile = learn_profile("green", samples, config.uniform.calibration)
    assert profile.neckerchief, "a recurring saturated neck colour becomes the neckerchief"
    assert all(wears_uniform(_sample(green, rng), profile, config.uniform) for _ in range(10))
    for other in [(35.0, 10.0, -45.0), (75.0, 2.0, 20.0), (40.0, 50.0, 35.0)]:  # blue, beige, red shirts
        assert not any(wears_uniform(_sample(other, rng), profile, config.uniform) for _ in range(10)), other
    red_with_orange = _sample((40.0, 50.0, 35.0), rng, neck_lab=orange)
    assert wears_uniform(red_with_orange, profile, config.uniform)


def test_learning_needs_people(config):
    with pytest.raises(CalibrationError, match="No person") as raised:
        learn_profile("empty", [], config.uniform.calibration)
    assert explained(raised.value, "nl").startswith("Op de foto's werd geen bovenlichaam")


def test_calibrate_uniform_cli_saves_a_profile_that_scan_then_uses(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("PHOTOCHECK_CACHE_DIR", str(tmp_path / "cache"))
    runner = CliRunner()
    photo = SAMPLES / "astronaut.jpg"
    learnt = runner.invoke(app, ["calibrate-uniform", "flight-suit", str(photo)])
    assert learnt.exit_code == 0, learnt.output
    saved = user_profile_dir() / "flight-suit.toml"
    assert saved.is_file() and str(saved).startswith(str(tmp_path))
    assert load_profile("flight-suit").name == "flight-suit"

    scanned = runner.invoke(app, ["scan", str(photo), "--profile", "flight-suit", "--workers", "1", "--json", "-"])
    assert scanned.exit_code == 0, scanned.output
    uniform = json.loads(scanned.stdout)["photos"][0]["uniform"]
    assert uniform["profile"] == "flight-suit"
    assert uniform["visible"] and uniform["people_in_uniform"] == 1


def test_unknown_profile_is_a_setup_error_before_any_analysis(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["scan", str(SAMPLES / "coffee.jpg"), "--profile", "nope", "--no-cache"])
    assert result.exit_code == 3
    assert "unknown uniform profile 'nope'" in result.output


def test_pipeline_samples_the_torso_under_a_real_face(analyzer):
    analysis = analyzer.analyse(SAMPLES / "astronaut.jpg", "astronaut.jpg")
    assert len(analysis.faces) == 1 and len(analysis.torsos) == 1
    torso, face = analysis.torsos[0], analysis.faces[0].box
    assert torso.source == "face" and torso.index == 0
    assert torso.box.y1 > face.y2 and torso.box.x2 <= analysis.width and torso.box.y2 <= analysis.height
    assert sum(colour.share for colour in torso.colours) == pytest.approx(1.0, abs=0.01)


def test_torso_colours_survive_the_json_round_trip(analyzer, config):
    from photocheck.outputs.json_output import photo_record
    from photocheck.records.judgement import PhotoResult
    from photocheck.scan_file import analysis_from_record

    analysis = analyzer.analyse(SAMPLES / "group_three_smiling.jpg", "group_three_smiling.jpg")
    restored = analysis_from_record(json.loads(json.dumps(photo_record(PhotoResult(analysis, None)))))
    assert len(restored.torsos) == len(analysis.torsos) > 0
    for profile in ("ksa", "chiro"):
        judged = [judge_uniform(a.torsos, load_profile(profile), config.uniform) for a in (analysis, restored)]
        assert judged[0] == judged[1]
