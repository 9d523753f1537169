#!/usr/bin/env bash
# Set up everything `make demo` and `make test` need, on a fresh Debian/Ubuntu machine. Safe to re-run: a stamp
# file (hash of pyproject.toml and this script) makes a second run a no-op; FORCE=1 redoes everything.
#
#   .venv/             python3 -m venv (its own packages, so a missing dependency shows here too)
#                      + pip install -e ".[test]"
#   Chromium           Playwright's own build if it can be downloaded, else Debian's `chromium` (apt, as root)
#   ffmpeg for video   a link to the imageio-ffmpeg binary where Playwright looks for its own
#   Dovecot            dovecot-imapd + dovecot-lmtpd for the tests (apt, as root); the tests run a private
#                      instance, so the system service is left stopped
#   Salesforce CLI     scripts/install_sf_cli.sh (only the `sfcli` tests use it)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"
py="$venv/bin/python"
stamp="$root/.install-stamp"

say() { printf '[install] %s\n' "$*"; }
warn() { printf '[install] warning: %s\n' "$*" >&2; }

want="$(cat pyproject.toml scripts/install.sh | sha256sum | cut -d' ' -f1)"
if [[ "${FORCE:-0}" != 1 && -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/provisioner" ]]; then
  exit 0  # already set up, nothing changed since
fi

is_root() { [[ "$(id -u)" == 0 ]]; }
apt_updated=0
apt_install() {
  if ! is_root || ! command -v apt-get >/dev/null; then
    return 1
  fi
  if [[ $apt_updated == 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# --- Python environment -------------------------------------------------------------------------------------------
command -v python3 >/dev/null || { echo "python3 not found: apt-get install python3 python3-venv" >&2; exit 1; }
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Python 3.11 or newer is needed (found $(python3 --version))" >&2
  exit 1
fi
if [[ ! -x "$py" ]]; then
  say "creating $venv"
  if ! python3 -m venv "$venv"; then
    apt_install python3-venv || { echo "python3 -m venv failed: apt-get install python3-venv" >&2; exit 1; }
    python3 -m venv "$venv"
  fi
fi
say "installing provisioner (pip install -e .[test])"
"$py" -m pip install --quiet --disable-pip-version-check -e ".[test]"

# --- Browser ------------------------------------------------------------------------------------------------------
system_chromium=""
for candidate in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
  if [[ -x "$candidate" ]]; then system_chromium="$candidate"; break; fi
done
own_chromium="$("$py" - <<'EOF' 2>/dev/null || true
import os
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    path = p.chromium.executable_path
print(path if os.path.exists(path) else "")
EOF
)"
if [[ -n "$own_chromium" ]]; then
  say "browser: Playwright's Chromium ($own_chromium)"
elif [[ -n "$system_chromium" ]]; then
  say "browser: system Chromium ($system_chromium)"
else
  say "browser: trying Playwright's own Chromium download"
  if timeout 180 "$py" -m playwright install chromium >/dev/null 2>&1; then
    say "browser: Playwright's Chromium installed"
  elif apt_install chromium; then
    say "browser: Debian chromium installed"
  else
    warn "no Chromium: run '.venv/bin/python -m playwright install chromium' or, as root, 'apt-get install chromium'"
  fi
fi
# Video recording needs Playwright's ffmpeg; point it at the one the imageio-ffmpeg wheel ships.
if ffmpeg_path="$("$py" -c 'from provisioner.browser import ensure_ffmpeg_for_playwright as e; print(e())' 2>&1)"; then
  say "video: ffmpeg at $ffmpeg_path"
else
  warn "video recording unavailable: $ffmpeg_path"
fi

# --- Dovecot (test mail server) -----------------------------------------------------------------------------------
if [[ -x /usr/lib/dovecot/imap && -x /usr/lib/dovecot/lmtp ]]; then
  say "dovecot: installed"
elif apt_install dovecot-imapd dovecot-lmtpd; then
  say "dovecot: installed"
  # The tests start their own private instance; the system service is not needed.
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    systemctl disable --now dovecot >/dev/null 2>&1 || true
  fi
else
  warn "dovecot not installed (needs root): the mail tests will be skipped; as root: apt-get install dovecot-imapd dovecot-lmtpd"
fi

# --- Salesforce CLI (optional) ------------------------------------------------------------------------------------
if [[ -x scripts/install_sf_cli.sh ]]; then
  if PYTHON="$py" scripts/install_sf_cli.sh >/dev/null; then
    say "sf CLI: installed (tools/sfcli)"
  else
    warn "sf CLI install failed: the 'sfcli' tests will be skipped (retry: scripts/install_sf_cli.sh)"
  fi
fi

echo "$want" > "$stamp"
say "done"
