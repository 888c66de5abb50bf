#!/usr/bin/env bash
# Run every test. PostgreSQL: uses CULTUREBRIDGE_TEST_POSTGRES_URL when set (CI starts a
# throwaway server); otherwise the tests start their own cluster from the Debian binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
export CULTUREBRIDGE_REQUIRE_POSTGRES="${CULTUREBRIDGE_REQUIRE_POSTGRES:-1}"
exec .venv/bin/python -m pytest -n 2 --dist loadfile -q -p no:cacheprovider -m "not slow" --timeout 600 "$@"
