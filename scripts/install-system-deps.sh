#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Workcell needs when any is missing:
# bubblewrap and util-linux (setpriv) for cells, Python 3 with the scientific stack
# and the formatters the editor's Format Document and Organize Imports use (black, isort)
# for user code, e2fsprogs for the per-workspace disk image, build tools for node-pty.
set -euo pipefail

packages=(bubblewrap util-linux e2fsprogs python3 python3-numpy python3-pandas python3-scipy
  python3-pip python3-venv black isort make g++ procps)
if [ "${WORKCELL_WITH_BROWSER:-0}" = 1 ]; then packages+=(chromium); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
