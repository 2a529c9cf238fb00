#!/bin/sh
# Build (once) the minimal Debian tree the image-tree connection tests run in, and print its path.
#
#   scripts/test-tree.sh              print the cached tree's path, building it first when missing
#   scripts/test-tree.sh --copy DIR   also copy it to DIR (a test's own scratch tree; DIR must not exist)
#
# The tree is cached outside the checkout, under $PLAYTREE_TREE_CACHE (default /var/cache/playtree/trees),
# in a folder named after the sha256 of its recipe: changing the suite, variant, package list or
# RECIPE_VERSION builds a new tree instead of reusing a stale one. It is built in a temporary folder beside
# the cache entry and renamed into place, so an interrupted build never leaves a half tree behind.
# No mirror is named: mmdebstrap uses this machine's apt sources.
set -eu

RECIPE_VERSION=1
SUITE=bookworm
VARIANT=minbase
PACKAGES=""   # extra packages, comma-separated (mmdebstrap --include)

CACHE=${PLAYTREE_TREE_CACHE:-/var/cache/playtree/trees}

copy_to=""
if [ "${1:-}" = "--copy" ]; then
  [ -n "${2:-}" ] || { echo "test-tree.sh: --copy needs a destination folder" >&2; exit 2; }
  copy_to=$2
fi

if [ "$(id -u)" != 0 ]; then
  echo "test-tree.sh: must run as root (mmdebstrap and systemd-nspawn need it); rerun with sudo" >&2
  exit 1
fi

sh "$(dirname "$0")/ensure-tools.sh" test-tree.sh

recipe="playtree-test-tree v$RECIPE_VERSION suite=$SUITE variant=$VARIANT packages=$PACKAGES"
key=$(printf '%s' "$recipe" | sha256sum | cut -c1-16)
tree="$CACHE/$key"

if [ ! -d "$tree" ]; then
  mkdir -p "$CACHE"
  building=$(mktemp -d "$CACHE/.building-$key.XXXXXX")
  trap 'rm -rf "$building"' EXIT INT TERM
  echo "test-tree.sh: building $recipe into $tree (a few minutes, once)" >&2
  set -- --variant="$VARIANT"
  [ -n "$PACKAGES" ] && set -- "$@" --include="$PACKAGES"
  # mmdebstrap wants an empty or absent target: give it a subfolder of our temporary folder.
  mmdebstrap --quiet "$@" "$SUITE" "$building/tree" >&2
  printf '%s\n' "$recipe" > "$building/tree.recipe"
  # Another build may have won the race while we worked; keep theirs.
  if mv -T "$building/tree" "$tree" 2>/dev/null; then
    mv "$building/tree.recipe" "$CACHE/$key.recipe"
  fi
  rm -rf "$building"
  trap - EXIT INT TERM
fi

if [ -n "$copy_to" ]; then
  cp -a --reflink=auto "$tree" "$copy_to"
  printf '%s\n' "$copy_to"
else
  printf '%s\n' "$tree"
fi
