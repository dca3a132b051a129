#!/usr/bin/env bash
# The whole test suite: static checks, every Vitest suite against PGlite and a real
# PostgreSQL server with real cells, then the end-to-end suite in Chromium. Ends with one
# line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

WORKCELL_WITH_BROWSER=1 bash scripts/install-system-deps.sh || exit 1
bash scripts/ensure-node-deps.sh || exit 1
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
bash scripts/ensure-postgres.sh || exit 1
node scripts/build-changed.mjs agent web || exit 1

passed=0
failed=0
check() {
  local name=$1; shift
  echo "== $name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "!! $name failed"; fi
}
check typecheck bash -c "npx tsc --noEmit -p . && npx tsc --noEmit -p packages/web"
check lint npx eslint .
check format npx prettier --check . --log-level warn

results=$(mktemp)
echo "== vitest"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@"
counts=$(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  // A suite that crashed before its tests ran fails the run without failing a test: count it.
  const crashed = !r.success && r.numFailedTests === 0 ? Math.max(1, r.numFailedTestSuites) : 0;
  console.log(r.numPassedTests, r.numFailedTests + crashed);
' "$results" 2>/dev/null || echo "0 1")
rm -f "$results"
read -r tests_passed tests_failed <<<"$counts"
passed=$((passed + tests_passed))
failed=$((failed + tests_failed))

# Screenshots of the main screens are kept in artifacts/screenshots (see README).
echo "== e2e (Chromium)"
results=$(mktemp)
PLAYWRIGHT_JSON_OUTPUT_NAME="$results" CI=1 npx playwright test -c packages/web/playwright.config.ts \
  --reporter=list,json
counts=$(node -e '
  const { stats } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  // A run that could not start (no server, no browser) reports no tests: count it as failed.
  const ran = stats.expected + stats.unexpected + stats.flaky;
  console.log(stats.expected + stats.flaky, stats.unexpected + (ran === 0 ? 1 : 0));
' "$results" 2>/dev/null || echo "0 1")
rm -f "$results"
read -r e2e_passed e2e_failed <<<"$counts"
passed=$((passed + e2e_passed))
failed=$((failed + e2e_failed))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$tests_passed" -gt 0 ] && [ "$e2e_passed" -gt 0 ]
