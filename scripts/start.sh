#!/usr/bin/env bash
# The README's main command: set up (apt + npm + build), then start JupyterLab with the
# greenai kernel, the extension and the notebooks on 127.0.0.1 (see scripts/start.js).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npm start -- "$@"
