#!/usr/bin/env bash
# The README's test command: set up (apt + npm + build), then run every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm test
