#!/usr/bin/env bash
# Installs the npm dependencies when node_modules is missing or older than the lock file,
# after checking that this Node.js can run Workcell.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1; then
  echo "Node.js 20.19 or newer is required: install it from https://nodejs.org or your distribution." >&2
  exit 1
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' || {
  echo "Node.js $(node -v) is too old: Workcell needs 20.19 or newer." >&2
  exit 1
}
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-fund --no-audit
fi
