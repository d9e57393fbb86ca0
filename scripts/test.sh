#!/usr/bin/env bash
# README command 2: install what is missing (Chromium too), then run every check and test:
# formatting and clippy on both features, unit and integration tests on SQLite and on the local
# PostgreSQL, and the end-to-end tests in Chromium against the release build, on each database.
# Exits non-zero if anything fails; a PostgreSQL that cannot be reached is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh --with-browser

POSTGRES_SERVER="${STEELCHECK_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
# Every test makes its own database named after this run, and the run removes them at the end.
export STEELCHECK_TEST_RUN="r$(date +%s)$$"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$PWD/$TARGET_DIR" ;; esac

step() { printf '\n==> %s\n' "$*"; }

ensure_postgres() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && [ -d /etc/postgresql ]; then
    step "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "error: PostgreSQL is not answering on 127.0.0.1:5432; start it and run the tests again" >&2
    exit 1
  fi
}

drop_test_databases() {
  psql "$POSTGRES_SERVER/postgres" -Atc \
    "SELECT datname FROM pg_database WHERE datname LIKE 'steelcheck_t_${STEELCHECK_TEST_RUN}_%'" |
    while read -r name; do psql "$POSTGRES_SERVER/postgres" -qc "DROP DATABASE \"$name\" WITH (FORCE)" >/dev/null; done
}

step "formatting"
cargo fmt --all -- --check

step "clippy, server side (ssr)"
cargo clippy --workspace --all-targets -- -D warnings
step "clippy, browser side (hydrate, wasm)"
cargo clippy -p app --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "unit and integration tests on SQLite"
cargo test --workspace

step "integration tests on PostgreSQL"
ensure_postgres
trap drop_test_databases EXIT
STEELCHECK_TEST_POSTGRES="$POSTGRES_SERVER" cargo test -p server --tests

step "release build"
release_build

end_to_end() {
  (cd end2end &&
    STEELCHECK_BIN="$TARGET_DIR/release/steelcheck" \
    LEPTOS_SITE_ROOT="$PWD/../target/site" \
    npx playwright test)
}

step "end-to-end tests in Chromium, on SQLite"
end_to_end

step "end-to-end tests in Chromium, on PostgreSQL"
ensure_postgres
STEELCHECK_E2E_POSTGRES="$POSTGRES_SERVER" end_to_end
