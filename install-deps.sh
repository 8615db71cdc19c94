#!/usr/bin/env bash
# Installs what tapegrad needs on Debian 12 (as root, or with sudo); skips what
# is already there. Usage: ./install-deps.sh [--bench] [--torch] [--onnx] [--lab]
#   default: the build (meson, g++, fmt, nlohmann-json, CLI11, OpenBLAS, LAPACKE, Open MPI),
#            the tests (doctest, graphviz, chromium + playwright-core for the
#            browser test of the step-through page, and clang with libFuzzer
#            for the readers' fuzz targets, tools/fuzz/run.sh)
#   --bench: also the benchmark references (Google Benchmark, LibTorch, ADOL-C, Sacado)
#   --torch: also Debian's python3-torch, for tools/torch_bridge.py and its test
#            (about 27 MB to download, 170 MB installed)
#   --onnx:  also Debian's python3-onnx, for `torch_bridge.py onnx`, and
#            onnxruntime-node (npm, pinned in tests/browser/package-lock.json;
#            its CPU library ships inside it, about 290 MB unpacked), for the
#            test that runs the exported models
#   --lab:   also Debian's emscripten, which compiles the engine to WebAssembly for
#            the lab (lab/build.py writes docs/lab.html) and its tests
set -euo pipefail
cd "$(dirname "$0")"
packages=(meson ninja-build g++ pkg-config cmake make libfmt-dev doctest-dev nlohmann-json3-dev
          libcli11-dev libopenblas-dev liblapacke-dev libopenmpi-dev openmpi-bin graphviz chromium fonts-liberation
          clang libclang-rt-14-dev)
onnx=false
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(libbenchmark-dev libtorch-dev libadolc-dev libtrilinos-sacado-dev
                        libtrilinos-kokkos-dev libtrilinos-teuchos-dev) ;;
    --torch) packages+=(python3-torch) ;;
    --onnx) packages+=(python3-onnx); onnx=true ;;
    --lab) packages+=(emscripten) ;;
    --browser) ;;  # kept for older instructions: the browser test is part of the default set
    *) echo "install-deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
# The machine's own Node.js is used when there is one; Debian's otherwise.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# playwright-core drives Debian's chromium in the browser test; onnxruntime-node
# (an optional dependency, with --onnx) runs exported models. Both are pinned by
# package-lock.json. No install scripts: onnxruntime-node's would download GPU
# libraries from outside npm, and the CPU library it needs is in the package.
if [ ! -d tests/browser/node_modules/playwright-core ] ||
   { $onnx && [ ! -d tests/browser/node_modules/onnxruntime-node ]; }; then
  omit=(--omit=optional)
  $onnx && omit=()
  npm ci --prefix tests/browser --ignore-scripts "${omit[@]}" --no-audit --no-fund --loglevel=error
fi
