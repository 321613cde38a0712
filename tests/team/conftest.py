"""The team tests' PostgreSQL: one throwaway cluster per session (tests/team/pgcluster.py), a
fresh database per test. Without the server binaries the tests skip, unless
STEWARD_REQUIRE_POSTGRES=1 (CI), where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid

import pytest

from steward.jobs import run_to_end
from steward.team import sync as team
from steward.workspace import Workspace
from tests.team.pgcluster import PASSWORD, Cluster, bin_dir

__all__ = ["PASSWORD"]
PASS = "correct-horse-1"


@pytest.fixture(scope="session")
def pg_cluster():
    found = bin_dir()
    if found is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        if os.environ.get("STEWARD_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " and STEWARD_REQUIRE_POSTGRES=1")
        pytest.skip(message)
    cluster = Cluster(found)
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture()
def team_server(pg_cluster, monkeypatch):
    """A fresh database on the cluster for one test; its URL (no password in it)."""
    name = "team_" + uuid.uuid4().hex[:10]
    with pg_cluster.admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    monkeypatch.setenv("STEWARD_SERVER_PASSWORD", PASSWORD)
    yield pg_cluster.url(name)
    try:
        with pg_cluster.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception:  # the cluster was stopped by the test and is being restarted
        pass


@pytest.fixture(scope="session")
def demo_laptop(tmp_path_factory):
    """A small scanned demo workspace (queue items and flags), made once and copied."""
    from steward.cli import main

    path = tmp_path_factory.mktemp("demo") / "admin"
    os.environ["STEWARD_PASSPHRASE"] = PASS
    try:
        assert main(["demo", "--workspace", str(path), "--members", "30", "--messages",
                     "300", "--json"]) == 0
        assert main(["scan", "--workspace", str(path), "--json"]) == 0
    finally:
        os.environ.pop("STEWARD_PASSPHRASE", None)
    return path


@pytest.fixture()
def laptops(demo_laptop, tmp_path, team_server):
    """The admin laptop in a team, and invitations joined by a lead and a volunteer."""
    admin_path = tmp_path / "admin"
    shutil.copytree(demo_laptop, admin_path)
    ws = Workspace.unlock(admin_path, "admin", PASS)
    run_to_end(team.create_team(ws, team_server, PASSWORD))
    made = {}
    for name, role in (("lead", "safeguarding-lead"), ("vol", "volunteer")):
        invitation, code = team.invite(ws, name, role, PASSWORD)
        file = tmp_path / f"{name}.invitation"
        file.write_text(json.dumps(invitation))
        made[name] = (file, code)
    ws.lock()
    paths = {"admin": admin_path}
    for name, (file, code) in made.items():
        paths[name] = tmp_path / name
        run_to_end(team.join(file, code, paths[name], PASS, PASSWORD))
    return paths
