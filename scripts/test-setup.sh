#!/bin/sh
# Run by `npm test` before the tests: as root, install systemd-container and mmdebstrap when missing and build
# (or reuse) the cached Debian test tree, so that no real-tree test starts on a half-ready machine. Tests that
# ran before the tools arrived used to see "systemd-nspawn not found" or skip themselves.
# Without root there is nothing to set up: the real-tree tests skip themselves and say why.
set -eu
if [ "$(id -u)" != 0 ]; then
  echo "test-setup.sh: not root: the real-tree tests (chroot, nspawn, apt) will be skipped" >&2
  exit 0
fi
# The url lookup's https test makes a throw-away certificate with the openssl command; the ssh tests start
# their own sshd (test/support/sshd.ts) and make throw-away keys with ssh-keygen.
sh "$(dirname "$0")/ensure-tools.sh" test-setup.sh openssl=openssl /usr/sbin/sshd=openssh-server ssh-keygen=openssh-client
tree=$(sh "$(dirname "$0")/test-tree.sh")
echo "test-setup.sh: test tree ready at $tree" >&2
