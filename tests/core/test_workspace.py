"""The workspace, its keys and profiles, against real SQLCipher files."""

import json
import sqlite3
import subprocess

import keyring
import pytest
from keyring.backends import fail, null

from steward import crypto
from steward.errors import AccessDenied, BadInput, StewardError, WrongPassphrase
from steward.workspace import PassphraseNeeded, Workspace, list_profiles
from tests.conftest import PASSPHRASE
from tests.memory_keyring import LockedKeyring, RaisingKeyring


def test_database_is_encrypted_at_rest(workspace):
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(workspace.db_path).execute("select * from sqlite_master").fetchall()
    if subprocess.run(["which", "sqlite3"], capture_output=True).returncode == 0:
        out = subprocess.run(["sqlite3", str(workspace.db_path), ".tables"],
                             capture_output=True, text=True)
        assert "file is not a database" in out.stderr


def test_workspace_json_holds_only_wrapped_keys(workspace):
    meta = json.loads((workspace.path / "workspace.json").read_text())
    assert set(meta) == {"format", "id", "name", "kdf", "profiles", "recovery", "dropbox",
                         "table_mac", "audit_head"}
    assert set(meta["profiles"][0]) == {"name", "role", "salt", "uk", "uk_admin", "keys"}


def test_temp_store_is_memory(workspace):
    with workspace.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 2


def test_volunteer_cannot_decrypt_safeguarding_fields_lead_can(workspace):
    sealed = workspace.field_cipher().encrypt("a concern about a member", "flags.details")
    workspace.add_profile("vol", "volunteer", "volunteer passphrase")
    workspace.add_profile("dsl", "safeguarding-lead", "lead passphrase 1")
    vol = Workspace.unlock(workspace.path, "vol", "volunteer passphrase")
    assert not vol.holds_safeguarding_key
    with pytest.raises(AccessDenied):
        vol.field_cipher()
    # Even the raw wrapped key material does not help: the volunteer's keys have no SK at all.
    assert vol._keys_held.sk is None and vol._keys_held.ak is None
    lead = Workspace.unlock(workspace.path, "dsl", "lead passphrase 1")
    assert lead.field_cipher().decrypt(sealed, "flags.details") == "a concern about a member"
    with pytest.raises(crypto.DecryptionFailed):
        lead.field_cipher().decrypt(sealed, "case_entries.body")  # bound to its field
    vol.lock()
    lead.lock()


def test_steward_role_has_no_safeguarding_key(workspace):
    workspace.add_profile("sam", "steward", "steward passphrase")
    ws = Workspace.unlock(workspace.path, "sam", "steward passphrase")
    assert not ws.holds_safeguarding_key
    ws.lock()


def test_wrong_passphrase_is_refused_and_workspace_untouched(workspace):
    workspace.lock()
    before = {p.name: p.read_bytes() for p in workspace.path.iterdir()}
    with pytest.raises(WrongPassphrase, match="wrong passphrase for profile admin"):
        Workspace.unlock(workspace.path, "admin", "not the passphrase")
    after = {p.name: p.read_bytes() for p in workspace.path.iterdir()}
    assert before == after


def test_change_passphrase_rewraps(workspace):
    workspace.change_passphrase(PASSPHRASE, "a brand new passphrase")
    with pytest.raises(WrongPassphrase):
        Workspace.unlock(workspace.path, "admin", PASSPHRASE)
    ws = Workspace.unlock(workspace.path, "admin", "a brand new passphrase")
    assert ws.holds_safeguarding_key
    ws.lock()


def test_change_passphrase_needs_the_old_one(workspace):
    with pytest.raises(WrongPassphrase):
        workspace.change_passphrase("guess guess", "a brand new passphrase")


def test_recovery_key_unlocks_and_resets_admin(tmp_path):
    ws, recovery = Workspace.create(tmp_path / "w", "Charity", PASSPHRASE)
    sealed = ws.field_cipher().encrypt("secret", "x")
    ws.lock()
    # Typed back in lower case with spaces: still accepted.
    rec = Workspace.unlock_with_recovery(tmp_path / "w", recovery.lower().replace("-", " "))
    assert rec.profile.role == "admin"
    assert rec.field_cipher().decrypt(sealed, "x") == "secret"
    rec.reset_passphrase("admin", "forgotten no more")
    rec.lock()
    with pytest.raises(WrongPassphrase):
        Workspace.unlock(tmp_path / "w", "admin", PASSPHRASE)
    Workspace.unlock(tmp_path / "w", "admin", "forgotten no more").lock()
    with pytest.raises(StewardError, match="recovery key does not open"):
        Workspace.unlock_with_recovery(tmp_path / "w", crypto.new_recovery_key())


