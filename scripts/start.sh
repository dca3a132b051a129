#!/usr/bin/env bash
# Brings Workcell up on this machine with the embedded database: installs the system
# packages and npm dependencies that are missing, then serves http://localhost:8000
# (PORT, HOST, DATA_DIR and DATABASE_URL are read from the environment).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh
bash scripts/ensure-node-deps.sh
# Only what changed since the last build (scripts/build-changed.mjs): an unchanged tree
# starts at once. `npm run serve` skips even this.
node scripts/build-changed.mjs agent web
# node itself (tsx as a loader) is this process from here on, so a service manager's
# SIGTERM reaches the server and waiting for this process waits for its cells to stop.
exec node --import tsx packages/server/src/main.ts
