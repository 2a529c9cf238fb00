#!/bin/sh
# Run by site.yml's script task with the secret as its argument: it writes the secret into the tree, and
# records its own file's and folder's modes while it runs (the module's temporary copy of this script).
echo "$1" > /root/secret-script
stat -c '%a' "$0" "${0%/*}" > /root/script-temp-modes
echo "$1"
# A second argument `fail`: the script fails (its temporary copy must go all the same).
[ "$2" != fail ]
