"""Authenticated roles and keys (issue 12, findings 2 and 5): an edited workspace.json is an
error, never a power; a rewrap never drops the safeguarding key; a replaced drop-box key is
refused; a format-1 workspace is upgraded by its first admin unlock."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from steward import crypto
from steward.cli import main
from steward.errors import StewardError
from steward.workspace import Workspace
from tests.conftest import PASSPHRASE

FIXTURE = Path(__file__).parent.parent / "fixtures" / "workspace-rev0001"


def _edit_meta(path: Path, change) -> None:
    meta_path = path / "workspace.json"
    meta = json.loads(meta_path.read_text())
    change(meta)
    meta_path.write_text(json.dumps(meta))


def _set_role(name: str, role: str):
    def change(meta):
        next(p for p in meta["profiles"] if p["name"] == name)["role"] = role
    return change


def test_a_role_edited_in_workspace_json_is_refused(demo_path, monkeypatch, capsys):
    _edit_meta(demo_path, _set_role("volunteer", "admin"))
    with pytest.raises(StewardError, match="role was changed in workspace.json"):
        Workspace.unlock(demo_path, "volunteer", PASSPHRASE)
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("STEWARD_NEW_PASSPHRASE", "taken over the lead")
    w = ["--workspace", str(demo_path), "--profile", "volunteer"]
    out = demo_path.parent / "s.csv"
    code = main(["export", "members", "--preset", "steward", "--format", "csv", "--purpose", "x",
                 "--out", str(out), *w])
    assert code == 1 and "role was changed" in capsys.readouterr().err and not out.exists()
    assert main(["profile", "passwd", "lead", *w]) == 1
    capsys.readouterr()
    # The real lead is untouched and still holds the safeguarding key; the admin names the edit.
    lead = Workspace.unlock(demo_path, "lead", PASSPHRASE)
    assert lead.holds_safeguarding_key
    lead.lock()
    with pytest.raises(StewardError, match="changed outside Steward"):
        Workspace.unlock(demo_path, "admin", PASSPHRASE)


def test_a_profile_added_by_hand_is_named_by_the_admin(demo_path):
    def add_copy(meta):
        vol = next(p for p in meta["profiles"] if p["name"] == "volunteer")
        meta["profiles"].append(dict(vol, name="boss", role="admin"))
    _edit_meta(demo_path, add_copy)
    with pytest.raises(StewardError, match="changed outside Steward"):
        Workspace.unlock(demo_path, "admin", PASSPHRASE)
    with pytest.raises(StewardError):  # the copied wraps do not open under another name/role
        Workspace.unlock(demo_path, "boss", PASSPHRASE)


def test_sealed_keys_claiming_a_role_without_its_keys_are_refused(workspace):
    """A volunteer who reseals their own keys as 'admin' still lacks the admin's keys."""
    from steward import workspace as wsmod

    workspace.add_profile("vol", "volunteer", "volunteer passphrase")
    meta = json.loads((workspace.path / "workspace.json").read_text())
    entry = next(p for p in meta["profiles"] if p["name"] == "vol")
    kek = crypto.derive_kek("volunteer passphrase", crypto.unb64(entry["salt"]), meta["kdf"])
    keys = wsmod._open_entry(meta, entry, kek)
    forged = dict(entry, role="steward")
    uk = crypto.new_key()
    blob = json.dumps({"role": "steward", "vk": crypto.b64(keys.vk),
                       "dropbox_public": crypto.b64(keys.dropbox_public)}).encode()
    aad = wsmod._entry_aad
    forged["uk"] = crypto.b64(crypto.seal(kek, uk, aad(meta["id"], "vol", "steward", "uk")))
    forged["keys"] = crypto.b64(crypto.seal(uk, blob, aad(meta["id"], "vol", "steward", "keys")))
    meta["profiles"] = [forged if p["name"] == "vol" else p for p in meta["profiles"]]
    (workspace.path / "workspace.json").write_text(json.dumps(meta))
    with pytest.raises(StewardError, match="claims the role steward without its keys"):
        Workspace.unlock(workspace.path, "vol", "volunteer passphrase")


def test_rewraps_never_drop_the_safeguarding_key(workspace):
    sealed = workspace.field_cipher().encrypt("note", "case_entries.body")
    workspace.add_profile("dsl", "safeguarding-lead", "lead passphrase 1")
    workspace.reset_passphrase("dsl", "lead passphrase 2")  # an admin resets it
    lead = Workspace.unlock(workspace.path, "dsl", "lead passphrase 2")
    assert lead.field_cipher().decrypt(sealed, "case_entries.body") == "note"
    lead.change_passphrase("lead passphrase 2", "lead passphrase 3")  # the lead changes it
    lead.lock()
    lead = Workspace.unlock(workspace.path, "dsl", "lead passphrase 3")
    assert lead.field_cipher().decrypt(sealed, "case_entries.body") == "note"
    lead.lock()


def test_a_replaced_dropbox_key_is_refused(demo_path, monkeypatch, capsys):
    public, _private = crypto.new_dropbox_keypair()

    def replace(meta):
        meta["dropbox"]["public"] = crypto.b64(public)
    _edit_meta(demo_path, replace)
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    code = main(["safeguarding", "scan", "--workspace", str(demo_path), "--profile", "steward"])
    err = capsys.readouterr().err
    assert code == 1 and "drop-box key in workspace.json is not this workspace's" in err
    assert len(err.strip().splitlines()) == 1
    for name in ("lead", "admin", "volunteer"):
        with pytest.raises(StewardError, match="drop-box key"):
            Workspace.unlock(demo_path, name, PASSPHRASE)


