"""Start-up budgets: what `steward --help`, `steward stats` and the unlock screen load, read
from `python -X importtime` in a fresh process (which modules, never how long: timings on a
shared machine measure the neighbours), and the passphrase's key derivation paid once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import PASSPHRASE

HEAVY_FOR_EVERY_COMMAND = {"PySide6", "pyqtgraph", "numpy", "pandas", "sklearn", "fpdf",
                           "xlsxwriter", "httpx", "alembic", "rapidfuzz", "jellyfish"}


def _imported(args: list[str], env: dict | None = None) -> set[str]:
    """Top-level packages a fresh `python -X importtime …` process imported."""
    done = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, **(env or {})))
    assert done.returncode == 0, done.stderr[-2000:]
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                names.add(name.split(".")[0])
    assert "steward" in names  # the probe really ran
    return names


def test_help_loads_no_database_layer_qt_keyring_or_crypto():
    loaded = _imported(["-m", "steward", "--help"])
    assert not loaded & (HEAVY_FOR_EVERY_COMMAND | {"sqlalchemy", "keyring", "cryptography",
                                                    "sqlcipher3", "yaml"})


def test_stats_loads_only_the_store(tmp_path, monkeypatch):
    from steward import crypto
    from steward.workspace import Workspace

    # a fresh process holds the real floor: the weakest derivation it accepts
    monkeypatch.setattr(crypto, "DEFAULT_KDF", {"alg": "argon2id", "iterations": 2, "lanes": 1,
                                                "memory_kib": 19 * 1024})
    ws, _ = Workspace.create(tmp_path / "ws", "Start-up", PASSPHRASE)
    path = str(ws.path)
    ws.lock()
    loaded = _imported(["-m", "steward", "stats", "--json", "--workspace", path],
                       env={"STEWARD_PASSPHRASE": PASSPHRASE})
    # the passphrase came from the environment: the OS keyring is never consulted; unlocking,
    # counting and locking use plain DB-API connections, so neither does the ORM
    assert not loaded & (HEAVY_FOR_EVERY_COMMAND | {"keyring", "sqlalchemy"})
    assert {"sqlcipher3", "cryptography"} <= loaded


def test_unlock_screen_loads_no_page_library():
    loaded = _imported(["-c", "import steward.ui.gate"])
    assert not loaded & ((HEAVY_FOR_EVERY_COMMAND - {"PySide6"}) | {"sqlalchemy"})


def test_the_app_starts_on_the_unlock_screen_without_the_database_layer():
    """The window module (gate, main window frame) loads no ORM and no page library: they come
    after the unlock."""
    loaded = _imported(["-c", "import steward.ui.app"], env={"QT_QPA_PLATFORM": "offscreen"})
    assert not loaded & ((HEAVY_FOR_EVERY_COMMAND - {"PySide6"}) | {"sqlalchemy"})


def test_the_window_lists_every_page_and_builds_the_first_without_the_others():
    """The sidebar and the Overview's tiles come from the pages' list, and the Overview page's
    module loads no NumPy or ORM: the other page modules load off the UI thread."""
    probe = ("import steward.ui.pages.overview, sys; from steward.ui import registry; "
             "from steward.workspace import Profile; admin = Profile('a', 'admin'); "
             "assert len(registry.pages_for(admin)) == 9, registry.pages_for(admin); "
             "assert len(registry.tiles_for(admin)) == 8, registry.tiles_for(admin); "
             "assert 'steward.ui.pages.engagement' not in sys.modules")
    loaded = _imported(["-c", probe], env={"QT_QPA_PLATFORM": "offscreen"})
    assert not loaded & ((HEAVY_FOR_EVERY_COMMAND - {"PySide6"}) | {"sqlalchemy"})


def test_key_derivation_runs_once_per_command(workspace, monkeypatch, capsys):
    from steward import crypto
    from steward.cli import main

    path = str(workspace.path)
    workspace.lock()
    calls = []
    derive = crypto.derive_kek
    monkeypatch.setattr(crypto, "derive_kek", lambda *a, **k: calls.append(1) or derive(*a, **k))
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    assert main(["stats", "--json", "--workspace", path]) == 0
    assert '"messages": 0' in capsys.readouterr().out
    assert len(calls) == 1


def test_the_passphrase_given_at_unlock_is_not_derived_again(workspace, monkeypatch):
    """Remembering on this computer, or changing the passphrase, with the passphrase the
    workspace was unlocked with reuses the unlock's key; counting derives nothing; a wrong
    passphrase is still derived and refused."""
    from steward import crypto, keychain
    from steward.errors import WrongPassphrase
    from steward.overview import workspace_stats
    from steward.workspace import Workspace

    path = workspace.path
    workspace.lock()
    calls = []
    derive = crypto.derive_kek
    monkeypatch.setattr(crypto, "derive_kek", lambda *a, **k: calls.append(1) or derive(*a, **k))
    ws = Workspace.unlock(path, None, PASSPHRASE)
    assert len(calls) == 1
    for _ in range(3):  # the Overview counts again after every import and scan
        assert workspace_stats(ws)["messages"] == 0
    assert ws.remember_on_this_computer(PASSPHRASE)
    assert len(calls) == 1
    assert keychain.recall(ws.id, ws.profile.name) is not None
    with pytest.raises(WrongPassphrase):
        ws.remember_on_this_computer("not the passphrase at all")
    assert len(calls) == 2
    ws.change_passphrase(PASSPHRASE, "a brand new passphrase")
    assert len(calls) == 3  # the new passphrase only
    with pytest.raises(WrongPassphrase):  # the old one is not taken for the new salt
        ws.remember_on_this_computer(PASSPHRASE)
    assert len(calls) == 4
    ws.lock()
    assert ws._unlock_kek is None
    Workspace.unlock(path, None, "a brand new passphrase").lock()


def test_the_pages_load_no_http_client():
    """The pages are imported while the passphrase is typed (or, when it is entered at once,
    while the window waits): the HTTP client loads only when a source is synced."""
    loaded = _imported(["-c", "from steward.ui.pages import load_pages; load_pages()"],
                       env={"QT_QPA_PLATFORM": "offscreen"})
    assert "sqlalchemy" in loaded  # the probe loaded the pages
    assert "httpx" not in loaded
