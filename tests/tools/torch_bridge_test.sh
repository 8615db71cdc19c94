#!/usr/bin/env bash
# tools/torch_bridge.py against tapegrad on every model file in tests/models:
# `grad` by PyTorch (float64) equals `tapegrad grad` to 1e-9, and export then
# import gives back the same layers, exactly. Exits 77 (skipped) when no
# python3 here imports torch (./install-deps.sh --torch: Debian's python3-torch).
# Usage: torch_bridge_test.sh TAPEGRAD_EXE SOURCE_ROOT BUILD_DIR
set -euo pipefail
tapegrad=$1 root=$2 out=$3/torch_bridge_out
# shellcheck source=python_with.sh
source "$root/tests/tools/python_with.sh"
python=$(python_with torch)
[ -n "$python" ] || { echo "skipped: no python3 with torch (./install-deps.sh --torch)"; exit 77; }
rm -rf "$out" && mkdir -p "$out"
bridge="$root/tools/torch_bridge.py"
models=("$root"/tests/models/*.json "$root"/data/example_4321.json)
[ ${#models[@]} -ge 10 ] || { echo "expected the model files of tests/models and data/example_4321.json"; exit 1; }
for model in "${models[@]}"; do
  "$tapegrad" grad "$model" > "$out/$(basename "$model" .json).tapegrad.json"
done

# Every model in one Python process (importing torch takes seconds).
"$python" - "$root/tools" "$out" "${models[@]}" <<'PY'
import io, json, os, sys
sys.path.insert(0, sys.argv[1])
import torch
import torch_bridge as bridge
out, models = sys.argv[2], sys.argv[3:]
failures = []

def compare(a, b, path):
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            failures.append(f"{path}: shapes differ")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, f"{path}[{i}]")
    elif isinstance(a, dict):
        if set(a) != set(b):
            failures.append(f"{path}: keys {sorted(a)} vs {sorted(b)}")
            return
        for k in a:
            compare(a[k], b[k], f"{path}.{k}")
    elif not abs(a - b) <= 1e-9 * max(1.0, abs(a)):
        failures.append(f"{path}: tapegrad {a!r}, torch {b!r}")

def round_trip(obj, activations):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return bridge.layers_of(torch.load(buffer), activations)

for model in models:
    name = os.path.basename(model)[:-5]
    doc = bridge.read_model(model)
    theirs = bridge.grad_text(doc, model)
    with open(f"{out}/{name}.torch.json", "w") as f:
        f.write(theirs)
    compare(json.load(open(f"{out}/{name}.tapegrad.json")), json.loads(theirs), f"{name} grad")
    net = bridge.sequential(doc)
    activations = [layer["activation"] for layer in doc["layers"]]
    layers = [{k: layer[k] for k in ("activation", "W", "b")} for layer in doc["layers"]]
    if round_trip(net.state_dict(), activations) != layers:
        failures.append(f"{name}: state dict export then import changed the layers")
    if round_trip(net, None) != layers:
        failures.append(f"{name}: Sequential export then import changed the layers")
    # PyTorch's layout: Linear k is module 2k, its weight (out, in).
    state = net.state_dict()
    if list(state["0.weight"].shape) != [len(layers[0]["b"]), len(layers[0]["W"])]:
        failures.append(f"{name}: 0.weight is not (out, in)")
if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"torch bridge: {len(models)} models agree with tapegrad grad to 1e-9; export/import round-trips exactly")
PY

# The command line, once per subcommand, on the 4-3-2-1 example.
example="$root/data/example_4321.json"
"$python" "$bridge" grad "$example" > "$out/cli_grad.json"
"$python" - "$out/cli_grad.json" "$out/example_4321.torch.json" <<'PY'
import sys
assert open(sys.argv[1]).read() == open(sys.argv[2]).read(), "grad: the command differs from the function"
PY
"$python" "$bridge" export "$example" -o "$out/example.pt" 2> "$out/export.txt"
grep -q "Linear(in_features=4, out_features=3" "$out/export.txt" || { echo "export: no Sequential shown"; exit 1; }
"$python" "$bridge" import "$out/example.pt" --activations sigmoid,sigmoid,sigmoid -o "$out/example_back.json" 2>/dev/null
"$tapegrad" grad "$out/example_back.json" >/dev/null 2>&1 && { echo "import: a model without data has no loss to grad"; exit 1; }
echo "1,0.5,-1.5,2" | "$tapegrad" predict "$out/example_back.json" - --scores > "$out/example_scores.txt"
echo "1,0.5,-1.5,2" | "$tapegrad" predict "$example" - --scores | cmp - "$out/example_scores.txt"
# Bad input: one error line and exit code 2.
for args in "grad $root/tests/models/missing.json" "import $out/example.pt" "import $out/example.pt --activations relu"; do
  set +e
  # shellcheck disable=SC2086
  "$python" "$bridge" $args 2> "$out/err.txt"
  code=$?
  set -e
  [ "$code" -eq 2 ] && [ "$(wc -l < "$out/err.txt")" -eq 1 ] && grep -q '^error: ' "$out/err.txt" ||
    { echo "torch_bridge.py $args: exit $code, $(cat "$out/err.txt")"; exit 1; }
done
echo "torch bridge command line: ok"
