"""Steward: look after a charity's online communities, offline and encrypted."""


def __getattr__(name: str) -> str:
    # The version is looked up when asked for: importlib.metadata costs more at start-up
    # (tens of milliseconds) than `steward --help` spends on everything else.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("steward")
        except PackageNotFoundError:  # running from a source tree or a frozen bundle
            return "0.1.0"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
