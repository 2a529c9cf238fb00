#!/bin/sh
# Install systemd-container and mmdebstrap with apt when their programs are missing (fresh machines and CI
# images start without them). $1 names the caller in the message.
set -eu
missing=""
command -v systemd-nspawn >/dev/null 2>&1 || missing="$missing systemd-container"
command -v mmdebstrap >/dev/null 2>&1 || missing="$missing mmdebstrap"
if [ -n "$missing" ]; then
  echo "${1:-playtree}: installing$missing" >&2
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >&2
fi
