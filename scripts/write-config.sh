#!/bin/sh
# Writes instance/config.py once, with a generated secret key (git-ignored, never committed).
set -eu
cfg=instance/config.py
[ -f "$cfg" ] && exit 0
mkdir -p instance
umask 077
python3 -c 'import secrets; print("# Written by `make run`. Keep it secret; it is not in git.\nSECRET_KEY = %r" % secrets.token_hex(32))' > "$cfg"
echo "wrote $cfg with a new secret key"
