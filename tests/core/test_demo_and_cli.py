"""The demo community and the command-line contract."""

import json
from datetime import datetime

import pytest
from sqlalchemy import func, select

from steward import demo
from steward.cli import main
from steward.jobs import Cancelled, CancelToken, run_to_end
from steward.overview import workspace_stats
from steward.store.models import Message
from tests.conftest import DEMO_NOW, PASSPHRASE


def _fingerprint(ws):
    with ws.engine.connect() as conn:
        return [
            conn.exec_driver_sql(q).all()
            for q in (
                "SELECT id, display_name, is_staff FROM persons ORDER BY id",
                "SELECT id, person_id, platform_id, email, phone FROM identities ORDER BY id",
                "SELECT id, space_id, identity_id, thread_id, created_at, text, reaction_count "
                "FROM messages ORDER BY id",
            )
        ]


def test_same_seed_same_community(tmp_path):
    from steward.workspace import Workspace

    prints = []
    for n in (1, 2):
        ws, _ = Workspace.create(tmp_path / f"w{n}", "x", PASSPHRASE)
        run_to_end(demo.generate(ws, members=60, messages=800, seed=3, now=DEMO_NOW))
        prints.append(_fingerprint(ws))
        ws.lock()
    assert prints[0] == prints[1]
    ws, _ = Workspace.create(tmp_path / "w3", "x", PASSPHRASE)
    run_to_end(demo.generate(ws, members=60, messages=800, seed=4, now=DEMO_NOW))
    assert _fingerprint(ws) != prints[0]
    ws.lock()


def test_stats_match_what_was_asked(demo_ws):
    stats = workspace_stats(demo_ws)
    assert stats["spaces"] == 12 and stats["sources"] == 5
    # The asked-for activity, plus the handful of planted messages and the weekly bot reminder.
    assert 6000 <= stats["messages"] <= 6000 + 200
    assert 300 <= stats["persons"] <= 300 * 1.2
    assert stats["identities"] > stats["persons"]


def test_demo_plants_what_later_features_need(demo_ws):
    truth = demo_ws.get_setting("demo.truth")
    assert truth["duplicates"] and truth["lapsed"] and truth["spam_messages"]
    assert set(truth["safeguarding_messages"]) >= {"self_harm", "contact_details", "grooming"}
    assert len(truth["unanswered_newcomers"]) == 3
    with demo_ws.engine.connect() as conn:
        last = conn.exec_driver_sql(
            "SELECT max(created_at) FROM messages WHERE space_id = ?", (truth["quiet_space"],)
        ).scalar()
        # the quiet space has been silent for six days
        assert (DEMO_NOW - datetime.fromisoformat(last)).days == 6
        lapsed = truth["lapsed"][0]
        newest = conn.exec_driver_sql(
            "SELECT max(m.created_at) FROM messages m JOIN identities i ON i.id = m.identity_id "
            "WHERE i.person_id = ?", (lapsed,)).scalar()
        assert newest is None or (DEMO_NOW - datetime.fromisoformat(newest)).days >= 60
        for pid in truth["unanswered_newcomers"]:
            replies = conn.exec_driver_sql(
                "SELECT count(*) FROM messages r JOIN messages m ON r.thread_id = m.id "
                "JOIN identities i ON i.id = m.identity_id WHERE i.person_id = ? AND r.id != m.id",
                (pid,)).scalar()
            assert replies == 0
        # weekly rhythm: weekdays busier than weekends
        by_dow = dict(conn.exec_driver_sql(
            "SELECT strftime('%w', created_at), count(*) FROM messages GROUP BY 1").all())
        assert by_dow["2"] > by_dow["0"] * 1.3


def test_demo_people_never_appear_in_workspace_files(demo_ws):
    with demo_ws.engine.connect() as conn:
        names = [r[0] for r in conn.exec_driver_sql(
            "SELECT display_name FROM persons WHERE length(display_name) > 6 LIMIT 200")]
        emails = [r[0] for r in conn.exec_driver_sql(
            "SELECT email FROM identities WHERE email IS NOT NULL LIMIT 200")]
    demo_ws.lock()
    blobs = [p.read_bytes() for p in demo_ws.path.rglob("*") if p.is_file()]
    assert blobs
    for needle in names + emails:
        for encoding in ("utf-8", "utf-16-le"):
            assert not any(needle.encode(encoding) in blob for blob in blobs), needle


