#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan, then
# fuzzes the model reader and the CSV reader for SECONDS each (default 60),
# starting from the corpus in tests/fuzz/corpus with the dictionaries
# there. Inputs that crash are saved as build-fuzz/crash-*; the corpus grown
# by a run stays in build-fuzz/corpus for the next.
#   Usage: tools/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
build=${FUZZ_BUILD_DIR:-build-fuzz}
if [ ! -d "$build" ]; then
  CXX=clang++ CC=clang meson setup "$build" --buildtype=debugoptimized -Db_ndebug=false \
    -Dfuzz=enabled -Dtests=false -Dbenchmarks=disabled -Dopenblas=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$build" tests/fuzz/fuzz_model tests/fuzz/fuzz_csv
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for target in model csv; do
  mkdir -p "$build/corpus/$target"
  echo "fuzzing the $target reader for $seconds s"
  "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 \
    -dict="tests/fuzz/$target.dict" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$build/crash-$target-" "$build/corpus/$target" "tests/fuzz/corpus/$target"
done