def test_admin_manages_profiles(workspace):
    workspace.add_profile("vol", "volunteer", "volunteer passphrase")
    with pytest.raises(BadInput, match="already exists"):
        workspace.add_profile("VOL", "volunteer", "volunteer passphrase")
    with pytest.raises(BadInput, match="unknown role"):
        workspace.add_profile("x", "superuser", "volunteer passphrase")
    with pytest.raises(BadInput, match="at least"):
        workspace.add_profile("y", "volunteer", "short")
    workspace.reset_passphrase("vol", "reset by admin")
    Workspace.unlock(workspace.path, "vol", "reset by admin").lock()
    vol = Workspace.unlock(workspace.path, "vol", "reset by admin")
    with pytest.raises(AccessDenied):
        vol.add_profile("z", "admin", "volunteer passphrase")
    vol.lock()
    workspace.remove_profile("vol")
    assert [p.name for p in list_profiles(workspace.path)] == ["admin"]
    with pytest.raises(BadInput, match="last admin"):
        workspace.remove_profile("admin")


def test_remember_unlocks_without_passphrase(workspace, memory_keyring):
    workspace.lock()
    Workspace.unlock(workspace.path, "admin", PASSPHRASE, remember=True).lock()
    assert memory_keyring.items
    assert list_profiles(workspace.path)[0].remembered
    ws = Workspace.unlock(workspace.path, "admin")
    assert ws.holds_safeguarding_key
    ws.forget_on_this_computer()
    ws.lock()
    with pytest.raises(PassphraseNeeded):
        Workspace.unlock(workspace.path, "admin")


@pytest.mark.parametrize(
    "backend", [fail.Keyring(), null.Keyring(), RaisingKeyring(), LockedKeyring()],
    ids=["fail", "null", "raising", "locked"],
)
def test_unusable_keyrings_fall_back_to_passphrase(workspace, backend):
    from steward import keychain

    workspace.lock()
    keyring.set_keyring(backend)
    ws = Workspace.unlock(workspace.path, "admin", PASSPHRASE, remember=True)  # no crash
    assert ws.remember_on_this_computer(PASSPHRASE) is False
    ws.lock()
    with pytest.raises(PassphraseNeeded):
        Workspace.unlock(workspace.path, "admin")
    Workspace.unlock(workspace.path, "admin", PASSPHRASE).lock()
    if isinstance(backend, fail.Keyring | null.Keyring):
        assert keychain.status()[0] is False


def test_stale_remembered_key_asks_for_passphrase(workspace, memory_keyring):
    workspace.lock()
    Workspace.unlock(workspace.path, "admin", PASSPHRASE, remember=True).lock()
    for key in memory_keyring.items:
        memory_keyring.items[key] = crypto.b64(crypto.new_key())
    with pytest.raises(PassphraseNeeded):
        Workspace.unlock(workspace.path, "admin")


def test_lock_drops_keys(workspace):
    from steward.errors import WorkspaceLocked

    workspace.lock()
    assert workspace.is_locked
    with pytest.raises(WorkspaceLocked):
        workspace.session()
    with pytest.raises(WorkspaceLocked):
        workspace.field_cipher()


@pytest.mark.parametrize("case", ["missing", "file", "empty", "damaged-json", "no-db", "junk-db"])
def test_broken_workspaces_give_clear_errors(tmp_path, case):
    path = tmp_path / "ws"
    if case == "file":
        path.write_text("hello")
    elif case != "missing":
        path.mkdir()
    if case == "damaged-json":
        (path / "workspace.json").write_text("{not json")
        (path / "steward.db").write_bytes(b"")
    if case in ("no-db", "junk-db"):
        ws, _ = Workspace.create(path, "x", PASSPHRASE)
        ws.lock()
        if case == "no-db":
            (path / "steward.db").unlink()
        else:
            (path / "steward.db").write_bytes(b"\x00garbage" * 1000)
            for extra in path.glob("steward.db-*"):
                extra.unlink()
    with pytest.raises(StewardError) as err:
        Workspace.unlock(path, "admin", PASSPHRASE)
    message = str(err.value)
    assert "\n" not in message and str(path) in message or "steward.db" in message


def test_any_profile_can_hand_over_to_safeguarding_but_not_read_back(workspace):
    workspace.add_profile("sam", "steward", "steward passphrase")
    steward = Workspace.unlock(workspace.path, "sam", "steward passphrase")
    sealed = steward.seal_for_safeguarding("worried about this message", "flags.details")
    with pytest.raises(AccessDenied):
        steward.field_cipher()
    steward.lock()
    lead = workspace.field_cipher()
    assert lead.open_dropbox(sealed, "flags.details") == "worried about this message"
    with pytest.raises(crypto.DecryptionFailed):
        lead.open_dropbox(sealed, "another.field")
