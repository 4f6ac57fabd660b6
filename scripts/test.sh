#!/usr/bin/env bash
# The README's test command: set up (apt + npm + build), then run every test suite:
# jest (unit, kernel protocol and conformance, notebooks, nbconvert fallbacks, extension in jsdom),
# then the browser end-to-end tests on the self-hosted JupyterLab and the `npm start` smoke test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm test
npm run test:browser
