"""The command line builds cheaply: registering the connector commands loads no connector (and
so no SQLAlchemy); connectors are loaded only when a command runs."""

from __future__ import annotations

import json
import subprocess
import sys

from steward.connectors import registry

BUILD_AND_HELP = """
import argparse, contextlib, io, json, sys
from steward.cli import connectors as commands
parser = argparse.ArgumentParser(prog="steward")
commands.register(parser.add_subparsers(), argparse.ArgumentParser(add_help=False))
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
    parser.parse_args(["import", "--help"])
print(out.getvalue())
print("LOADED", json.dumps(sorted(
    m for m in sys.modules
    if m.split(".")[0] == "sqlalchemy" or m.startswith("steward.connectors."))))
"""


def test_registering_the_connector_commands_loads_no_connector_nor_sqlalchemy():
    result = subprocess.run([sys.executable, "-c", BUILD_AND_HELP], capture_output=True,
                            text=True, timeout=60, check=True)
    help_text, loaded = result.stdout.rsplit("LOADED", 1)
    assert "one of: discord-export facebook-group mbox members-csv slack-export telegram " \
           "whatsapp" in " ".join(help_text.split())
    assert json.loads(loaded) == ["steward.connectors.registry"]


def test_names_come_from_the_entry_points_alone():
    assert registry.names() == sorted([*registry.import_kinds(), *registry.live_platforms()])


def test_import_summary_reads_as_a_sentence():
    from steward.connectors.ingest import ImportSummary

    one = ImportSummary(source="Chat", kind="whatsapp", spaces=1, people=1, messages=1)
    assert one.describe() == "Imported into Chat: 1 new message, 1 new person, 1 new space."
    again = ImportSummary(source="Slack", kind="slack-export", already_there=1200,
                          parts_skipped=3)
    assert again.describe() == ("Imported into Slack: 0 new messages, 0 new people, "
                                "0 new spaces (1,200 messages already there, 3 files unchanged).")
