#!/usr/bin/env bash
# Installs what tapegrad needs on Debian 12 (as root); skips what is present.
# Usage: ./install-deps.sh [--bench] [--browser]
set -euo pipefail
packages=(meson ninja-build g++ pkg-config cmake libfmt-dev doctest-dev nlohmann-json3-dev
          libcli11-dev libopenblas-dev graphviz)
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(libbenchmark-dev libtorch-dev libadolc-dev libtrilinos-sacado-dev
                        libtrilinos-kokkos-dev libtrilinos-teuchos-dev) ;;
    --browser) packages+=(chromium nodejs npm) ;;
    *) echo "install-deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