def test_cancelled_demo_leaves_a_consistent_workspace(workspace):
    token = CancelToken()
    job = demo.generate(workspace, members=100, messages=30_000, seed=1, now=DEMO_NOW,
                        token=token)
    with pytest.raises(Cancelled):
        for progress in job:
            if progress.text == "Writing messages" and progress.done > 0:
                token.cancel()
    with workspace.session() as s:
        written = s.scalar(select(func.count()).select_from(Message))
    assert 0 < written < 30_000
    with workspace.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        orphans = conn.exec_driver_sql(
            "SELECT count(*) FROM messages m LEFT JOIN messages t ON t.id = m.thread_id "
            "WHERE t.id IS NULL").scalar()
        assert orphans == 0


def test_cli_init_demo_stats(tmp_path, monkeypatch, capsys):
    path = tmp_path / "cli"
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    assert main(["init", "--workspace", str(path)]) == 0
    assert "Recovery key" in capsys.readouterr().out
    assert main(["demo", "--workspace", str(path), "--members", "40", "--messages", "500",
                 "--json"]) == 0
    capsys.readouterr()
    assert main(["stats", "--json", "--workspace", str(path)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert {"persons", "identities", "messages", "spaces", "sources", "queue_open",
            "flags_open"} <= set(stats)
    assert all(isinstance(v, int) for v in stats.values())
    assert stats["messages"] >= 500


def test_cli_wrong_passphrase(tmp_path, monkeypatch, capsys):
    path = tmp_path / "cli"
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    assert main(["init", "--workspace", str(path)]) == 0
    monkeypatch.setenv("STEWARD_PASSPHRASE", "not it at all")
    assert main(["--workspace", str(path), "stats", "--json"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "steward: wrong passphrase for profile admin"


@pytest.mark.parametrize("argv, code, text", [
    (["stats", "--workspace", "{tmp}/nowhere"], 2, "does not exist"),
    (["stats", "--workspace", "{tmp}"], 2, "not a Steward workspace"),
    (["frobnicate"], 2, ""),
    (["demo", "--workspace", "{tmp}/d", "--members", "3"], 2, "at least 10 members"),
])
def test_cli_bad_input_is_one_line(tmp_path, capsys, argv, code, text):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == code
    err = capsys.readouterr().err.strip()
    assert text in err and "Traceback" not in err


def test_cli_profiles(tmp_path, monkeypatch, capsys):
    path = str(tmp_path / "cli")
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    main(["init", "--workspace", path])
    monkeypatch.setenv("STEWARD_NEW_PASSPHRASE", "volunteer passphrase")
    assert main(["profile", "add", "vol", "--role", "volunteer", "--workspace", path]) == 0
    capsys.readouterr()
    assert main(["profile", "list", "--json", "--workspace", path]) == 0
    roles = {p["name"]: p["role"] for p in json.loads(capsys.readouterr().out)}
    assert roles == {"admin": "admin", "vol": "volunteer"}
    monkeypatch.setenv("STEWARD_PASSPHRASE", "volunteer passphrase")
    monkeypatch.setenv("STEWARD_NEW_PASSPHRASE", "changed volunteer pass")
    assert main(["--profile", "vol", "profile", "passwd", "--workspace", path]) == 0
    monkeypatch.setenv("STEWARD_PASSPHRASE", "changed volunteer pass")
    assert main(["stats", "--profile", "vol", "--workspace", path]) == 0
    assert main(["profile", "remove", "admin", "--profile", "vol", "--workspace", path]) == 1


def test_building_the_command_line_loads_no_heavy_library():
    """`steward --help` and every command's parsing stay quick: the database layer, pandas,
    scikit-learn and Qt load only when a command runs."""
    import subprocess
    import sys

    probe = ("import sys; from steward.cli import build_parser; build_parser(); "
             "print(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'sqlalchemy', 'pandas', 'sklearn', 'PySide6', 'pyqtgraph', 'httpx'}))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "[]"


def test_the_command_line_alone_opens_no_window(capsys):
    """With no command, `steward.cli` asks for one; only the launcher opens the desktop app."""
    assert main([]) == 2
    assert "no command given" in capsys.readouterr().err
    opened = []
    assert main([], open_window=lambda args: opened.append(args.demo) or 0) == 0
    assert opened == [False]
