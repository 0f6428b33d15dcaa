"""regwatch core: configuration, store, fetching, pipeline, classification, scheduling and CLI."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("regwatch")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
