#!/bin/sh
# Install systemd-container and mmdebstrap with apt when their programs are missing (fresh machines and CI
# images start without them). $1 names the caller in the message; any further argument PROGRAM=PACKAGE adds
# one more program to check (the benchmark needs GNU time at /usr/bin/time).
set -eu
caller="${1:-playtree}"
[ $# -gt 0 ] && shift
missing=""
command -v systemd-nspawn >/dev/null 2>&1 || missing="$missing systemd-container"
command -v mmdebstrap >/dev/null 2>&1 || missing="$missing mmdebstrap"
for wanted in "$@"; do
  command -v "${wanted%%=*}" >/dev/null 2>&1 || missing="$missing ${wanted#*=}"
done
if [ -n "$missing" ]; then
  echo "$caller: installing$missing" >&2
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >&2
fi
