#!/usr/bin/env bash
# tapegrad as its users build with it (docs/using-tapegrad.md). One mode a test:
#   headers     every header of the library folders is installed, all of them
#               compile from the installed tree alone, and every header the
#               docs include is there; the pkg-config files and CMake package exist
#   cmake       tests/install/cmake: find_package(tapegrad 0.1) (skipped, 77,
#               where cmake is missing); a wrong version or component fails
#   pkg-config  tests/install/pkg-config: make with pkg-config's flags
#   meson       tests/install/meson: tapegrad as a subproject (a link to this
#               source tree), built from source by the consumer
# The first three use one `meson install --destdir` of this build as the
# prefix, made once (under a lock, only changed files copied). Each consumer
# runs the commands docs/using-tapegrad.md shows for it (the block after
# `<!-- run by: tests/install/consumers_test.sh MODE -->`), in a folder holding
# its files and gradient.cpp, whose printed numbers are checked against the
# closed form. CXX, CXXFLAGS and LDFLAGS carry this build's compiler and
# sanitizers into the consumers' builds.
# Usage: consumers_test.sh MODE SOURCE_ROOT BUILD_ROOT PREFIX LIBDIR INCLUDEDIR SANITIZE CXX MPI
set -euo pipefail
mode=$1 root=$2 build=$3 prefix=$4 libdir=$5 includedir=$6 sanitize=$7 cxx=$8 mpi=$9
here=$root/tests/install
stage=$build/tests/install/stage
work=$build/tests/install/$mode
# The installed tree, as a user's prefix: the build's prefix inside the stage.
tree=$stage$prefix
[[ $libdir = /* ]] || libdir=$prefix/$libdir
[[ $includedir = /* ]] || includedir=$prefix/$includedir
libs=$stage$libdir
headers=$stage$includedir/tapegrad

# A sanitized build's libraries need their programs built the same way.
export CXX=$cxx CXXFLAGS="" LDFLAGS=""
if [ "$sanitize" != none ]; then
  CXXFLAGS="-fsanitize=$sanitize" LDFLAGS="-fsanitize=$sanitize"
fi

# The commands the page shows for a consumer, run in its folder with PREFIX
# (the staged install) and TAPEGRAD_SOURCE (this source tree) set.
run_documented() {
  local commands
  commands=$(awk -v marker="<!-- run by: tests/install/consumers_test.sh $1 -->" '
    $0 == marker { armed = 1; next }
    armed && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }' "$root/docs/using-tapegrad.md")
  [ -n "$commands" ] || { echo "docs/using-tapegrad.md has no commands for $1"; exit 1; }
  printf '$ %s\n' "$commands"
  if ! (cd "$work" && PREFIX=$tree TAPEGRAD_SOURCE=$root bash -euo pipefail -c "$commands") \
       >"$work/run.log" 2>&1; then
    cat "$work/run.log"
    echo "the commands of docs/using-tapegrad.md for $1 failed"
    exit 1
  fi
  cat "$work/run.log"
}

stage_install() {
  mkdir -p "$stage"
  (
    flock 9
    meson install -C "$build" --destdir "$stage" --no-rebuild --only-changed --quiet >/dev/null
  ) 9>"$stage.lock"
}

# gradient's output: f = 6 + sin 2, df/dx = 3 + cos 2, df/dy = 2 (to 1e-9), and its DOT line.
check_output() {
  python3 - "$1" <<'PY'
import math, re, sys
out = sys.argv[1]
want = {"f": 6 + math.sin(2), "df/dx": 3 + math.cos(2), "df/dy": 2.0}
got = dict(re.findall(r"^(f|df/dx|df/dy) = (\S+)$", out, re.M))
bad = [k for k, v in want.items() if k not in got or abs(float(got[k]) - v) > 1e-9]
if bad or "DOT starts digraph tape {" not in out:
    sys.exit(f"gradient printed wrong numbers for {bad or 'the DOT line'}")
PY
}

fresh() {
  rm -rf "$work" && mkdir -p "$work"
  cp "$here/gradient.cpp" "$work/"
}

case $mode in
headers)
  stage_install
  missing=0
  # Every header of the library folders (the MPI communicator's where it is built).
  for h in "$root"/tapegrad.hpp "$root"/{autograd,nn,io,reference,dist,viz}/*.hpp; do
    rel=${h#"$root"/}
    [ "$rel" = dist/mpi_communicator.hpp ] && [ "$mpi" != true ] && continue
    [ -f "$headers/$rel" ] || { echo "not installed: $rel (add it to install_headers)"; missing=1; }
  done
  # Every tapegrad header the README and docs/ include.
  while read -r rel; do
    [ -f "$headers/$rel" ] || { echo "the docs include $rel, which is not installed"; missing=1; }
  done < <(grep -ho '#include "[a-z_/0-9]*\.hpp"' "$root"/README.md "$root"/docs/*.md |
             sed 's/#include "\(.*\)"/\1/' | grep -E '^(tapegrad\.hpp|(autograd|nn|io|reference|dist|viz)/)' | sort -u)
  [ $missing = 0 ]
  # Every installed header, from the installed tree only (the source tree is
  # not on the path): an installed header that includes one that is not fails.
  fresh
  (cd "$headers" && find . -name '*.hpp' | sed 's|^\./||' | sort) |
    sed 's/.*/#include "&"/' > "$work/all_headers.cpp"
  # shellcheck disable=SC2046
  "$cxx" -std=c++20 -fsyntax-only -Wall -Wextra -I"$headers" $(pkg-config --cflags fmt) "$work/all_headers.cpp" ||
    { echo "the installed headers do not compile from the installed tree alone"; exit 1; }
  for pc in tapegrad tapegrad-viz $([ "$mpi" = true ] && echo tapegrad-mpi); do
    [ -f "$libs/pkgconfig/$pc.pc" ] || { echo "no $pc.pc"; exit 1; }
  done
  for f in tapegradConfig.cmake tapegradConfigVersion.cmake; do
    [ -f "$libs/cmake/tapegrad/$f" ] || { echo "no lib/cmake/tapegrad/$f"; exit 1; }
  done
  echo "$(wc -l < "$work/all_headers.cpp") installed headers compile from the installed tree; pkg-config files and CMake package present"
  ;;
cmake)
  command -v cmake >/dev/null || { echo "skipped: no cmake (./install-deps.sh installs it)"; exit 77; }
  stage_install
  fresh
  cp "$here"/cmake/* "$work/"
  run_documented cmake
  check_output "$(cat "$work/run.log")"
  if [ "$mpi" = true ]; then
    [ "$("$work/build/launched")" = "launched by mpirun: no" ]
  fi
  # Versions and components: what it has is accepted, what it is not or lacks is
  # refused at configure time.
  asks() {
    local ask=$1 dir
    dir=$(mktemp -d "$work/find-XXXX")
    printf 'cmake_minimum_required(VERSION 3.16)\nproject(ask LANGUAGES CXX)\nfind_package(tapegrad %s REQUIRED)\n' \
      "$ask" > "$dir/CMakeLists.txt"
    cmake -S "$dir" -B "$dir/build" -DCMAKE_PREFIX_PATH="$tree" >/dev/null 2>&1
  }
  has="0.1.0 COMPONENTS tapegrad viz"
  [ "$mpi" = true ] && has+=" mpi"
  asks "$has" || { echo "find_package(tapegrad $has) was refused"; exit 1; }
  refused=("0.2" "1.0" "0.1 COMPONENTS nosuch")
  [ "$mpi" = true ] || refused+=("0.1 COMPONENTS mpi")
  for ask in "${refused[@]}"; do
    if asks "$ask"; then echo "find_package(tapegrad $ask) was accepted"; exit 1; fi
  done
  echo "cmake consumer: built and ran; find_package($has) accepted, versions 0.2, 1.0 and missing components refused"
  ;;
pkg-config)
  stage_install
  fresh
  cp "$here"/pkg-config/Makefile "$work/"
  run_documented pkg-config
  check_output "$(cat "$work/run.log")"
  ;;
meson)
  fresh
  cp "$here"/meson/meson.build "$work/"
  run_documented meson
  check_output "$(cat "$work/run.log")"
  ;;
*)
  echo "unknown mode $mode"; exit 2 ;;
esac
