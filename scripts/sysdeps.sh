#!/usr/bin/env bash
# Install the Debian packages LandBridge needs, when missing and when we may (root with apt-get).
#   fonts    CJK fonts for certificates (PDF) and screenshots
#   browser  Chromium for the Playwright journeys
#   postgres PostgreSQL 15 + PostGIS 3 (CI)
#   proxy    nginx (the lot-affine routing of deploy/nginx, tested in CI)
set -uo pipefail
want=()
for item in "$@"; do
  case "$item" in
    fonts) fc-list :lang=zh 2>/dev/null | grep -q . || want+=(fonts-wqy-microhei fontconfig) ;;
    browser) [ -x /usr/bin/chromium ] || want+=(chromium) ;;
    postgres) [ -x /usr/lib/postgresql/15/bin/initdb ] && dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 \
                || want+=(postgresql postgresql-15-postgis-3) ;;
    proxy) [ -x /usr/sbin/nginx ] || want+=(nginx-light) ;;
  esac
done
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "sysdeps: please install: ${want[*]}" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "sysdeps: installing ${want[*]}"
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
