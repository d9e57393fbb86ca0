#!/usr/bin/env bash
# README command 1: install what is missing, build the release, and serve SteelCheck on its
# embedded defaults (SQLite and photos under ./data, http://127.0.0.1:3000), with demo data on
# first start. Extra arguments go to `steelcheck serve` (e.g. --addr 0.0.0.0:3000).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
release_build
exec "${CARGO_TARGET_DIR:-target}/release/steelcheck" serve --demo "$@"
