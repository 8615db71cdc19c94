#!/usr/bin/env bash
# tools/torch_bridge.py onnx against `tapegrad predict`: models exported to ONNX
# (float32), checked by onnx.checker and run by onnxruntime-node, give what
# tapegrad predicts: --scores to 1e-5, --logits and --outputs to 1e-5 relative,
# and the same classes (except within 1e-5 of a tie). The models: breast cancer
# and digits, trained here for a few epochs; every activation, hidden and as the
# output, in small generated networks driven into their tails (|z| up to ~30);
# and every model of tests/models. Exits 77 (skipped) when no python3 here
# imports onnx or tests/browser has no onnxruntime-node (./install-deps.sh --onnx).
# Usage: onnx_export_test.sh TAPEGRAD_EXE SOURCE_ROOT BUILD_DIR
set -euo pipefail
tapegrad=$1 root=$2 out=$3/onnx_export_out
# shellcheck source=python_with.sh
source "$root/tests/tools/python_with.sh"
python=$(python_with onnx numpy)
[ -n "$python" ] || { echo "skipped: no python3 with onnx (./install-deps.sh --onnx: Debian's python3-onnx)"; exit 77; }
command -v node >/dev/null || { echo "skipped: no node"; exit 77; }
[ -d "$root/tests/browser/node_modules/onnxruntime-node" ] ||
  { echo "skipped: no onnxruntime-node in tests/browser (./install-deps.sh --onnx)"; exit 77; }
rm -rf "$out" && mkdir -p "$out"

"$tapegrad" train "$root/data/breast_cancer.csv" --layers 30,16,1 --epochs 5 --save "$out/breast_cancer.json" >/dev/null 2>&1
"$tapegrad" train "$root/data/digits.csv" --layers 64,32,10 --activation relu --epochs 5 \
  --save "$out/digits.json" >/dev/null 2>&1

"$python" - "$root" "$out" "$tapegrad" <<'PY'
import csv, glob, json, os, re, shutil, subprocess, sys
import numpy as np
import onnx
root, out, tapegrad = sys.argv[1:4]
bridge = os.path.join(root, "tools", "torch_bridge.py")
sys.path.insert(0, os.path.join(root, "tools"))
import onnx_export
# Every activation the model format has: the rows of nn/activation.hpp's table.
with open(os.path.join(root, "nn", "activation.hpp")) as f:
    ACTIVATIONS = tuple(re.findall(r'^\s*X\((\w+),', f.read(), re.M))
assert len(ACTIVATIONS) >= 8, ACTIVATIONS

def features(path):
    """A CSV of the data's features only (no header, no label), as the node runner reads it."""
    with open(path) as f:
        rows = [r for r in csv.reader(f) if r]
    if not rows[0][0].lstrip("-").replace(".", "").replace("e", "").isdigit():
        rows = rows[1:]  # the header
    return [[float(v) for v in r[:-1]] for r in rows]

def write_rows(path, rows):
    with open(path, "w") as f:
        f.write("".join(",".join(repr(float(v)) for v in r) + "\n" for r in rows))

models = {}  # name -> (model file, features CSV)
for name, data in (("breast_cancer", "breast_cancer.csv"), ("digits", "digits.csv")):
    write_rows(f"{out}/{name}.csv", features(os.path.join(root, "data", data)))
    models[name] = (f"{out}/{name}.json", f"{out}/{name}.csv")

# Every activation, hidden and as the output: 3 -> 5 (g) -> 2 (g), inputs from -8 to 8.
rng = np.random.default_rng(7)
x = np.concatenate([rng.uniform(-8, 8, (40, 3)), [[0, 0, 0], [8, -8, 8], [-8, 8, -8]]])
for g in ACTIVATIONS:
    doc = {"layers": [
        {"activation": g, "W": rng.normal(0, 1.5, (3, 5)).round(4).tolist(), "b": rng.normal(0, 1, 5).round(4).tolist()},
        {"activation": g, "W": rng.normal(0, 1.5, (5, 2)).round(4).tolist(), "b": rng.normal(0, 1, 2).round(4).tolist()}]}
    with open(f"{out}/every_{g}.json", "w") as f:
        json.dump(doc, f)
    write_rows(f"{out}/every_{g}.csv", x)
    models[f"every_{g}"] = (f"{out}/every_{g}.json", f"{out}/every_{g}.csv")
