#!/bin/sh
# Compile time of one user file: examples/readme_mlp.cpp (the README's program,
# which includes nn/nn.hpp) against a hello-world that includes only fmt, at
# the same flags, each compiled REPS times in turn; prints the medians, their
# ratio and the target (readme_mlp <= 3x hello).
#
#   bench/compile_time.sh [REPS]        (from the source root; CXX picks the compiler)
set -eu

reps=${1:-5}
cxx=${CXX:-c++}
flags="-std=c++20 -O2 -I."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/hello.cpp" <<'EOF'
#include <fmt/format.h>
int main() { fmt::print("hello, {}\n", 42); }
EOF

# Seconds one compile takes (no ccache: CCACHE_DISABLE is set for a wrapper).
compile() {
  start=$(date +%s.%N)
  CCACHE_DISABLE=1 $cxx $flags -c "$1" -o "$work/out.o"
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: > "$work/hello.times"
: > "$work/readme.times"
i=0
while [ "$i" -lt "$reps" ]; do
  compile "$work/hello.cpp" >> "$work/hello.times"
  compile examples/readme_mlp.cpp >> "$work/readme.times"
  i=$((i + 1))
done
hello=$(median < "$work/hello.times")
readme=$(median < "$work/readme.times")
ratio=$(awk -v a="$readme" -v b="$hello" 'BEGIN { printf "%.2f", a / b }')
lines=$($cxx $flags -E examples/readme_mlp.cpp | wc -l)
hello_lines=$($cxx $flags -E "$work/hello.cpp" | wc -l)
echo "compiler: $($cxx --version | head -n 1); flags: $flags; $reps runs each, in turn"
echo "fmt-only hello-world:      ${hello} s (median), $hello_lines preprocessed lines"
echo "examples/readme_mlp.cpp:   ${readme} s (median), $lines preprocessed lines"
met=$(awk -v r="$ratio" 'BEGIN { print (r <= 3) ? "met" : "not met" }')
echo "ratio: ${ratio}x (target <= 3x): $met"
