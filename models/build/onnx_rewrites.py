"""Rewrites of converted ONNX graphs, for speed only: each computes the same function (bit for bit, or up to float
rounding where weights are rescaled), and verify.py checks the rewritten file against the original framework.

onnxruntime runs a convolution in its blocked NCHWc layout and fuses a directly following activation into it; an
elementwise op between the two costs its own pass over the feature map plus two layout reorders. These rewrites take
such ops out of the way.
"""
import collections

import numpy as np
import onnx
from onnx import helper, numpy_helper


class _Graph:
    """Look-ups over one graph: constant values (initializers and Constant nodes), producers, consumers."""

    def __init__(self, model):
        self.graph = model.graph
        self.constant_nodes = {n.output[0]: n for n in self.graph.node if n.op_type == "Constant"}
        self.initializers = {i.name: i for i in self.graph.initializer}
        self.producer = {output: node for node in self.graph.node for output in node.output}
        self.consumers = collections.defaultdict(list)
        for node in self.graph.node:
            for name in node.input:
                self.consumers[name].append(node)
        self.outputs = {output.name for output in self.graph.output}

    def value(self, name):
        if name in self.constant_nodes:
            return numpy_helper.to_array(self.constant_nodes[name].attribute[0].t)
        if name in self.initializers:
            return numpy_helper.to_array(self.initializers[name])
        return None

    def scalar(self, name):
        value = self.value(name)
        return None if value is None or value.size != 1 else float(value.reshape(()))

    def set_value(self, name, array):
        tensor = numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)
        if name in self.constant_nodes:
            self.constant_nodes[name].attribute[0].t.CopyFrom(tensor)
        elif name in self.initializers:
            self.initializers[name].CopyFrom(tensor)
        else:
            self.graph.initializer.append(tensor)
            self.initializers[name] = self.graph.initializer[-1]

    def only_consumer(self, name):
        """The one node reading tensor `name`, or None when it has several readers or is a graph output."""
        readers = self.consumers[name]
        return readers[0] if len(readers) == 1 and name not in self.outputs else None

    def scalar_operand(self, node):
        """(the tensor operand, the scalar constant) of a binary node with exactly one scalar constant input."""
        scalars = [self.scalar(name) for name in node.input]
        if len(node.input) != 2 or sum(s is not None for s in scalars) != 1:
            return None
        return (node.input[0], scalars[1]) if scalars[1] is not None else (node.input[1], scalars[0])

    def owns_parameters(self, conv):
        """Whether `conv` alone reads its weights and bias (so they can be rescaled for it)."""
        return all(len(self.consumers[name]) == 1 for name in conv.input[1:3])

    def conv_bias(self, conv):
        """The bias of `conv`, given a zero bias first if it has none."""
        if len(conv.input) < 3:
            conv.input.append(conv.name + "_bias")
            self.set_value(conv.input[2], np.zeros(self.value(conv.input[1]).shape[0], np.float32))
        return self.value(conv.input[2])

    def rebuild(self, nodes, renamed):
        """Make `nodes` the graph's nodes, each reading renamed tensors by their new names, without unused constants.
        (`nodes` is built from the graph's own node objects: protobuf copies them on `extend`.)"""
        for node in nodes:
            for index, name in enumerate(node.input):
                while name in renamed:
                    name = renamed[name]
                node.input[index] = name
        used = {name for node in nodes for name in node.input} | self.outputs
        nodes = [node for node in nodes if node.op_type != "Constant" or node.output[0] in used]
        del self.graph.node[:]
        self.graph.node.extend(nodes)
        initializers = [i for i in self.graph.initializer if i.name in used]
        del self.graph.initializer[:]
        self.graph.initializer.extend(initializers)


def _unpadded(conv):
    attributes = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
    return not any(attributes.get("pads", [])) and attributes.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET")


def fold_scalar_affines(model):
    """Fold the graph's scalar affine steps `Add(Mul(x, a), b)` into neighbouring convolutions.

    PP-OCRv4's backbone (PPLCNetV3) puts such a "learnable affine block" after a convolution and again after its
    activation. After a convolution: a * (W x + B) + b = (a W) x + (a B + b). Before convolutions that all read it
    unpadded (1x1): W (a x + b) + B = (a W) x + (B + b sum(W)). Before a padded convolution the padding zeros must
    stay zeros, so only the scale moves into its weights and x + b / a is still added: W (a (x + b / a)) = (a W)(x +
    b / a). Returns the counts (after a convolution, before unpadded ones, scale only).
    """
    g = _Graph(model)
    removed, renamed = set(), {}
    after_conv = before_unpadded = scale_only = 0
    for mul in list(g.graph.node):
        if mul.op_type != "Mul" or (mul_operand := g.scalar_operand(mul)) is None:
            continue
        add = g.only_consumer(mul.output[0])
        if add is None or add.op_type != "Add" or (add_operand := g.scalar_operand(add)) is None:
            continue
        x, a = mul_operand
        _, b = add_operand
        conv = g.producer.get(x)
        if (conv is not None and conv.op_type == "Conv" and g.only_consumer(x) is mul and g.owns_parameters(conv)
                and add.output[0] not in g.outputs):
            bias = g.conv_bias(conv)
            g.set_value(conv.input[1], g.value(conv.input[1]) * a)
            g.set_value(conv.input[2], bias * a + b)
            renamed[add.output[0]] = x
            removed.update((id(mul), id(add)))
            after_conv += 1
            continue
        readers = g.consumers[add.output[0]]
        if (add.output[0] in g.outputs or not readers
                or any(r.op_type != "Conv" or r.input[0] != add.output[0] or not g.owns_parameters(r)
                       for r in readers)):
            continue
        if all(_unpadded(conv) for conv in readers):
            for conv in readers:
                weights, bias = g.value(conv.input[1]), g.conv_bias(conv)
                g.set_value(conv.input[1], weights * a)
                g.set_value(conv.input[2], bias + b * weights.sum(axis=(1, 2, 3)))
            renamed[add.output[0]] = x
            removed.update((id(mul), id(add)))
            before_unpadded += 1
        elif a != 0:
            for conv in readers:
                g.set_value(conv.input[1], g.value(conv.input[1]) * a)
            shift = add.name + "_shift"
            g.set_value(shift, np.array([b / a], np.float32))
            add.input[0], add.input[1] = x, shift
            removed.add(id(mul))
            scale_only += 1
    g.rebuild([node for node in g.graph.node if id(node) not in removed], renamed)
    return after_conv, before_unpadded, scale_only


