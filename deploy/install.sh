#!/bin/sh
# The image's install steps, one per Docker layer; tests/test_image_install.py runs the same steps
# into a fresh venv where no Docker engine can start.
#   install.sh dependencies LOCK   the pinned dependencies (changes only when the lock does)
#   install.sh project SRC         regwatch itself, from the checkout at SRC
#   install.sh model DIR           the classifier, trained now into DIR (REGWATCH_MODEL_DIR at run time)
# REGWATCH_VENV names the venv (created by the first step).
set -eu
venv=${REGWATCH_VENV:?set REGWATCH_VENV to the venv to install into}
step=${1:?usage: install.sh dependencies LOCK | project SRC | model DIR}
target=${2:?usage: install.sh dependencies LOCK | project SRC | model DIR}

# A TLS-inspecting proxy's CA bundle, when the build passes it as a secret (never baked in).
if [ -f /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi

case $step in
  dependencies)
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    # Exactly the lock: --no-deps, so nothing unpinned comes in; pip check proves the lock complete.
    "$venv/bin/pip" install --no-deps --requirement "$target"
    "$venv/bin/pip" check
    ;;
  project)
    "$venv/bin/pip" install --no-deps "$target"
    "$venv/bin/pip" check
    ;;
  model)
    # Built-in categories (no config file): the key the service computes with a config that adds
    # no categories, so it loads this model instead of training one.
    REGWATCH_CONFIG= "$venv/bin/regwatch" model build --into "$target"
    ;;
  *)
    echo "install.sh: unknown step $step" >&2
    exit 2
    ;;
esac
