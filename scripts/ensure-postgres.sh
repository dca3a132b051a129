#!/usr/bin/env bash
# Makes sure the PostgreSQL server the test suite uses is up (TEST_DATABASE_URL, by
# default the local cluster at 127.0.0.1:5432), starting or installing it when it is not.
set -euo pipefail

url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
ready() { pg_isready -q -d "$url" 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql
fi
ready && exit 0

for version in $(ls /etc/postgresql 2>/dev/null); do
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
done
for _ in $(seq 1 30); do
  ready && break
  sleep 1
done
ready || { echo "PostgreSQL at $url is not reachable and could not be started." >&2; exit 1; }

# A freshly installed cluster has no `test` database and no trust for TCP; say so plainly.
psql "$url" -Atc 'select 1' >/dev/null || {
  echo "PostgreSQL is up but $url does not accept connections; create the database or set TEST_DATABASE_URL." >&2
  exit 1
}
