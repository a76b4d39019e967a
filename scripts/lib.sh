# Shared by scripts/up.sh and scripts/test.sh: bring a fresh clone to a runnable state, doing nothing twice.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[vigil] %s\n' "$*"; }

# npm ci only when the lockfile changed since the last install.
ensure_node_modules() {
  if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.vigil-installed-lock; then
    say "installing npm dependencies"
    npm ci --no-audit --no-fund
    cp package-lock.json node_modules/.vigil-installed-lock
  fi
}

# The Prisma client needs no native engine; `prisma generate` only wants some executable named as one.
generate_prisma_client() {
  if [ ! -f src/db/generated/client.ts ] || [ prisma/schema.prisma -nt src/db/generated/client.ts ]; then
    say "generating the Prisma client"
    local out
    # Its chatter is shown only when it fails.
    if ! out=$(PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-$(type -P true)}" npx prisma generate 2>&1); then
      printf '%s\n' "$out" >&2
      say "generating the Prisma client failed"
      return 1
    fi
  fi
}

build() {
  say "compiling TypeScript"
  npx tsc -p tsconfig.build.json
}

# Builds or fetches the named tools into the cache (src/stack/prepare.ts) before anything needs them: a fresh machine
# spends its build minutes here, with progress lines, not inside a test's time limit.
prepare_tools() {
  npx tsx src/stack/prepare.ts "$@"
}

# The browser suites (test/api/status-page-browser.test.ts) drive Debian's Chromium. Installed with apt-get when it is
# missing and this user may (root, or passwordless sudo); otherwise, or if the install fails, those suites are skipped
# and say why. VIGIL_CHROMIUM_PATH names another browser instead.
ensure_browser() {
  if [ -n "${VIGIL_CHROMIUM_PATH:-}" ] || [ -x /usr/bin/chromium ] || [ -x /usr/bin/chromium-browser ]; then return 0; fi
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then as_root=(sudo -n); else
      say "no Chromium, and no root or passwordless sudo to install it: the browser suites will be skipped"
      return 0
    fi
  fi
  if ! command -v apt-get >/dev/null; then
    say "no Chromium, and no apt-get to install it with: the browser suites will be skipped (or set VIGIL_CHROMIUM_PATH)"
    return 0
  fi
  say "installing Chromium for the browser suites (apt-get install chromium)"
  if ! { "${as_root[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium; } >/dev/null; then
    say "installing Chromium failed: the browser suites will be skipped"
  fi
}
