"""Build photocheck/data/taught_negatives.npz: features (`taught.features`) of redistributable photos that show none
of the kinds users teach, always part of the negatives of `photocheck teach`.

    /work/main/.venv/bin/python models/build/taught_negatives.py [KPHOTOALBUM_DEMO_DIR]

Photos: the 24 demo photos of Debian's `kphotoalbum` package (CC BY-SA 4.0, Jesper K. Pedersen; fetched with
`apt-get download kphotoalbum` when no folder is given) and sample_images/astronaut.jpg (public domain, NASA). Each is
used as is, mirrored and centre-cropped to 80 %, so 75 rows in 25 groups (one per photo: the copies stay in one fold).
Only features are stored, never photos. Evaluation data (../shared/eval) is never used.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from photocheck.config import default_config  # noqa: E402
from photocheck.judges import taught  # noqa: E402
from photocheck.analysis.pipeline import Analyzer  # noqa: E402
from photocheck.teach import BUILT_IN_NEGATIVES  # noqa: E402

OUTPUT = ROOT / "photocheck" / "data" / BUILT_IN_NEGATIVES
DEMO = "usr/share/kphotoalbum/demo"


def kphotoalbum_demo(work: Path) -> Path:
    subprocess.run(["apt-get", "download", "kphotoalbum"], cwd=work, check=True, capture_output=True)
    package = next(work.glob("kphotoalbum_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(package), str(work / "x")], check=True)
    return work / "x" / DEMO


def variants(path: Path) -> list[Image.Image]:
    image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    width, height = image.size
    crop = image.crop((width // 10, height // 10, width - width // 10, height - height // 10))
    return [image, ImageOps.mirror(image), crop]


def main(argv: list[str]) -> int:
    analyzer = Analyzer(default_config())
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        demo = Path(argv[0]) if argv else kphotoalbum_demo(work)
        photos = sorted(demo.glob("*.jpg")) + [ROOT / "sample_images" / "astronaut.jpg"]
        features, groups = [], []
        for photo in photos:
            for i, image in enumerate(variants(photo)):
                path = work / f"{photo.stem}_{i}.jpg"
                image.save(path, quality=92)
                feature = taught.features(analyzer.analyse(path, path.name))
                if feature is None:
                    raise SystemExit(f"{photo} could not be analysed")
                features.append(feature)
                groups.append(photo.stem)
    np.savez_compressed(OUTPUT, features=np.stack(features).astype(np.float16), groups=np.array(groups),
                        feature_version=np.array(taught.FEATURE_VERSION))
    print(f"{OUTPUT}: {len(features)} rows from {len(photos)} photos")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
