"""Steward: look after a charity's online communities, offline and encrypted."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("steward")
except PackageNotFoundError:  # running from a source tree or a frozen bundle
    __version__ = "0.1.0"
