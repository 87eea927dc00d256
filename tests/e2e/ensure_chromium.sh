#!/bin/sh
# Make sure Debian's chromium is installed for the Playwright browser tests (tests/e2e/).
# Playwright's own browser download (`playwright install`) is not used: it needs the internet;
# Debian's package comes from the distribution mirror. Idempotent; exits 0 when present.
set -eu
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: $CHROMIUM is missing and apt-get is not available; the browser tests will be skipped." >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "ensure_chromium: not root and no passwordless sudo; install chromium (apt-get install chromium) to run the browser tests." >&2
        exit 0
    fi
fi
echo "ensure_chromium: installing Debian's chromium for the browser tests..."
$SUDO apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium >/dev/null
[ -x "$CHROMIUM" ] && echo "ensure_chromium: $("$CHROMIUM" --version 2>/dev/null || echo installed)"
