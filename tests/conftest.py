"""Shared fixtures: a fresh temporary workspace per test, a keyring that touches nothing real,
cheap key derivation, and one small demo community built once per session.

The suite passes on any day: the demo is built "today" by Steward's one clock, which the code
under test also reads. `STEWARD_CLOCK_OFFSET_DAYS=365` runs the whole suite a year ahead
(`make test-ahead`; CI runs it), and subprocesses inherit the same clock."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import keyring
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("STEWARD_PASSPHRASE", None)
os.environ.pop("STEWARD_WORKSPACE", None)

from steward import clock, crypto  # noqa: E402
from steward.jobs import run_to_end  # noqa: E402
from tests.memory_keyring import MemoryKeyring  # noqa: E402

PASSPHRASE = "correct horse battery"
# The demo's "now": midnight today by the (possibly moved) clock, as `steward demo` uses.
DEMO_NOW = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
# Argon2id at test strength: the real cost is measured in benchmarks, not paid 500 times here.
FAST_KDF = {"alg": "argon2id", "iterations": 1, "lanes": 1, "memory_kib": 8192}


TEST_KDF_FLOOR = {"memory_kib": 8192, "iterations": 1}
crypto.KDF_FLOOR = TEST_KDF_FLOOR  # the real floor is checked in tests/core/test_bad_meta.py


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch):
    monkeypatch.setattr(crypto, "DEFAULT_KDF", FAST_KDF)


@pytest.fixture(autouse=True)
def memory_keyring():
    """Every test gets an empty in-memory keyring."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def _empty_template(tmp_path_factory):
    """A new, empty workspace with one admin profile, created once (its schema migrations
    cost more than copying it); tests get copies."""
    from steward.workspace import Workspace

    crypto.DEFAULT_KDF = FAST_KDF
    path = tmp_path_factory.mktemp("empty") / "ws"
    ws, _recovery = Workspace.create(path, "Test charity", PASSPHRASE)
    ws.lock()
    return path


@pytest.fixture
def workspace(_empty_template, tmp_path):
    """A new, empty, unlocked workspace with one admin profile (a private copy)."""
    from steward.workspace import Workspace

    shutil.copytree(_empty_template, tmp_path / "ws")
    ws = Workspace.unlock(tmp_path / "ws", "admin", PASSPHRASE)
    yield ws
    ws.lock()


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory):
    """A small demo community, generated once; tests get copies."""
    from steward import demo
    from steward.workspace import Workspace

    crypto.DEFAULT_KDF = FAST_KDF
    path = tmp_path_factory.mktemp("demo") / "ws"
    ws, _ = Workspace.create(path, "Riverside Young Carers Network", PASSPHRASE)
    for name, role in demo.DEMO_PROFILES:
        ws.add_profile(name, role, PASSPHRASE)
    run_to_end(demo.generate(ws, members=300, messages=6000, seed=11, now=DEMO_NOW))
    ws.lock()
    return path


@pytest.fixture
def demo_path(_demo_template, tmp_path) -> Path:
    """A private copy of the small demo workspace folder (admin, steward, volunteer, lead)."""
    target = tmp_path / "demo"
    shutil.copytree(_demo_template, target)
    return target


@pytest.fixture
def demo_ws(demo_path):
    """The small demo community, unlocked as admin."""
    from steward.workspace import Workspace

    ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    yield ws
    ws.lock()
