#!/usr/bin/env bash
# Builds Workcell's container images (deploy/images) with podman, without any registry:
#
#   localhost/workcell-bookworm-base:<date>    Debian bookworm (mmdebstrap) + this host's Node
#   localhost/workcell-bookworm-build:<date>   the base + npm, Node's headers and a compiler
#   localhost/workcell-server:<tag>            deploy/images/server/Containerfile
#   localhost/workcell-cell:<tag>              deploy/images/cell/Containerfile
#
# The two roots are made with mmdebstrap from the Debian mirror apt already uses here and
# imported with `podman import`; they are reused for the rest of the day they were made.
# Node 20 is not in bookworm (its nodejs is 18), so the host's own Node 20 is copied in.
#
# Usage: scripts/build-images.sh [--only cell|server] [--tag TAG]   (TAG defaults to dev,
# the tag deploy/kubernetes/overlays/dev names). Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

only=""
tag="dev"
while [ $# -gt 0 ]; do
  case "$1" in
    --only)
      only="${2:-}"
      shift 2
      ;;
    --tag)
      tag="${2:-}"
      shift 2
      ;;
    *)
      echo "usage: $0 [--only cell|server] [--tag TAG]" >&2
      exit 2
      ;;
  esac
done
case "$only" in "" | cell | server) ;; *)
  echo "--only takes cell or server, not '$only'" >&2
  exit 2
  ;;
esac
[[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || {
  echo "--tag '$tag' is not a valid image tag" >&2
  exit 2
}
[ "$(id -u)" -eq 0 ] || {
  echo "$0 needs root: mmdebstrap makes the root file systems as root, and the images are root's." >&2
  exit 1
}

# crun, podman's default runtime, refuses hosts whose cgroups are hybrid (v1 with some
# controller in the v2 tree); runc handles them.
runtime=crun
[ -z "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ] || runtime=runc
packages=(podman buildah mmdebstrap uidmap fuse-overlayfs "$runtime")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

node_bin="$(command -v node || true)"
if [ -z "$node_bin" ] ||
  ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a===20&&b>=19?0:1)'; then
  echo "The images take this host's Node, which must be 20.19 or a later 20.x (have: ${node_bin:-none})." >&2
  exit 1
fi
node_bin="$(readlink -f "$node_bin")"
node_headers="$(dirname "$(dirname "$node_bin")")/include/node"
npm_dir="$(npm root -g)/npm"
[ -f "$node_headers/node.h" ] && [ -f "$npm_dir/bin/npm-cli.js" ] || {
  echo "Node's headers ($node_headers) and npm ($npm_dir) are needed to build node-pty." >&2
  exit 1
}

# The first URI apt uses here for a suite, from one-line or deb822 sources.
apt_uri() {
  local suite="$1" fallback="$2" found
  found="$(
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
      awk -v suite="$suite" '
        /^deb / { sub(/\[[^]]*\] /, ""); if ($3 == suite) { print $2; exit } }
        /^URIs:/ { uris = $2 }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) { print uris; exit } }
        /^$/ { uris = "" }'
  )"
  echo "${found:-$fallback}"
}
mirror="$(apt_uri bookworm http://deb.debian.org/debian)"
security="$(apt_uri bookworm-security http://deb.debian.org/debian-security)"

base_tag="$(date +%Y%m%d)"
base_image="localhost/workcell-bookworm-base"
build_image="localhost/workcell-bookworm-build"
work="$(mktemp -d /var/tmp/workcell-images.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# Makes a bookworm root with mmdebstrap and imports it as IMAGE:base_tag (and :latest),
# unless today's is there already, with ENV (NAME=VALUE, or empty) set. Further arguments
# go to mmdebstrap.
make_root() {
  local image="$1" env="$2"
  shift 2
  if podman image exists "$image:$base_tag"; then
    echo "Reusing $image:$base_tag"
  else
    echo "Making $image:$base_tag with mmdebstrap from $mirror"
    local started=$SECONDS
    # No documentation, manuals or translations: only copyright notices are kept. The
    # dpkg options stay in the root, so packages the Containerfiles add follow them too.
    # The merged-usr hook makes /bin and the rest links into /usr itself, instead of
    # installing usrmerge, which would bring Perl (50 MB) into every image.
    nice -n 10 mmdebstrap --quiet --variant=apt --mode=root \
      --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
      --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/info/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' \
      --dpkgopt='path-exclude=/usr/share/lintian/*' \
      --aptopt='APT::Install-Recommends "false"' \
      --include=ca-certificates \
      --customize-hook="copy-in $node_bin /usr/bin" \
      "$@" \
      bookworm "$work/root.tar" \
      "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
      "deb $security bookworm-security main"
    podman import --quiet \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      ${env:+--change "ENV $env"} \
      --change 'CMD ["/bin/bash"]' \
      "$work/root.tar" "$image:$base_tag" >/dev/null
    rm -f "$work/root.tar"
    echo "Made $image:$base_tag in $((SECONDS - started)) s"
  fi
  podman tag "$image:$base_tag" "$image:latest"
}

make_root "$base_image" ""
# npm and the headers node-gyp compiles node-pty against (npm_config_nodedir=/usr). The
# build stages reach the npm registry as this host does: through whatever local CAs it
# trusts (a proxy's, say), which Node takes only from NODE_EXTRA_CA_CERTS. The images
# themselves start from the base root, which has none of them.
shopt -s nullglob
local_cas=(/usr/local/share/ca-certificates/*.crt)
shopt -u nullglob
ca_hooks=()
if [ ${#local_cas[@]} -gt 0 ]; then
  ca_hooks=(--customize-hook="copy-in ${local_cas[*]} /usr/local/share/ca-certificates"
    --customize-hook='chroot "$1" update-ca-certificates')
fi
make_root "$build_image" NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
  --include=python3,make,g++ "${ca_hooks[@]}" \
  --customize-hook='mkdir -p "$1/usr/lib/node_modules" "$1/usr/include"' \
  --customize-hook="copy-in $npm_dir /usr/lib/node_modules" \
  --customize-hook="copy-in $node_headers /usr/include" \
  --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/bin/npm"' \
  --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/bin/npx"'

built=()
for name in server cell; do
  [ -z "$only" ] || [ "$only" = "$name" ] || continue
  image="localhost/workcell-$name:$tag"
  echo "Building $image"
  started=$SECONDS
  nice -n 10 podman build --runtime="$runtime" --pull=never --layers \
    --build-arg "BASE=$base_image:$base_tag" \
    --build-arg "BUILD_BASE=$build_image:$base_tag" \
    -f "deploy/images/$name/Containerfile" -t "$image" .
  echo "Built $image in $((SECONDS - started)) s"
  built+=("$image")
done

echo
echo "Images:"
for image in "$base_image:$base_tag" "$build_image:$base_tag" "${built[@]}"; do
  printf '  %-48s %s\n' "$image" "$(podman image inspect --format '{{.Size}}' "$image" |
    awk '{ printf "%.0f MB", $1 / 1000000 }')"
done
