#!/usr/bin/env bash
# Builds the lab with Debian's emscripten (lab/build.py, objects kept in
# build-lab/), checks that docs/lab.html is exactly what it builds from these
# sources, then runs the engine under node against the tapegrad command line
# (lab_node_test.mjs). Exits 77 (skipped) only where em++ or node is missing;
# CI installs both (./install-deps.sh --lab).
# Usage: run_lab_node_test.sh TAPEGRAD_EXE SOURCE_ROOT BUILD_DIR
set -euo pipefail
tapegrad=$1 root=$2 out=$3/lab_node_out
if ! command -v em++ >/dev/null || ! command -v node >/dev/null; then
  echo "skipped: needs em++ and node (./install-deps.sh --lab)"
  exit 77
fi
rm -rf "$out" && mkdir -p "$out"
python3 "$root/lab/build.py" --out "$out/lab.html" --module "$out/lab.js"
if ! cmp -s "$out/lab.html" "$root/docs/lab.html"; then
  echo "docs/lab.html is not what lab/build.py builds from these sources: run lab/build.py and commit docs/lab.html"
  exit 1
fi
node "$root/tests/lab/lab_node_test.mjs" "$out/lab.js" "$tapegrad" "$root" "$out"
