#!/usr/bin/env bash
# `tapegrad view` writes the same page as the C++ API, and reports bad input with exit code 2.
# Usage: view_cli_test.sh TAPEGRAD_EXE BACKPROP_PAGE_EXE BUILD_DIR
set -euo pipefail
tapegrad=$1 page_exe=$2 out=$3/view_cli_out
rm -rf "$out" && mkdir -p "$out"
"$page_exe" "$out"
"$tapegrad" view "$out/example_model.json" -o "$out/cli_tensor.html"
"$tapegrad" view "$out/example_model.json" --scalar -o "$out/cli_scalar.html"
# The command's page embeds the same steps as the API's page.
for view in tensor scalar; do
  steps() { grep -o '<script type="application/json" id="steps-data">[^<]*' "$1"; }
  [ "$(steps "$out/cli_$view.html")" = "$(steps "$out/example_$view.html")" ] ||
    { echo "tapegrad view --$view: steps differ from the API's page"; exit 1; }
done
set +e
"$tapegrad" view "$out/missing.json" -o "$out/x.html" 2>"$out/err.txt"
code=$?
set -e
[ "$code" -eq 2 ] || { echo "missing model: exit code $code, expected 2"; exit 1; }
grep -q '^error: ' "$out/err.txt" || { echo "missing model: no 'error:' line"; exit 1; }
[ ! -e "$out/x.html" ] || { echo "missing model: a page was written"; exit 1; }
echo "tapegrad view: ok"
