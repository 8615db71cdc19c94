#!/usr/bin/env bash
# `tapegrad train` on breast_cancer.csv with --history and --plot, then the
# plot checked in headless Chromium (training_plot.mjs); exits 77 (skipped)
# when chromium, node or playwright-core is missing.
# Usage: run_training_plot_test.sh TAPEGRAD_EXE SOURCE_DIR DATA_DIR BUILD_DIR
set -euo pipefail
tapegrad=$1 src=$2 data=$3 out=$4/training_plot_out
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ] || ! command -v node >/dev/null || [ ! -d "$src/node_modules/playwright-core" ]; then
  echo "skipped: needs $chromium, node and 'npm ci' in $src (./install-deps.sh)"
  exit 77
fi
rm -rf "$out" && mkdir -p "$out"
"$tapegrad" train "$data/breast_cancer.csv" --layers 30,16,1 --epochs 60 --lr 0.003 --keep-best \
  --history "$out/history.csv" --plot "$out/training.svg" > "$out/train.txt" 2> "$out/progress.txt"
head -1 "$out/history.csv" | grep -q '^epoch,train_loss,val_loss,train_accuracy,val_accuracy' ||
  { echo "history: wrong header"; exit 1; }
[ "$(wc -l < "$out/history.csv")" -eq 61 ] || { echo "history: expected 60 rows"; exit 1; }
node "$src/training_plot.mjs" "$out/training.svg" \
  "${TAPEGRAD_SCREENSHOT_DIR:-$out}/training_plot.png" "$chromium" "$out/profile"
