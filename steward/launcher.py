"""The `steward` program: a command, or the desktop app when no command is given.

It stands outside both the command line and the desktop app, so that `steward.cli` runs headless
and never imports the UI, and the UI never imports the command line.
"""

from __future__ import annotations

import argparse

from steward.errors import StewardError


def open_window(args: argparse.Namespace) -> int:
    try:
        if getattr(args, "self_test", False):
            from steward.ui.selftest import self_test

            return self_test()
        from steward.ui import app
    except ModuleNotFoundError as err:
        if err.name and err.name.startswith(("steward.ui", "PySide6", "pyqtgraph")):
            raise StewardError("this build of Steward has no desktop app") from None
        raise
    return app.run(args)


def main(argv: list[str] | None = None) -> int:
    from steward import cli

    return cli.main(argv, open_window=open_window)
