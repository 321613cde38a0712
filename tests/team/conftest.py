"""The team tests' PostgreSQL: one throwaway cluster per session (tests/team/pgcluster.py), a
fresh database per test. Without the server binaries the tests skip, unless
STEWARD_REQUIRE_POSTGRES=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import uuid

import pytest

from tests.team.pgcluster import PASSWORD, Cluster, bin_dir

__all__ = ["PASSWORD"]


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
