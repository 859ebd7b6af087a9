"""Build photocheck/data/public_brands.txt: commercial brand names from the name-suggestion-index (NSI).

    npm pack name-suggestion-index@8.0.20260918          # the registry tarball (BSD-3-Clause data)
    python -m venv /tmp/brandvenv && /tmp/brandvenv/bin/pip install wordfreq==3.1.1 numpy  # numpy: photocheck.text_lines imports it
    /tmp/brandvenv/bin/python scripts/build_public_brands.py name-suggestion-index-8.0.20260918.tgz

Only this script reads the tarball (and wordfreq, to drop names that are everyday words); photocheck reads the
committed text file it writes, never the network. Kept are the brands of NSI's shop, food-and-drink, bank, fuel,
insurance, estate-agent and leisure categories whose location set includes the world (001), Europe (150), the EU,
Belgium, the Netherlands or Luxembourg. Dropped are names that would match ordinary text read in a photo:
- names of 3 letters or digits or fewer (OCR reads such words out of any texture);
- names without a Latin letter (the text reader reads Latin script);
- names that are an everyday word, or made of everyday words only, in Dutch, French, English or German (wordfreq
  Zipf frequency >= COMMON_WORD_ZIPF: "Action", "Match", "Pizza Hut" go; the short Belgian list of brands.toml
  keeps such well-known names, matched there with care);
- youth-movement names (brands.toml [allowed]) and NSI's scout-club category: a movement is never advertising.
Each output line is `compact key<TAB>display name`; the key is photocheck.analysis.text_lines.compact of the name.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tarfile
from pathlib import Path

import tomllib
from wordfreq import zipf_frequency

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from photocheck.analysis.text_lines import compact, normalise  # noqa: E402

OUTPUT = ROOT / "photocheck" / "data" / "public_brands.txt"
MIN_KEY = 4
COMMON_WORD_ZIPF = 3.5  # about once in 300,000 words: "bakker" 4.3, "zeeman" 3.6; "delhaize" 3.1 stays
LANGUAGES = ("nl", "fr", "en", "de")
LOCATIONS = {"001", "150", "eu", "be", "nl", "lu"}
REGION_PREFIXES = ("be-", "nl-", "lu-")
CATEGORIES = (
    "brands/shop/",
    "brands/amenity/fast_food", "brands/amenity/restaurant", "brands/amenity/cafe", "brands/amenity/bar",
    "brands/amenity/pub", "brands/amenity/ice_cream", "brands/amenity/bank", "brands/amenity/atm",
    "brands/amenity/fuel", "brands/amenity/charging_station", "brands/amenity/pharmacy", "brands/amenity/car_rental",
    "brands/amenity/car_wash", "brands/amenity/cinema", "brands/amenity/casino", "brands/amenity/gambling",
    "brands/amenity/money_transfer", "brands/amenity/bureau_de_change", "brands/amenity/vending_machine",
    "brands/amenity/driving_school",
    "brands/office/insurance", "brands/office/estate_agent", "brands/office/telecommunication",
    "brands/office/employment_agency", "brands/office/financial", "brands/office/financial_advisor",
    "brands/office/logistics", "brands/office/moving_company",
    "brands/leisure/fitness_centre", "brands/leisure/amusement_arcade", "brands/leisure/bowling_alley",
    "brands/leisure/escape_game", "brands/leisure/trampoline_park", "brands/leisure/indoor_play",
    "brands/tourism/hotel", "brands/tourism/motel", "brands/tourism/theme_park",
)


def near_belgium(item: dict) -> bool:
    include = [str(place).lower() for place in item.get("locationSet", {}).get("include", [])]
    return any(place in LOCATIONS or place.startswith(REGION_PREFIXES) for place in include)


def names_of(item: dict) -> set[str]:
    tags = item.get("tags", {})
    return {name for name in (item.get("displayName"), tags.get("brand"), tags.get("name")) if name}


def everyday_words(name: str) -> bool:
    words = normalise(name).split()
    return all(max(zipf_frequency(word, language) for language in LANGUAGES) >= COMMON_WORD_ZIPF for word in words)


def build(tarball: Path) -> str:
    with tarfile.open(tarball) as archive:
        meta = json.loads(archive.extractfile("package/package.json").read())
        nsi = json.loads(archive.extractfile("package/dist/json/nsi.json").read())["nsi"]
    brands_toml = tomllib.loads((ROOT / "photocheck" / "data" / "brands.toml").read_text(encoding="utf-8"))
    movements = {compact(name) for name in brands_toml["allowed"]["names"]}
    kept: dict[str, str] = {}
    for path, category in nsi.items():
        if not path.startswith(CATEGORIES):
            continue
        for item in category["items"]:
            if not near_belgium(item):
                continue
            for name in names_of(item):
                key = compact(name)
                if len(key) < MIN_KEY or not any("a" <= ch <= "z" for ch in key) or key in movements:
                    continue
                if key not in kept and not everyday_words(name):
                    kept[key] = name
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    header = [
        "# Commercial brand names for the advertising flag (photocheck/judges/commercial.py), exact matches only.",
        f"# Source: npm package {meta['name']}@{meta['version']} ({meta['license']}, copyright name-suggestion-index"
        " contributors; LICENSE.md in the tarball),",
        f"# tarball sha256 {digest}.",
        "# Built by scripts/build_public_brands.py (see its docstring for what is kept). Do not edit by hand.",
        "# compact key<TAB>name",
    ]
    lines = [f"{key}\t{' '.join(kept[key].split())}" for key in sorted(kept)]
    return "\n".join(header + lines) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(build(Path(sys.argv[1])), encoding="utf-8")
    print(f"wrote {OUTPUT}")
