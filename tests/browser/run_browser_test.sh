#!/usr/bin/env bash
# Runs the step-through test in headless Chromium; exits 77 (skipped) when
# chromium, node or playwright-core (npm ci in tests/browser) is missing.
# Screenshots go to $TAPEGRAD_SCREENSHOT_DIR (docs/ to refresh the committed
# ones) or the build folder.
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
node "$src/step_through.mjs" "$out" "${TAPEGRAD_SCREENSHOT_DIR:-$out}" "$chromium"
