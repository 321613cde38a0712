"""A workspace.json that was damaged or altered, and a workspace in the wrong place: one clear
line each, exit 1 or 2, and nothing changed."""

from __future__ import annotations

import json

import pytest

from steward.cli import main
from steward.placement import placement_warning
from tests.conftest import PASSPHRASE


def test_the_real_floor_is_owasps_argon2id_minimum():
    """The module as shipped (a fresh process: the suite lowers the floor for speed)."""
    import subprocess
    import sys

    probe = ("from steward import crypto; weak = {'alg': 'argon2id', 'iterations': 1, "
             "'lanes': 1, 'memory_kib': 8192}; print(crypto.KDF_FLOOR, "
             "crypto.check_kdf(crypto.DEFAULT_KDF), crypto.check_kdf(weak))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.startswith("{'memory_kib': 19456, 'iterations': 2} None key derivation weaker")


def _edit(path, change):
    meta_path = path / "workspace.json"
    meta = json.loads(meta_path.read_text())
    change(meta)
    meta_path.write_text(json.dumps(meta))
    return meta_path


@pytest.mark.parametrize("change,words", [
    (lambda m: m.pop("kdf"), "no key-derivation settings"),
    (lambda m: m["kdf"].update(memory_kib=1024), "weaker than Steward allows"),
    (lambda m: m["kdf"].update(iterations=0), "weaker than Steward allows"),
    (lambda m: m["kdf"].update(memory_kib=2**40), "out of range"),
    (lambda m: m["kdf"].update(alg="md5"), "unknown key derivation"),
    (lambda m: m["profiles"][0].update(salt="not base64!!"), "salt of profile"),
    (lambda m: m["profiles"][0].pop("salt"), "salt of profile"),
])
def test_altered_workspace_json_is_one_clear_line(workspace, monkeypatch, capsys, change,
                                                  words):
    path = workspace.path
    workspace.lock()
    db_before = (path / "steward.db").read_bytes()
    meta_path = _edit(path, change)
    meta_before = meta_path.read_bytes()
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    code = main(["stats", "--workspace", str(path)])
    err = capsys.readouterr().err
    assert code in (1, 2) and words in err and len(err.strip().splitlines()) == 1, err
    assert meta_path.read_bytes() == meta_before
    assert (path / "steward.db").read_bytes() == db_before


@pytest.mark.parametrize("folder", [
    "/home/sam/Dropbox/Charity", "/Users/sam/Library/Mobile Documents/com~apple~CloudDocs/ws",
    "/home/sam/OneDrive - Riverside Carers/Steward", "/home/sam/Google Drive/ws",
])
def test_synced_folders_are_named(folder):
    warning = placement_warning(folder, mount_type="ext4")
    assert warning and "synced folder" in warning


def test_network_filesystems_are_named_and_local_disks_are_not(tmp_path):
    assert "network filesystem (nfs4)" in placement_warning(tmp_path, mount_type="nfs4")
    assert "cifs" in placement_warning(tmp_path / "x", mount_type="cifs")
    assert placement_warning(tmp_path, mount_type="ext4") is None
    assert placement_warning("/home/sam/Charity", mount_type="apfs") is None


def test_command_line_warns_about_a_synced_workspace(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "Dropbox" / "Charity"
    folder.parent.mkdir()
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    assert main(["init", "--workspace", str(folder)]) == 0
    assert "inside a synced folder (Dropbox)" in capsys.readouterr().err
    assert main(["stats", "--workspace", str(folder)]) == 0
    assert "synced folder" in capsys.readouterr().err
