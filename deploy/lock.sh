#!/usr/bin/env bash
# Regenerates the lock files from pyproject.toml: requirements.lock (what the image and
# `pip install -c requirements.lock .` install) and requirements-test.lock (the same versions plus
# the test extra; CI installs with it). Versions already locked are kept unless a pyproject change
# needs another; pass --upgrade (or --upgrade-package NAME) to move them.
#   deploy/lock.sh [--upgrade | --upgrade-package NAME ...]
set -euo pipefail
cd "$(dirname "$0")/.."

uv=$(command -v uv || true)
if [[ -z $uv ]]; then
  # uv is a build tool, not a dependency of regwatch: a private copy, outside the project's venv.
  tools=${XDG_CACHE_HOME:-$HOME/.cache}/regwatch-lock-tools
  [[ -x $tools/bin/uv ]] || { python3 -m venv "$tools" && "$tools/bin/pip" install -q 'uv>=0.13,<0.14'; }
  uv=$tools/bin/uv
fi

# One resolution for every platform the image may be built on (amd64, arm64), on the image's Python.
common=(--universal --python-version 3.11 --custom-compile-command deploy/lock.sh --quiet)
"$uv" pip compile pyproject.toml "${common[@]}" "$@" -o requirements.lock
# The test lock is held to the runtime lock's versions, so tests run what the image runs.
"$uv" pip compile pyproject.toml --extra test --constraint requirements.lock "${common[@]}" "$@" -o requirements-test.lock
