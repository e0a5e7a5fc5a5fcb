#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (written by
# `dldrill release --gradescope`). It needs Python 3.11 or newer: pick an Ubuntu 24.04 base image.
set -euo pipefail
cd /autograder/source
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "dldrill needs Python 3.11+: choose a newer base image")'
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -c constraints.txt -e "@INSTALL_TARGET@"
