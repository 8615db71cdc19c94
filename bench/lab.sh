#!/usr/bin/env bash
# The lab's figures (issue 22), in one run:
#  - W1 (tapegrad_bench's 4-3-2-1 SGD step, float64) built natively against the
#    release library and as WebAssembly with the lab's flags, run under node,
#    alternating three times; prints each build's median step time and the ratio;
#  - in headless Chromium on docs/lab.html: the time an edit of a weight of the
#    4-3-2-1 example takes to update every number, and the frames per second and
#    epochs per frame while a 2-8-8-1 network trains on 200 points.
# Needs Debian's emscripten (./install-deps.sh --lab), node, chromium and a release
# build (the README's first command).
# Usage: bench/lab.sh [RELEASE_BUILD_DIR]   (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
native_build=$(cd "${1:-$root/build}" && pwd)
out=${LAB_BENCH_DIR:-$root/build-lab/bench}
mkdir -p "$out"
[ -f "$native_build/libtapegrad.so" ] || { echo "bench/lab.sh: no libtapegrad.so in $native_build"; exit 2; }
command -v em++ >/dev/null || { echo "bench/lab.sh: needs em++ (./install-deps.sh --lab)"; exit 2; }

sources=(bench/lab_w1.cpp bench/harness.cpp bench/workloads.cpp bench/tapegrad_runners.cpp bench/hand_runners.cpp)
cd "$root"
echo "building W1 natively (g++ -O3, $native_build/libtapegrad.so) and as WebAssembly (em++ -O3) ..."
g++ -std=c++20 -O3 -DNDEBUG -I. "${sources[@]}" -o "$out/lab_w1_native" \
  -L"$native_build" -ltapegrad -lfmt -Wl,-rpath,"$native_build"
python3 lab/build.py --out "$out/lab.html" > /dev/null
engine_objects=(build-lab/obj/autograd_*.o build-lab/obj/nn_*.o)
NODE_PATH=/usr/share/nodejs em++ -std=c++20 -O3 -DNDEBUG -fwasm-exceptions -DFMT_HEADER_ONLY -I. \
  -Ibuild-lab/include "${sources[@]}" "${engine_objects[@]}" -sSINGLE_FILE=1 -sENVIRONMENT=node \
  -sALLOW_MEMORY_GROWTH=1 -o "$out/lab_w1.js"

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in 1 2 3; do
  "$out/lab_w1_native" | grep -P '\t' > "$out/native.$round"
  node "$out/lab_w1.js" | grep -P '\t' > "$out/wasm.$round"
done
python3 - "$out" <<'PY'
import statistics, sys
out = sys.argv[1]
def read(kind):
    times = {}
    for r in (1, 2, 3):
        for line in open(f"{out}/{kind}.{r}"):
            name, median, _best = line.rstrip("\n").split("\t")
            times.setdefault(name, []).append(float(median))
    return {k: statistics.median(v) for k, v in times.items()}
native, wasm = read("native"), read("wasm")
print(f"\nW1, one SGD step of the 4-3-2-1 example (median of 3 runs of 21 repetitions, wall time)\n")
print(f"| {'contender':<20} | {'native':>10} | {'WebAssembly (node)':>18} | {'ratio':>6} |")
print(f"|{'-' * 22}|{'-' * 11}:|{'-' * 19}:|{'-' * 7}:|")
for name in native:
    print(f"| {name:<20} | {native[name] * 1e6:>7.2f} us | {wasm[name] * 1e6:>15.2f} us | {wasm[name] / native[name]:>5.2f}x |")
ratio = wasm["tapegrad"] / native["tapegrad"]
print(f"\ntarget: the W1 step in WebAssembly within 2.5x of native: {ratio:.2f}x, {'met' if ratio <= 2.5 else 'NOT met'}")
PY

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$chromium" ] && [ -d tests/browser/node_modules/playwright-core ]; then
  node bench/lab_page.mjs "$root/docs/lab.html" "$chromium" "$out/profile"
else
  echo "the page's figures need $chromium and 'npm ci' in tests/browser (./install-deps.sh)"
fi
