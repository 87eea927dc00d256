#!/bin/sh
# Make sure the fonts covers, teasers and videos draw text with are installed: Debian's
# fonts-dejavu-core (Latin, Greek and Cyrillic with their accents: "KØLD FRONT", "Lua Maré").
# Without them Pillow's bundled font draws accented letters as empty boxes. Called by `make run`
# and `make test`; idempotent; exits 0 (with a clear message) when it cannot install.
set -eu
FONT="/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
if [ -f "$FONT" ]; then
    exit 0
fi
if command -v fc-match >/dev/null 2>&1 && fc-match --format='%{file}' 'DejaVu Sans:bold' 2>/dev/null | grep -qi dejavu; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_fonts: DejaVu fonts are missing and apt-get is not available; install DejaVu (or set COVER_FONTS_DIR) or covers will draw accented letters as boxes." >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "ensure_fonts: not root and no passwordless sudo; run: apt-get install fonts-dejavu-core" >&2
        exit 0
    fi
fi
echo "ensure_fonts: installing Debian's fonts-dejavu-core for covers and teasers..."
$SUDO apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends fonts-dejavu-core fontconfig >/dev/null
[ -f "$FONT" ] && echo "ensure_fonts: $FONT installed"
