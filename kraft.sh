#!/usr/bin/env bash
# KRaft Playground: the two commands.
#   ./kraft.sh serve   install what is missing, then serve the app on http://127.0.0.1:8080
#   ./kraft.sh test    install what is missing, then run every test (native, wasm, browser)
# Installs are idempotent: each tool is checked first and skipped when present.
set -euo pipefail
cd "$(dirname "$0")"

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

installed=()
say() { printf '%s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif have sudo; then sudo "$@"; else
    say "need root for: $*"; return 1; fi
}

# The wasm-bindgen version the lock file pins: the CLI must match it exactly.
bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_rust_wasm() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "installing: rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
    installed+=(wasm32-target)
  fi
}

ensure_trunk() {
  if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
    say "installing: trunk $TRUNK_VERSION (cargo install, several minutes on 2 cores)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
    installed+=(trunk)
  fi
}

ensure_wasm_bindgen() {
  local want
  want=$(bindgen_version)
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$want"; then
    say "installing: wasm-bindgen-cli $want (matches Cargo.lock; a few minutes)"
    cargo install wasm-bindgen-cli --version "$want"
    installed+=(wasm-bindgen-cli)
  fi
}

ensure_wasm_opt() {
  # Debian's binaryen (108) cannot read what rustc 1.95 emits and would shadow npm's.
  if dpkg -s binaryen >/dev/null 2>&1; then
    say "removing: Debian's binaryen (too old; npm's binaryen $BINARYEN_VERSION replaces it)"
    as_root apt-get remove -y binaryen >/dev/null
  fi
  if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    say "installing: wasm-opt from npm binaryen@$BINARYEN_VERSION"
    npm install -g --no-audit --no-fund "binaryen@$BINARYEN_VERSION" >/dev/null
    installed+=(binaryen)
  fi
}

ensure_chromium() {
  if ! have chromium || ! have chromedriver; then
    say "installing: Debian's chromium and chromium-driver (apt)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    installed+=(chromium)
  fi
}

ensure_cjk_font() {
  # Headless Chromium draws Chinese as empty boxes without a CJK font (screenshots, the zh tests).
  if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    say "installing: Debian's fonts-noto-cjk (Chinese in screenshots and browser tests)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null
    installed+=(fonts-noto-cjk)
  fi
}

ensure_wasm_pack() {
  if ! have wasm-pack; then
    say "installing: wasm-pack (cargo install, about 2 minutes)"
    cargo install wasm-pack
    installed+=(wasm-pack)
  fi
}

ensure_playwright() {
  local want
  want=$(node -e 'console.log(require("./tests/e2e/package.json").devDependencies["playwright-core"])')
  if [ "$(node -e 'try{console.log(require("./tests/e2e/node_modules/playwright-core/package.json").version)}catch(e){}')" != "$want" ]; then
    say "installing: playwright-core $want (npm, drives Debian's chromium)"
    (cd tests/e2e && npm ci --no-audit --no-fund >/dev/null)
    installed+=(playwright-core)
  fi
}

report_installs() {
  if [ ${#installed[@]} -eq 0 ]; then
    say "setup: everything needed is already installed"
  else
    say "setup: installed ${installed[*]}"
  fi
}

cmd_serve() {
  ensure_rust_wasm; ensure_trunk; ensure_wasm_bindgen; ensure_wasm_opt
  report_installs
  # KRAFT_PORT / KRAFT_SERVE_DIST let the end-to-end test run this command beside a release build.
  exec trunk serve --address 127.0.0.1 --port "${KRAFT_PORT:-8080}" --dist "${KRAFT_SERVE_DIST:-dist}" "$@"
}

cmd_test() {
  ensure_rust_wasm; ensure_trunk; ensure_wasm_bindgen; ensure_wasm_opt
  ensure_chromium; ensure_cjk_font; ensure_wasm_pack; ensure_playwright
  report_installs
  export CHROMEDRIVER=/usr/bin/chromedriver

  say "== cargo fmt --check"
  cargo fmt --all -- --check
  say "== cargo clippy"
  cargo clippy --workspace --all-targets -- -D warnings
  say "== cargo test (native)"
  cargo test --workspace
  say "== wasm-pack test --headless --chrome (core, web)"
  wasm-pack test --headless --chrome core
  wasm-pack test --headless --chrome web
  say "== trunk build --release"
  trunk build --release
  say "== browser end-to-end (Playwright + Chromium, dist/ on 127.0.0.1)"
  (cd tests/e2e && KRAFT_DIST="$PWD/../../dist" npm test)
  say "all tests passed"
}

case "${1:-}" in
  serve) shift; cmd_serve "$@" ;;
  test) shift; cmd_test "$@" ;;
  *) say "usage: ./kraft.sh serve | ./kraft.sh test"; exit 2 ;;
esac
