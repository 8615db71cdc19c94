"""tapegrad model files as ONNX graphs, float32, written with onnx.helper.

`torch_bridge.py onnx MODEL.json -o MODEL.onnx` calls `write_onnx`; see
docs/onnx.md. The graph takes `x` (batch, inputs) and gives, per row:

    logits    z^[L], the last layer's pre-activations (tapegrad predict --logits)
    outputs   a^[L] = g(z^[L]), the network's outputs (tapegrad predict --outputs)
    scores    class probabilities, where the model has them (tapegrad predict --scores):
              the sigmoid of a sigmoid output or of one identity output, the
              softmax of several identity outputs; none for an mse or half_sse model
    classes   the predicted class (tapegrad predict): a^[L] >= 0.5 for one output,
              else the first largest output

Each layer is a Gemm (z = a W + b, W as the model file stores it, (in, out))
and its activation with tapegrad's constants (nn/activation.hpp): leaky_relu
slope 0.01, elu alpha 1, gelu the exact z Phi(z) (composed from Erf: the Gelu
op needs opset 20, and Debian's onnx knows 17).

Needs Debian's python3-onnx (and its python3-numpy); no PyTorch.
"""
import json
import math

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError:  # the caller says what to install
    onnx = None

OPSET = 17  # the newest Debian 12's onnx (1.12) checks; onnxruntime runs it
IR_VERSION = 8


class ExportError(Exception):
    """A model the exporter cannot express; the message names it."""


def _activation(nodes, initializers, g, z, out, k):
    """Appends the nodes of out = g(z) for layer k."""
    if g == "sigmoid":
        nodes.append(helper.make_node("Sigmoid", [z], [out]))
    elif g == "tanh":
        nodes.append(helper.make_node("Tanh", [z], [out]))
    elif g == "relu":
        nodes.append(helper.make_node("Relu", [z], [out]))
    elif g == "leaky_relu":
        nodes.append(helper.make_node("LeakyRelu", [z], [out], alpha=0.01))
    elif g == "elu":
        nodes.append(helper.make_node("Elu", [z], [out], alpha=1.0))
    elif g == "softplus":
        nodes.append(helper.make_node("Softplus", [z], [out]))
    elif g == "identity":
        nodes.append(helper.make_node("Identity", [z], [out]))
    elif g == "gelu":  # z Phi(z) = z (1 + erf(z / sqrt 2)) / 2
        p = f"gelu{k}"
        for name, value in ((f"{p}_sqrt2", math.sqrt(2.0)), (f"{p}_one", 1.0), (f"{p}_half", 0.5)):
            initializers.append(numpy_helper.from_array(np.array(value, dtype=np.float32), name))
        nodes += [
            helper.make_node("Div", [z, f"{p}_sqrt2"], [f"{p}_u"]),
            helper.make_node("Erf", [f"{p}_u"], [f"{p}_erf"]),
            helper.make_node("Add", [f"{p}_erf", f"{p}_one"], [f"{p}_1erf"]),
            helper.make_node("Mul", [z, f"{p}_1erf"], [f"{p}_z1erf"]),
            helper.make_node("Mul", [f"{p}_z1erf", f"{p}_half"], [out]),
        ]
    else:
        raise ExportError(f"activation {g!r} has no ONNX form here")


def has_scores(doc):
    """Whether `tapegrad predict --scores` gives probabilities for this model."""
    g = doc["layers"][-1]["activation"]
    regression = doc.get("loss") in ("mse", "half_sse")
    return not regression and g in ("sigmoid", "identity")


def to_onnx(doc, name="tapegrad"):
    """The model document (a parsed model file) as an onnx.ModelProto."""
    layers = doc["layers"]
    inputs, outputs = len(layers[0]["W"]), len(layers[-1]["b"])
    nodes, initializers = [], []
    a = "x"
    for k, layer in enumerate(layers, start=1):
        W = np.array(layer["W"], dtype=np.float32)  # (in, out), as Gemm's B
        b = np.array(layer["b"], dtype=np.float32)
        initializers += [numpy_helper.from_array(W, f"W{k}"), numpy_helper.from_array(b, f"b{k}")]
        last = k == len(layers)
        z = "logits" if last else f"z{k}"
        nodes.append(helper.make_node("Gemm", [a, f"W{k}", f"b{k}"], [z], name=f"affine{k}"))
        a = "outputs" if last else f"a{k}"
        _activation(nodes, initializers, layer["activation"], z, a, k)

    g = layers[-1]["activation"]
    graph_outputs = ["logits", "outputs"]
    if has_scores(doc):
        if g == "sigmoid":
            nodes.append(helper.make_node("Identity", ["outputs"], ["scores"]))
        elif outputs == 1:
            nodes.append(helper.make_node("Sigmoid", ["logits"], ["scores"]))
        else:
            nodes.append(helper.make_node("Softmax", ["logits"], ["scores"], axis=1))
        graph_outputs.append("scores")
    if outputs == 1:  # 0/1 by the 0.5 threshold
        initializers.append(numpy_helper.from_array(np.array(0.5, dtype=np.float32), "threshold"))
        initializers.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "column"))
        nodes += [
            helper.make_node("GreaterOrEqual", ["outputs", "threshold"], ["at_least_half"]),
            helper.make_node("Cast", ["at_least_half"], ["class_column"], to=TensorProto.INT64),
            helper.make_node("Squeeze", ["class_column", "column"], ["classes"]),
        ]
    else:  # the first largest output, as tapegrad's argmax
        nodes.append(helper.make_node("ArgMax", ["outputs"], ["classes"], axis=1, keepdims=0))
    graph_outputs.append("classes")

    def value(n, columns, kind=TensorProto.FLOAT):
        return helper.make_tensor_value_info(n, kind, ["batch", columns] if columns else ["batch"])

    graph = helper.make_graph(
        nodes, name,
        [value("x", inputs)],
        [value(n, outputs) for n in graph_outputs if n != "classes"] +
        [value("classes", None, TensorProto.INT64)],
        initializers)
    model = helper.make_model(graph, producer_name="tapegrad", producer_version="0.1",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    model.doc_string = ("A tapegrad MLP (" + ", ".join(
        f"{len(l['W'])}->{len(l['b'])} {l['activation']}" for l in layers) + "), float32")
    props = {"activations": ",".join(l["activation"] for l in layers)}
    if "loss" in doc:
        props["loss"] = doc["loss"]
    if "meta" in doc:
        props["tapegrad_meta"] = json.dumps(doc["meta"], separators=(",", ":"), sort_keys=True)
    helper.set_model_props(model, props)
    onnx.checker.check_model(model, full_check=True)
    return model


def describe(model):
    """One line: the input and the outputs with their shapes."""
    def shape(v):
        return "(" + ", ".join(d.dim_param or str(d.dim_value) for d in v.type.tensor_type.shape.dim) + ")"
    graph = model.graph
    return (f"input {', '.join(v.name + ' ' + shape(v) for v in graph.input)}; outputs "
            f"{', '.join(v.name + ' ' + shape(v) for v in graph.output)}")