def clip_relu6(model):
    """Rewrite every Max(Min(Relu(x), 6), 0) (tf2onnx's ReLU6) as Clip(x, 0, 6): the same values bit for bit, and
    onnxruntime fuses Clip into the convolution before it. Returns the count."""
    g = _Graph(model)
    removed, replaced = set(), {}
    for maximum in g.graph.node:
        if maximum.op_type != "Max" or (operand := g.scalar_operand(maximum)) is None or operand[1] != 0.0:
            continue
        minimum = g.producer.get(operand[0])
        if minimum is None or minimum.op_type != "Min" or g.only_consumer(minimum.output[0]) is not maximum:
            continue
        inner = g.scalar_operand(minimum)
        relu = g.producer.get(inner[0]) if inner is not None and inner[1] == 6.0 else None
        if relu is None or relu.op_type != "Relu" or g.only_consumer(relu.output[0]) is not minimum:
            continue
        low, high = maximum.name + "_low", maximum.name + "_high"
        g.set_value(low, np.array(0.0, np.float32))
        g.set_value(high, np.array(6.0, np.float32))
        replaced[id(maximum)] = helper.make_node("Clip", [relu.input[0], low, high], [maximum.output[0]],
                                                 name=maximum.name)
        removed.update((id(minimum), id(relu)))
    g.rebuild([replaced.get(id(node), node) for node in g.graph.node if id(node) not in removed], {})
    return len(replaced)


def fuse_hard_swish(model):
    """Rewrite every Div(Mul(x, Clip(Add(x, 3), 0, 6)), 6) (Paddle2ONNX's hard-swish) as HardSwish(x) (opset 14):
    one pass over the feature map instead of four, fused by onnxruntime into the convolution before it once nothing
    stands between them. Returns the count."""
    g = _Graph(model)
    removed, replaced = set(), {}
    for clip in g.graph.node:
        if clip.op_type != "Clip" or [g.scalar(name) for name in clip.input[1:3]] != [0.0, 6.0]:
            continue
        add = g.producer.get(clip.input[0])
        if add is None or add.op_type != "Add" or g.scalar(add.input[1]) != 3.0:
            continue
        if g.only_consumer(add.output[0]) is None:  # x + 3 used elsewhere too: keep it
            continue
        x = add.input[0]
        mul = g.only_consumer(clip.output[0])
        if mul is None or mul.op_type != "Mul" or set(mul.input) != {x, clip.output[0]}:
            continue
        div = g.only_consumer(mul.output[0])
        if div is None or div.op_type != "Div" or g.scalar(div.input[1]) != 6.0:
            continue
        removed.update((id(add), id(clip), id(mul)))
        replaced[id(div)] = helper.make_node("HardSwish", [x], [div.output[0]], name=div.name)
    g.rebuild([replaced.get(id(node), node) for node in g.graph.node if id(node) not in removed], {})
    return len(replaced)


def expand_prelu(model):
    """Rewrite every PRelu as Relu(x) + slope * Min(x, 0): the same values bit for bit, but onnxruntime 1.32's PRelu
    kernel (per-channel slope broadcast) is ~4x slower than the four plain ops; FaceMesh runs 2.3x faster. Returns
    the count."""
    g = model.graph
    prelus = [node for node in g.node if node.op_type == "PRelu"]
    if not prelus:
        return 0
    zero = "prelu_zero"
    g.initializer.append(numpy_helper.from_array(np.zeros((), np.float32), zero))
    nodes = []
    for node in g.node:
        if node.op_type != "PRelu":
            nodes.append(node)
            continue
        x, slope = node.input
        stem = node.name
        nodes += [
            helper.make_node("Relu", [x], [stem + "_positive"], name=stem + "_positive"),
            helper.make_node("Min", [x, zero], [stem + "_negative"], name=stem + "_negative"),
            helper.make_node("Mul", [stem + "_negative", slope], [stem + "_scaled"], name=stem + "_scaled"),
            helper.make_node("Add", [stem + "_positive", stem + "_scaled"], [node.output[0]], name=stem),
        ]
    del g.node[:]
    g.node.extend(nodes)
    return len(prelus)


def rewrite_file(path, *rewrites):
    """Apply `rewrites` (functions of a model returning their counts) to the ONNX file at `path`, in place; the file
    is written again only when something changed. Returns the counts."""
    model = onnx.load(path)
    counts = [rewrite(model) for rewrite in rewrites]
    if any(counts):
        onnx.checker.check_model(model)
        onnx.save(model, path)
    return counts
