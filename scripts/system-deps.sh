#!/bin/sh
# Checks the system packages that pip cannot bring; installs them when run as root on
# Debian/Ubuntu, otherwise stops with one line saying what to install.
#   scripts/system-deps.sh run    Pango + HarfBuzz subsetting for WeasyPrint (PDFs)
#   scripts/system-deps.sh test   the above, plus Chromium for the browser tests, and nginx and
#                                 systemd for the checks of deploy/ (`nginx -t`,
#                                 `systemd-analyze verify`; those tests skip without them)
#   scripts/system-deps.sh bench  the above, plus wrk (load generator) for `make bench`
set -u
need="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
[ "${1:-run}" = "test" ] && need="$need chromium nginx systemd"
[ "${1:-run}" = "bench" ] && need="$need chromium wrk"
missing=""
for pkg in $need; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing system packages:$missing"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing; } >/tmp/lms-apt.log 2>&1 \
    || { echo "apt-get failed (log: /tmp/lms-apt.log); install:$missing"; exit 1; }
  exit 0
fi
echo "missing system packages; install them with: sudo apt-get install$missing"
exit 1
