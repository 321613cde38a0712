"""`steward team …` end to end through the real server: create, invite, join, sync, status,
remove; an invitation is used once; a wrong code or an edited invitation is one clear error."""

from __future__ import annotations

import json
import re
import shutil

from steward.cli import main

from .conftest import PASS


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_create_invite_join_sync_status_remove(demo_laptop, tmp_path, team_server,  # noqa: F811
                                               monkeypatch, capsys):
    admin = tmp_path / "admin"
    shutil.copytree(demo_laptop, admin)
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASS)
    code, out, err = _run(capsys, "team", "create", "--server",
                          team_server.replace("steward@", "steward:secret@"),
                          "--workspace", admin)
    assert code == 2 and "no password in the server URL" in err
    code, out, err = _run(capsys, "team", "create", "--server", team_server, "--workspace",
                          admin, "--json")
    assert code == 0, err
    assert json.loads(out)["pushed"] > 0
    assert "team" in json.loads((admin / "workspace.json").read_text())
    assert "secret" not in (admin / "workspace.json").read_text()

    invitation = tmp_path / "sam.invitation"
    code, out, err = _run(capsys, "team", "invite", "sam", "--role", "volunteer", "--out",
                          invitation, "--workspace", admin)
    assert code == 0, err
    code_text = re.search(r"code .*: (\S+)", out).group(1)
    assert code_text not in invitation.read_text()

    monkeypatch.setenv("STEWARD_INVITATION_CODE", "WRONG-CODE0-00000-00000")
    code, out, err = _run(capsys, "team", "join", invitation, "--workspace", tmp_path / "sam")
    assert code == 1 and "the code does not open" in err and str(invitation) in err
    assert not (tmp_path / "sam" / "workspace.json").exists()

    monkeypatch.setenv("STEWARD_INVITATION_CODE", code_text)
    code, out, err = _run(capsys, "team", "join", invitation, "--workspace", tmp_path / "sam")
    assert code == 0, err
    assert "Joined the team as sam (volunteer)" in out
    code, out, err = _run(capsys, "team", "join", invitation, "--workspace", tmp_path / "sam2")
    assert code == 1 and "already used" in err

    code, out, err = _run(capsys, "team", "sync", "--workspace", tmp_path / "sam", "--json")
    assert code == 0, err
    assert json.loads(out)["conflicts"] == []
    code, out, err = _run(capsys, "sync", "--workspace", admin)  # no NAME: the team
    assert code == 0 and out.startswith("Synced:"), err
    code, out, err = _run(capsys, "team", "status", "--workspace", admin)
    assert code == 0, err
    assert "sam (volunteer)" in out and "admin (admin) (this laptop)" in out
    # A volunteer may not invite or remove anyone; the table says so at dispatch.
    code, out, err = _run(capsys, "team", "invite", "x", "--role", "admin", "--workspace",
                          tmp_path / "sam")
    assert code == 1 and "may not run `steward team invite`" in err

    code, out, err = _run(capsys, "team", "remove", "sam", "--workspace", admin)
    assert code == 0, err
    code, out, err = _run(capsys, "team", "sync", "--workspace", tmp_path / "sam")
    assert code == 1 and "removed from the team" in err


def test_single_laptop_use_needs_no_server(demo_laptop, tmp_path, monkeypatch,  # noqa: F811
                                           capsys):
    alone = tmp_path / "alone"
    shutil.copytree(demo_laptop, alone)
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASS)
    code, out, err = _run(capsys, "team", "status", "--workspace", alone)
    assert code == 0 and "works on its own" in out
    code, out, err = _run(capsys, "team", "sync", "--workspace", alone)
    assert code == 1 and "not part of a team" in err


def test_bad_invitation_file_is_named(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.invitation"
    bad.write_text("{not json")
    monkeypatch.setenv("STEWARD_INVITATION_CODE", "X")
    code, out, err = _run(capsys, "team", "join", bad, "--workspace", tmp_path / "w")
    assert code == 2 and str(bad) in err and len(err.strip().splitlines()) == 1
