"""Write OUT_DIR/samples.npz: preprocessed real inputs for the conversion checks (read-only use of eval photos).

usage: make_samples.py OUT_DIR PHOTO_DIR FACE_DIR   (missing dirs -> random inputs, with a warning)
Preprocessing follows docs/models.md so the checks run on realistic value ranges.
"""
import glob, os, sys

import numpy as np
import tensorflow as tf


def load(pattern, n):
    files = sorted(glob.glob(pattern))[:n]
    return [tf.io.decode_jpeg(tf.io.read_file(f), channels=3).numpy().astype(np.float32) for f in files]


def square_resize(img, size):  # pad to square (bottom/right), then resize
    h, w, _ = img.shape
    s = max(h, w)
    img = np.pad(img, ((0, s - h), (0, s - w), (0, 0)))
    return tf.image.resize(img, (size, size)).numpy()


def centre_crop(img, short=256, crop=224):
    h, w, _ = img.shape
    k = short / min(h, w)
    img = tf.image.resize(img, (round(h * k), round(w * k))).numpy()
    y, x = (img.shape[0] - crop) // 2, (img.shape[1] - crop) // 2
    return img[y:y + crop, x:x + crop]


def main(out_dir, photo_dir, face_dir):
    photos, faces = load(os.path.join(photo_dir, "*.jpg"), 3), load(os.path.join(face_dir, "*.jpg"), 8)
    rng = np.random.default_rng(0)
    if not photos:
        print("WARNING: no sample photos in", photo_dir, "- using random inputs")
        photos = [rng.uniform(0, 255, (480, 640, 3)).astype(np.float32) for _ in range(3)]
    if not faces:
        print("WARNING: no sample faces in", face_dir, "- using random inputs")
        faces = [rng.uniform(0, 255, (64, 64, 3)).astype(np.float32) for _ in range(8)]
    s = {}
    s["blazeface"] = np.stack([square_resize(p, 256) / 127.5 - 1 for p in photos])
    bgr = np.stack([square_resize(p, 416)[..., ::-1] for p in photos])
    s["nanodet"] = ((bgr - [103.53, 116.28, 123.675]) / [57.375, 57.12, 58.395]).transpose(0, 3, 1, 2)
    s["efficientnet"] = ((np.stack([centre_crop(p) for p in photos]) - 127) / 128).transpose(0, 3, 1, 2)
    s["facemesh"] = np.stack([tf.image.resize(f, (192, 192)).numpy() / 255 for f in faces])
    gray = np.stack([tf.image.resize(tf.image.rgb_to_grayscale(f), (64, 64)).numpy() for f in faces])
    s["faces64"] = (gray / 255 - 0.5) * 2
    # PP-OCRv4 text detector (rapidocr): BGR, (x / 255 - 0.5) / 0.5, NCHW, sides multiples of 32
    s["ocr_det"] = np.stack([tf.image.resize(p, (480, 640)).numpy()[..., ::-1] / 127.5 - 1 for p in photos]
                            ).transpose(0, 3, 1, 2)
    # PP-OCRv4 text recogniser: lines of 48 x 320 px (here the middle strip of each photo, its height a tenth of the
    # photo), BGR, (x / 255 - 0.5) / 0.5, NCHW
    strips = [p[int(p.shape[0] * 0.45):int(p.shape[0] * 0.55)] for p in photos]
    s["ocr_rec"] = np.stack([tf.image.resize(t, (48, 320)).numpy()[..., ::-1] / 127.5 - 1 for t in strips]
                            ).transpose(0, 3, 1, 2)
    s["faces224"] = np.stack([tf.image.resize(f, (224, 224)).numpy() for f in faces])  # faceres: RGB 0..255
    np.savez(os.path.join(out_dir, "samples.npz"), **{k: v.astype(np.float32) for k, v in s.items()})
    print({k: v.shape for k, v in s.items()})


if __name__ == "__main__":
    main(*sys.argv[1:])
