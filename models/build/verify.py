"""Print every models/*.onnx input/output (as onnxruntime sees them) and, where REF_DIR/NAME.npz exists, the max abs
difference between onnxruntime and the original framework on the same real inputs.

usage: verify.py MODELS_DIR REF_DIR   (writes REF_DIR/verify.json; exit 1 if a diff exceeds 1e-4 * max|ref| + 1e-5)
"""
import glob, json, os, sys

import numpy as np
import onnxruntime as ort


def run(sess, x):
    """Run all outputs; a graph with a fixed batch of 1 gets the samples one at a time."""
    inp = sess.get_inputs()[0]
    chunks = [x[i:i + 1] for i in range(len(x))] if inp.shape[0] == 1 else [x]
    outs = [sess.run(None, {inp.name: c}) for c in chunks]
    return {o.name: np.concatenate([r[i] for r in outs]) for i, o in enumerate(sess.get_outputs())}


def main(models_dir, ref_dir):
    report, ok = {}, True
    for path in sorted(glob.glob(os.path.join(models_dir, "*.onnx"))):
        name = os.path.basename(path)[:-5]
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        print(f"== {name}")
        for kind, args in (("in ", sess.get_inputs()), ("out", sess.get_outputs())):
            for a in args:
                print(f"  {kind} {a.name!r} {a.shape} {a.type}")
        ref_path = os.path.join(ref_dir, name + ".npz")
        if not os.path.exists(ref_path):
            continue
        ref = np.load(ref_path)
        got = run(sess, ref["in:" + sess.get_inputs()[0].name])
        diffs = {}
        for out, val in got.items():
            want = ref["out:" + out].reshape(val.shape)
            diffs[out] = float(np.abs(val - want).max())
            tol = 1e-4 * float(np.abs(want).max()) + 1e-5
            ok &= diffs[out] <= tol
            print(f"  max abs diff {out}: {diffs[out]:.3g} (max |ref| {np.abs(want).max():.3g}, n={len(val)})")
        report[name] = diffs
    with open(os.path.join(ref_dir, "verify.json"), "w") as f:
        json.dump(report, f, indent=1)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main(*sys.argv[1:])
