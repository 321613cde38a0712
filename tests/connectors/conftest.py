"""Connector fixtures: the small demo community written once as export files, the counts the
demo holds per platform (the truth each import is checked against), and a Discourse server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from steward.connectors.demo_exports import write_all
from tests.conftest import PASSPHRASE
from tests.connectors.forum_server import ForumServer


@pytest.fixture(scope="session")
def exports_and_truth(_demo_template, tmp_path_factory) -> tuple[Path, dict]:
    from steward.workspace import Workspace

    copy = tmp_path_factory.mktemp("demo-copy") / "ws"
    shutil.copytree(_demo_template, copy)
    folder = tmp_path_factory.mktemp("exports")
    ws = Workspace.unlock(copy, "admin", PASSPHRASE)
    try:
        write_all(ws, folder)
        truth = {}
        with ws.session() as s:
            db = s.connection()
            for platform, count, replies, authors in db.exec_driver_sql(
                    "SELECT s.platform, count(*), count(m.parent_id), "
                    "count(DISTINCT m.identity_id) FROM messages m JOIN sources s "
                    "ON s.id = m.source_id GROUP BY s.platform"):
                truth[platform] = {"messages": count, "replies": replies, "authors": authors}
            truth["homework"] = db.exec_driver_sql(
                "SELECT count(*), count(parent_id) FROM messages m JOIN spaces sp ON "
                "sp.id = m.space_id WHERE sp.platform_id = 'discord-homework'").one()
    finally:
        ws.lock()
    return folder, truth


@pytest.fixture
def exports(exports_and_truth) -> Path:
    return exports_and_truth[0]


@pytest.fixture
def truth(exports_and_truth) -> dict:
    return exports_and_truth[1]


@pytest.fixture
def forum(exports):
    with ForumServer(exports / "discourse-forum.json") as server:
        yield server