for path in sorted(glob.glob(os.path.join(root, "tests", "models", "*.json"))):
    name = os.path.basename(path)[:-5]
    with open(path) as f:
        doc = json.load(f)
    shutil.copy(path, f"{out}/{name}.json")
    write_rows(f"{out}/{name}.csv", doc["x"])
    models[name] = (f"{out}/{name}.json", f"{out}/{name}.csv")

def predict(model, data, *flags):
    text = subprocess.run([tapegrad, "predict", model, data, *flags], check=True, capture_output=True,
                          text=True).stdout
    return [json.loads(line) for line in text.splitlines()]

failures, worst = [], {"scores": 0.0, "logits": 0.0, "outputs": 0.0}
activations_seen = set()
for name, (model, data) in models.items():
    onnx_path = f"{out}/{name}.onnx"
    subprocess.run([sys.executable, bridge, "onnx", model, "-o", onnx_path], check=True, capture_output=True)
    onnx.checker.check_model(onnx_path, full_check=True)
    loaded = onnx.load(onnx_path)
    if any(i.data_type != onnx.TensorProto.FLOAT for i in loaded.graph.initializer if i.name.startswith(("W", "b"))):
        failures.append(f"{name}: weights are not float32")
    ran = json.loads(subprocess.run(["node", os.path.join(root, "tests", "browser", "onnx_predict.mjs"), onnx_path, data],
                                    check=True, capture_output=True, text=True).stdout)
    with open(model) as f:
        doc = json.load(f)
    activations_seen.update(l["activation"] for l in doc["layers"])
    expected = {"logits": predict(model, data, "--logits"), "outputs": predict(model, data, "--outputs")}
    if onnx_export.has_scores(doc):
        expected["scores"] = predict(model, data, "--scores")
    elif "scores" in ran:
        failures.append(f"{name}: scores where tapegrad predict --scores has none")
    for what, want in expected.items():
        got = np.array(ran[what], dtype=np.float64)
        want = np.array(want, dtype=np.float64)
        scale = 1.0 if what == "scores" else np.maximum(1.0, np.abs(want))
        diff = float(np.max(np.abs(got - want) / scale))
        worst[what] = max(worst[what], diff)
        if not diff <= 1e-5:
            failures.append(f"{name}: {what} differ by {diff:.3g}")
    classes = [int(c) for c in subprocess.run([tapegrad, "predict", model, data], check=True, capture_output=True,
                                              text=True).stdout.split()]
    outputs = np.array(expected["outputs"])
    for i, (c, theirs) in enumerate(zip(classes, ran["classes"])):
        if c == theirs:
            continue
        row = outputs[i]
        tie = abs(row[0] - 0.5) < 1e-5 if len(row) == 1 else abs(row[c] - row[theirs]) < 1e-5
        if not tie:
            failures.append(f"{name}: row {i + 1} is class {c} in tapegrad, {theirs} in ONNX")
missing = set(ACTIVATIONS) - activations_seen
if missing:
    failures.append(f"no model has {sorted(missing)}")
if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"onnx export: {len(models)} models checked by onnx.checker; onnxruntime-node agrees with tapegrad predict: "
      + ", ".join(f"{k} to {v:.2g}" for k, v in worst.items()) + "; classes equal")
PY

# The command line: standard input in and out, and bad input as one error line with exit code 2.
example="$root/data/example_4321.json"
"$python" "$root/tools/torch_bridge.py" onnx - -o - < "$example" > "$out/stdin.onnx" 2>/dev/null
"$python" -c "import onnx, sys; onnx.checker.check_model(sys.argv[1], full_check=True)" "$out/stdin.onnx"
printf '{"layers": [{"W": [[1]], "b": [0], "activation": "swish"}]}' > "$out/swish.json"
for args in "onnx $root/tests/models/missing.json" "onnx -" "onnx $out/swish.json"; do
  set +e
  # shellcheck disable=SC2086
  "$python" "$root/tools/torch_bridge.py" $args < "$example" > /dev/null 2> "$out/err.txt"
  code=$?
  set -e
  [ "$code" -eq 2 ] && [ "$(wc -l < "$out/err.txt")" -eq 1 ] && grep -q '^error: ' "$out/err.txt" ||
    { echo "torch_bridge.py $args: exit $code, $(cat "$out/err.txt")"; exit 1; }
done
echo "onnx command line: ok"
