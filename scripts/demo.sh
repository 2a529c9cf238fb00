#!/bin/sh
# The main job: build a small Debian live system at /var/tmp/live-image with playbooks/live-image.yml —
# the first play makes the tree with mmdebstrap on this machine, the second configures it from inside
# through systemd-nspawn. Run it twice: the second run reports changed=0.
#   npm ci && npm run demo          (as root; installs systemd-container and mmdebstrap when missing)
# Extra arguments go to playtree, e.g. npm run demo -- -e '{"live_packages": ["sudo"]}'
set -eu
cd "$(dirname "$0")/.."
sh scripts/ensure-tools.sh demo
exec node bin/playtree.js -i inventories/live.ini playbooks/live-image.yml "$@"
