#!/usr/bin/env bash
# Benchmarks (not tests; the numbers depend on the machine and its load):
# roster search under load and offline sync (cargo bench: resumable photo upload against one-shot
# multipart, inspection ingest on SQLite and PostgreSQL, server memory during concurrent uploads),
# and the field figures in headless Chromium: first-visit download size (gzip and brotli) and the
# time to downscale and hash a 12-megapixel photo.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh --with-browser
release_build
cargo bench -p server --bench roster_search
cargo bench -p server --bench sync

port=3299
data_dir=$(mktemp -d)
"${CARGO_TARGET_DIR:-target}/release/steelcheck" serve --demo --data-dir "$data_dir" --addr "127.0.0.1:$port" >/dev/null &
server=$!
trap 'kill $server; rm -rf "$data_dir"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
node scripts/bench-field.mjs "http://127.0.0.1:$port"
