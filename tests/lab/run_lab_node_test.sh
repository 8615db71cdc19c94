#!/usr/bin/env bash
# Builds the lab with Debian's emscripten (lab/build.py, objects kept in
# build-lab/) and runs the engine it built under node against the tapegrad
# command line (lab_node_test.mjs). The committed docs/lab.html is checked by
# its sources' digest ('lab page is current') and run in Chromium, not compared
# byte for byte with this build: Debian's em++ 3.1.6 does not always emit the
# same code for the same source (lab/datasets.cpp at -O3 alternates between two
# objects), so equal sources need not give equal bytes. Exits 77 (skipped) only where em++ or node is missing;
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
node "$root/tests/lab/lab_node_test.mjs" "$out/lab.js" "$tapegrad" "$root" "$out"
