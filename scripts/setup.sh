#!/usr/bin/env bash
# Installs what building SteelCheck needs, skipping whatever is already there:
# the wasm target, cargo-leptos, the wasm-bindgen CLI matching Cargo.lock, and wasm-opt (npm).
# With --with-browser, also Chromium and Playwright for the end-to-end tests.
# Source it (`. scripts/setup.sh`) to get wasm-opt on PATH and `release_build` in the calling shell.
set -euo pipefail

STEELCHECK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION=0.3.10

say() { printf '==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

need_cargo() {
  command -v cargo >/dev/null || {
    echo "error: cargo is missing; install Rust 1.95 with rustup first" >&2
    exit 1
  }
}

install_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown && return
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

install_cargo_leptos() {
  cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION\$" && return
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes the first time)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
}

install_wasm_bindgen() {
  local wanted
  wanted=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' "$STEELCHECK_ROOT/Cargo.lock")
  wasm-bindgen --version 2>/dev/null | grep -q " $wanted\$" && return
  say "installing wasm-bindgen-cli $wanted (must equal the wasm-bindgen in Cargo.lock)"
  # Not --locked: its lock file names a crate version the registry no longer has.
  cargo install wasm-bindgen-cli --version "$wanted"
}

npm_install() {
  local dir="$1"
  [ -d "$dir/node_modules" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ] && return
  say "installing Node packages in ${dir#"$STEELCHECK_ROOT"/}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

install_chromium() {
  [ -x /usr/bin/chromium ] && return
  say "installing Chromium from Debian's packages"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
}

# The release build. `--split` is not optional: the pages of `app/src/pages/split.rs` are split
# points, whose wasm imports only the split step provides. `--precompress` writes a `.br` and a
# `.gz` beside every site file, which the server sends to browsers that accept them: a phone on a
# slow network downloads the wasm at about a third of its size.
release_build() {
  cargo leptos build --release --split --precompress
  # cargo-leptos writes its `.gz` copies at a low level; Zopfli's are about a fifth smaller.
  node "$STEELCHECK_ROOT/scripts/precompress.mjs" "$STEELCHECK_ROOT/target/site"
}

need_cargo
install_wasm_target
install_cargo_leptos
install_wasm_bindgen
npm_install "$STEELCHECK_ROOT/scripts"
if [ "${1:-}" = "--with-browser" ]; then
  install_chromium
  npm_install "$STEELCHECK_ROOT/end2end"
fi
export PATH="$STEELCHECK_ROOT/scripts/node_modules/.bin:$PATH"
