"""The ``regwatch`` command line: one group (app.py) and a module per family of commands, each
importing what it needs only when it runs (``regwatch --help`` loads no database or model code)."""

from monitor.cli import admin, channels, classifying, dashboard, delivery, health, model, polling, sources, watching, worker  # noqa: F401  (registration)
from monitor.cli.app import main

__all__ = ["main"]
