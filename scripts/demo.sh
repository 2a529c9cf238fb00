#!/bin/sh
# The main job: make a Debian tree at /var/tmp/live (once; reused from the test tree cache) and configure it
# from inside with playbooks/demo.yml through systemd-nspawn. Run it twice: the second run reports changed=0.
#   npm ci && npm run demo          (as root; installs systemd-container and mmdebstrap when missing)
set -eu
cd "$(dirname "$0")/.."
TREE=${PLAYTREE_DEMO_TREE:-/var/tmp/live}
if [ ! -e "$TREE/usr/lib/os-release" ] && [ ! -e "$TREE/etc/os-release" ]; then
  cached=$(sh scripts/test-tree.sh)
  echo "demo: copying the Debian tree $cached to $TREE" >&2
  rm -rf "$TREE"
  cp -a --reflink=auto "$cached" "$TREE"
fi
exec node bin/playtree.js -i inventories/nspawn.ini playbooks/demo.yml "$@"
