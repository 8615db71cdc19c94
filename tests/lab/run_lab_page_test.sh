#!/usr/bin/env bash
# Opens docs/lab.html from file:// in headless Chromium as a learner would
# (lab_page.mjs) and checks it against the tapegrad command line. Exits 77
# (skipped) when chromium, node or playwright-core (npm ci in tests/browser) is
# missing. Screenshots go to $TAPEGRAD_SCREENSHOT_DIR (docs/ to refresh the
# committed ones) or the build folder.
# Usage: run_lab_page_test.sh TAPEGRAD_EXE SOURCE_ROOT BUILD_DIR
set -euo pipefail
tapegrad=$1 root=$2 out=$3/lab_page_out
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ] || ! command -v node >/dev/null || [ ! -d "$root/tests/browser/node_modules/playwright-core" ]; then
  echo "skipped: needs $chromium, node and 'npm ci' in tests/browser (./install-deps.sh)"
  exit 77
fi
rm -rf "$out" && mkdir -p "$out"
node "$root/tests/lab/lab_page.mjs" "$root/docs/lab.html" "$tapegrad" "$root" "$out" \
  "${TAPEGRAD_SCREENSHOT_DIR:-$out}" "$chromium"