def test_handover_uses_the_sealed_public_key(workspace):
    workspace.add_profile("sam", "steward", "steward passphrase")
    steward = Workspace.unlock(workspace.path, "sam", "steward passphrase")
    # Swapped in memory after unlock: the hand-over still goes to the sealed key.
    public, _ = crypto.new_dropbox_keypair()
    steward._meta["dropbox"]["public"] = crypto.b64(public)
    sealed = steward.seal_for_safeguarding("worried", "flags.details")
    steward.lock()
    assert workspace.field_cipher().open_dropbox(sealed, "flags.details") == "worried"


def _as_format_1(path: Path, keys, passphrases: dict[str, str]) -> None:
    """Rewrite a workspace.json as Steward wrote it before roles were authenticated."""
    from steward.workspace import _aad

    meta = json.loads((path / "workspace.json").read_text())
    ws_id = meta["id"]
    profiles = []
    for p in meta["profiles"]:
        salt = crypto.unb64(p["salt"])
        kek = crypto.derive_kek(passphrases[p["name"]], salt, meta["kdf"])
        lead = p["role"] in ("safeguarding-lead", "admin")
        profiles.append({
            "name": p["name"], "role": p["role"], "salt": p["salt"],
            "wk": crypto.b64(crypto.seal(kek, keys.wk, _aad(ws_id, p["name"], "wk"))),
            "sk": crypto.b64(crypto.seal(kek, keys.sk, _aad(ws_id, p["name"], "sk")))
            if lead else None,
        })
    legacy = {"format": 1, "id": ws_id, "name": meta["name"], "kdf": meta["kdf"],
              "profiles": profiles, "dropbox": meta["dropbox"],
              "recovery": {"salt": crypto.b64(b"0" * 16), "wk": "", "sk": ""}}
    (path / "workspace.json").write_text(json.dumps(legacy))


def test_format_1_is_upgraded_by_the_first_admin_unlock(workspace):
    path = workspace.path
    sealed = workspace.field_cipher().encrypt("old note", "case_entries.body")
    workspace.add_profile("dsl", "safeguarding-lead", "lead passphrase 1")
    workspace.add_profile("vol", "volunteer", "volunteer passphrase")
    keys = workspace._keys_held
    _as_format_1(path, keys, {"admin": PASSPHRASE, "dsl": "lead passphrase 1",
                              "vol": "volunteer passphrase"})
    workspace.lock()
    with pytest.raises(StewardError, match="an admin must unlock it once"):
        Workspace.unlock(path, "dsl", "lead passphrase 1")
    admin = Workspace.unlock(path, "admin", PASSPHRASE)
    assert json.loads((path / "workspace.json").read_text())["format"] == 4
    assert admin.field_cipher().decrypt(sealed, "case_entries.body") == "old note"
    with pytest.raises(StewardError, match="needs a new passphrase from an admin"):
        Workspace.unlock(path, "dsl", "lead passphrase 1")
    admin.reset_passphrase("dsl", "lead passphrase 2")
    admin.lock()
    lead = Workspace.unlock(path, "dsl", "lead passphrase 2")
    assert lead.field_cipher().decrypt(sealed, "case_entries.body") == "old note"
    lead.lock()
    Workspace.unlock(path, "admin", PASSPHRASE).lock()  # the second unlock needs no upgrade


def test_the_committed_format_1_fixture_opens_and_upgrades(tmp_path):
    path = tmp_path / "ws"
    shutil.copytree(FIXTURE, path)
    ws = Workspace.unlock(path, "admin", "fixture passphrase")
    assert ws.holds_safeguarding_key and ws.profile.role == "admin"
    ws.lock()
    assert json.loads((path / "workspace.json").read_text())["format"] == 4
    Workspace.unlock(path, "admin", "fixture passphrase").lock()


def test_upgrade_binds_old_ciphertexts_to_their_rows(workspace):
    """Format 1 and 2 sealed fields with only the column name as associated data: the first
    admin unlock seals them again with the row named, and they still read the same."""
    from steward import clock
    from steward.safeguarding import flags
    from steward.store.models import CaseEntry, Flag

    path = workspace.path
    cipher = workspace.field_cipher()
    with workspace.transaction() as s:
        flag = Flag(category="self_harm", severity="high", status="new", created_at=clock.now(),
                    details_enc=workspace.seal_for_safeguarding(
                        json.dumps({"reasons": ["old reason"]}), "flags.details"))
        s.add(flag)
        s.flush()
        s.add(CaseEntry(flag_id=flag.id, kind="note", author="admin", at=clock.now(),
                        body_enc=cipher.encrypt(json.dumps({"text": "old note"}),
                                                "case_entries.body")))
        flag_id = flag.id
    meta = json.loads((path / "workspace.json").read_text())
    meta["format"] = 2  # as the previous release wrote it
    from steward.workspace import _table_mac

    meta["table_mac"] = _table_mac(meta, workspace._keys_held.adk)
    (path / "workspace.json").write_text(json.dumps(meta))
    workspace.lock()
    ws = Workspace.unlock(path, "admin", PASSPHRASE)
    assert json.loads((path / "workspace.json").read_text())["format"] == 4
    detail = flags.flag_detail(ws, flag_id)
    assert detail.reasons == ["old reason"] and detail.entries[0].body["text"] == "old note"
    ws.lock()
