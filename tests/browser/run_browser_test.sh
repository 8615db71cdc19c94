#!/usr/bin/env bash
# Runs the step-through test in headless Chromium; exits 77 (skipped) when
# chromium, node or playwright-core (npm ci in tests/browser) is missing.
# Usage: run_browser_test.sh BACKPROP_PAGE_EXE SOURCE_DIR BUILD_DIR
set -euo pipefail
page_exe=$1 src=$2 out=$3/browser_out
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ] || ! command -v node >/dev/null || [ ! -d "$src/node_modules/playwright-core" ]; then
  echo "skipped: needs $chromium, node and 'npm ci' in $src (./install-deps.sh --browser)"
  exit 77
fi
rm -rf "$out" && mkdir -p "$out"
"$page_exe" "$out"
for view in seed_tensor seed_scalar; do
  node "$src/step_through.mjs" "$out/$view.html" "$out/$view.expected.json" \
    "${TAPEGRAD_SCREENSHOT_DIR:-$out}/backprop_${view#seed_}.png" "$chromium" "$out/profile_$view"
done
