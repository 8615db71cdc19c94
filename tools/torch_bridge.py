#!/usr/bin/env python3
"""tapegrad <-> PyTorch and ONNX: model files to state dicts and back, gradients computed by
PyTorch, and model files as ONNX graphs.

    torch_bridge.py export MODEL.json [-o STATE.pt] [--module]
    torch_bridge.py import STATE.pt [--activations sigmoid,sigmoid,...] [-o MODEL.json]
    torch_bridge.py grad MODEL.json
    torch_bridge.py onnx MODEL.json [-o MODEL.onnx]

`export` writes the state dict of a torch.nn.Sequential of Linear layers, each
followed by its activation module (nn.Identity for identity), so layer k's
Linear is module 2k: keys "0.weight", "0.bias", "2.weight", ... Weights are
transposed to PyTorch's (out, in); a model file stores W as (in, out). With
--module the whole Sequential is saved instead (torch.load gives the module).

`import` reads either: a state dict needs --activations (one name per Linear),
a saved Sequential brings its own. It writes a model file with no loss or data.

`grad` prints what `tapegrad grad MODEL.json` prints (the loss and dL/dW, dL/db
of every layer, W's gradient as (in, out)), computed by torch.autograd in
float64. The model file needs x, y and a loss.

`onnx` writes the model as an ONNX graph in float32 (tools/onnx_export.py,
docs/onnx.md): input x, outputs logits, outputs, scores (where the model has
class probabilities) and classes, as `tapegrad predict` prints them.

A model path `-` reads standard input. export, import and grad need Debian's
python3-torch (./install-deps.sh --torch), onnx needs python3-onnx
(./install-deps.sh --onnx). Exit codes as tapegrad's: 0 success, 2 bad input
(one `error:` line on stderr).
"""
import argparse
import json
import math
import os
import sys

# The activations of the model format (nn/activation.hpp).
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "softplus", "identity")

# PyTorch, imported by the commands that need it: onnx runs without it.
torch = F = None


class BridgeError(Exception):
    """Bad input; the message names the file."""


def need_torch():
    global torch, F
    if torch is None:
        try:
            import torch as torch_module
            import torch.nn.functional as functional
        except ImportError:
            raise BridgeError("this command needs PyTorch: ./install-deps.sh --torch (Debian's "
                              "python3-torch)") from None
        torch, F = torch_module, functional


def activation_modules():
    """Each tapegrad activation as a PyTorch module with the same constants (see nn/activation.hpp)."""
    need_torch()
    return {
        "sigmoid": torch.nn.Sigmoid,
        "tanh": torch.nn.Tanh,
        "relu": torch.nn.ReLU,
        "leaky_relu": lambda: torch.nn.LeakyReLU(0.01),
        "elu": lambda: torch.nn.ELU(1.0),
        "gelu": torch.nn.GELU,  # the exact z Phi(z), as tapegrad's
        "softplus": torch.nn.Softplus,
        "identity": torch.nn.Identity,
    }


