"""``python -m monitor``: the regwatch command."""

from monitor.cli import main

main()