def read_model(path):
    """A model file (`-`: standard input) as a document, its layers' activations checked."""
    try:
        if path == "-":
            doc = json.load(sys.stdin)
        else:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
    except (OSError, ValueError) as e:
        raise BridgeError(f"{shown(path)}: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("layers"), list) or not doc["layers"]:
        raise BridgeError(f"{shown(path)}: not a model file (no layers)")
    for k, layer in enumerate(doc["layers"]):
        if not isinstance(layer, dict) or layer.get("activation") not in ACTIVATIONS:
            found = layer.get("activation") if isinstance(layer, dict) else layer
            raise BridgeError(f"{shown(path)}: layers[{k}].activation is {found!r}; "
                              f"expected one of {', '.join(ACTIVATIONS)}")
    return doc


def shown(path):
    return "<stdin>" if path == "-" else path


def sequential(doc):
    """The model file's layers as a float64 torch.nn.Sequential: Linear, activation, Linear, ..."""
    need_torch()
    MODULES = activation_modules()
    modules_ = []
    for layer in doc["layers"]:
        W = torch.tensor(layer["W"], dtype=torch.float64)  # (in, out)
        linear = torch.nn.Linear(W.shape[0], W.shape[1], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(W.T)
            linear.bias.copy_(torch.tensor(layer["b"], dtype=torch.float64))
        modules_ += [linear, MODULES[layer["activation"]]()]
    return torch.nn.Sequential(*modules_)


def layers_of(loaded, activations=None, source="state"):
    """Model-file layers from a loaded state dict (with activation names) or a Sequential."""
    need_torch()
    MODULES = activation_modules()
    NAMES = {type(make()): name for name, make in MODULES.items()}
    if isinstance(loaded, torch.nn.Sequential):
        modules = list(loaded)
        weights, activations = [], []
        for k, m in enumerate(modules):
            if not isinstance(m, torch.nn.Linear):
                continue
            following = modules[k + 1] if k + 1 < len(modules) else torch.nn.Identity()
            if isinstance(following, torch.nn.Linear):
                following = torch.nn.Identity()
            if type(following) not in NAMES:
                raise BridgeError(f"{source}: module {k + 1} ({type(following).__name__}) "
                                  "has no tapegrad activation")
            weights.append((m.weight.detach(), m.bias.detach()))
            activations.append(NAMES[type(following)])
    elif isinstance(loaded, dict):
        prefixes = sorted({k.rsplit(".", 1)[0] for k in loaded if k.endswith(".weight")},
                          key=lambda k: (len(k), k))
        if not prefixes:
            raise BridgeError(f"{source}: the state dict has no weights")
        weights = [(loaded[f"{p}.weight"], loaded[f"{p}.bias"]) for p in prefixes]
        if not activations:
            raise BridgeError(f"{source}: a state dict names no activations; give --activations "
                              f"(one of {', '.join(MODULES)} for each of its {len(weights)} layers)")
        if len(activations) != len(weights) or any(a not in MODULES for a in activations):
            raise BridgeError(f"--activations needs {len(weights)} names from {', '.join(MODULES)}; "
                              f"got {','.join(activations)!r}")
    else:
        raise BridgeError(f"{source}: neither a state dict nor a torch.nn.Sequential")
    return [{"activation": a, "W": w.to(torch.float64).T.tolist(), "b": b.to(torch.float64).tolist()}
            for (w, b), a in zip(weights, activations)]


def stable_softplus(z):
    # max(z, 0) + log1p(e^-|z|): exact for every z, like tapegrad's (PyTorch's
    # Softplus returns z itself above 20, 2e-9 off).
    return torch.clamp(z, min=0) + torch.log1p(torch.exp(-z.abs()))


def loss_of(doc, z, a, y):
    """The model file's loss, with tapegrad's definitions (nn/losses.hpp): per-sample
    terms summed over outputs, then averaged over rows (mean) or added (sum)."""
    loss, m, n = doc["loss"], z.shape[0], z.shape[1]
    if loss == "bce":  # from the logits, as BCEWithLogitsLoss
        total = F.binary_cross_entropy_with_logits(z, y, reduction="sum")
    elif loss == "half_sse":
        total = 0.5 * ((y - a) ** 2).sum()
    elif loss == "mse":
        total = ((a - y) ** 2).sum() / n
    elif loss == "softmax_ce":
        if y.shape[1] == 1 and n >= 2:  # class indices, as CrossEntropyLoss takes them
            total = F.cross_entropy(z, y[:, 0].long(), reduction="sum")
        else:
            total = -(y * F.log_softmax(z, dim=1)).sum()
    else:
        raise BridgeError(f"loss {loss!r} is unknown")
    return total / m if doc.get("reduction", "mean") == "mean" else total


def number(x):
    """A float as tapegrad writes it: the shortest text that reads back the same."""
    if not math.isfinite(x):
        return "null"
    if x == 0.0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0"
    if x == int(x) and abs(x) < 1e16:
        return str(int(x))
    return repr(x)


def row(values):
    return "[" + ", ".join(number(v) for v in values) + "]"


def grad_text(doc, source="model"):
    """`tapegrad grad`'s JSON for a model document, computed by torch.autograd in float64."""
    for key in ("x", "y", "loss"):
        if key not in doc:
            raise BridgeError(f"{source}: has no {key}; grad needs x, y and a loss in the file")
    model = sequential(doc)
    x = torch.tensor(doc["x"], dtype=torch.float64)
    y = torch.tensor(doc["y"], dtype=torch.float64)
    a = x
    for k, layer in enumerate(doc["layers"]):
        z = model[2 * k](a)
        a = stable_softplus(z) if layer["activation"] == "softplus" else model[2 * k + 1](z)
    L = loss_of(doc, z, a, y)
    L.backward()
    grads = []
    for k in range(len(doc["layers"])):
        linear = model[2 * k]
        rows = ",\n".join("        " + row(r) for r in linear.weight.grad.T.tolist())  # (in, out)
        grads.append(f"    {{\n      \"W\": [\n{rows}\n      ],\n"
                     f"      \"b\": {row(linear.bias.grad.tolist())}\n    }}")
    return f"{{\n  \"loss\": {number(L.item())},\n  \"grads\": [\n" + ",\n".join(grads) + "\n  ]\n}\n"


def model_text(layers):
    """A model file in tapegrad's own layout: one matrix row per line, shortest round-trip numbers."""
    parts = []
    for layer in layers:
        rows = ",\n".join("        " + row(r) for r in layer["W"])
        parts.append(f"    {{\n      \"activation\": {json.dumps(layer['activation'])},\n"
                     f"      \"W\": [\n{rows}\n      ],\n      \"b\": {row(layer['b'])}\n    }}")
    return "{\n  \"version\": 1,\n  \"layers\": [\n" + ",\n".join(parts) + "\n  ]\n}\n"


def command_export(args):
    model = sequential(read_model(args.model))
    if not args.output and args.model == "-":
        raise BridgeError("export: a model from standard input needs -o STATE.pt")
    output = args.output or args.model.rsplit(".", 1)[0] + ".pt"
    torch.save(model if args.module else model.state_dict(), output)
    print(model, file=sys.stderr)
    print(f"wrote {output}", file=sys.stderr)


def command_import(args):
    need_torch()
    try:
        loaded = torch.load(args.state, map_location="cpu")
    except Exception as e:  # torch raises many kinds for a bad file
        raise BridgeError(f"{args.state}: cannot load: {e}") from None
    activations = args.activations.split(",") if args.activations else None
    text = model_text(layers_of(loaded, activations, args.state))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def command_grad(args):
    sys.stdout.write(grad_text(read_model(args.model), shown(args.model)))


def command_onnx(args):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import onnx_export
    if onnx_export.onnx is None:
        raise BridgeError("onnx needs Debian's python3-onnx: ./install-deps.sh --onnx")
    doc = read_model(args.model)
    if not args.output and args.model == "-":
        raise BridgeError("onnx: a model from standard input needs -o MODEL.onnx (or -o - for "
                          "standard output)")
    output = args.output or args.model.rsplit(".", 1)[0] + ".onnx"
    try:
        model = onnx_export.to_onnx(doc, os.path.basename(shown(args.model)))
    except (onnx_export.ExportError, ValueError, TypeError, IndexError) as e:
        raise BridgeError(f"{shown(args.model)}: {e}") from None
    data = model.SerializeToString()
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        try:
            with open(output, "wb") as f:
                f.write(data)
        except OSError as e:
            raise BridgeError(f"{output}: {e.strerror}") from None
    print(f"wrote {shown(output) if output != '-' else 'standard output'}: "
          f"{onnx_export.describe(model)}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="model file -> PyTorch state dict (.pt)")
    export.add_argument("model")
    export.add_argument("-o", "--output", help="the .pt file (default: MODEL.pt)")
    export.add_argument("--module", action="store_true", help="save the whole torch.nn.Sequential")
    imp = commands.add_parser("import", help="PyTorch state dict or Sequential (.pt) -> model file")
    imp.add_argument("state")
    imp.add_argument("--activations", help="for a state dict: one activation per layer, e.g. tanh,sigmoid")
    imp.add_argument("-o", "--output", help="the model file (default: standard output)")
    grad = commands.add_parser("grad", help="loss and gradients by PyTorch, as `tapegrad grad` prints them")
    grad.add_argument("model")
    to_onnx = commands.add_parser("onnx", help="model file -> ONNX graph (float32), as `tapegrad predict` computes it")
    to_onnx.add_argument("model")
    to_onnx.add_argument("-o", "--output", help="the .onnx file (default: MODEL.onnx; - for standard output)")
    args = parser.parse_args()
    try:
        {"export": command_export, "import": command_import, "grad": command_grad,
         "onnx": command_onnx}[args.command](args)
    except BridgeError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
