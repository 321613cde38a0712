"""The command line: refusals, JSON naming the message, settings, lexicons, export."""

from __future__ import annotations

import json

import pytest

from steward.cli import main
from tests.conftest import PASSPHRASE


@pytest.fixture
def run(demo_path, monkeypatch, capsys):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)

    def _run(*argv, profile="lead"):
        code = main([*argv, "--workspace", str(demo_path), "--profile", profile])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def test_flags_list_json_for_leads_only(run):
    assert run("safeguarding", "scan", "--json")[0] == 0
    code, out, err = run("flags", "list", "--json", profile="volunteer")
    assert code == 1 and "cannot see safeguarding flags" in err and out == ""
    assert run("flags", "list", "--json", profile="steward")[0] == 1
    code, out, _ = run("flags", "list", "--json")
    flags = json.loads(out)
    assert code == 0 and flags
    first = flags[0]
    assert first["message"]["platform_id"] and first["message"]["text"]
    assert {"category", "severity", "status", "due_at", "overdue"} <= set(first)
    code, out, _ = run("flags", "count", profile="volunteer")
    assert code == 0 and out.strip() == f"{len(flags)} concerns are with your safeguarding lead."


def test_lifecycle_and_export_from_the_command_line(run, tmp_path):
    run("safeguarding", "scan")
    fid = json.loads(run("flags", "list", "--json")[1])[0]["id"]
    assert run("flags", "triage", str(fid), "--note", "seen")[0] == 0
    code, _, err = run("flags", "close", str(fid), "--outcome", "no further action")
    assert code == 2 and "needs a reason" in err
    assert run("flags", "note", str(fid), "Phoned mum", "--kind", "contact")[0] == 0
    shown = json.loads(run("flags", "show", str(fid), "--json")[1])
    assert [e["kind"] for e in shown["entries"]] == ["status", "contact"]
    assert run("flags", "amend", str(shown["entries"][1]["id"]), "Phoned dad")[0] == 0
    out = tmp_path / "record.pdf"
    assert run("flags", "export", str(fid), "--out", str(out))[0] == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(str(out)).pages)
    assert "Phoned dad" in text and "Correction of entry" in text
    assert run("flags", "export", str(fid), "--out", "/nonexistent/x.pdf")[0] == 2
    assert run("audit", "verify")[0] == 0


def test_settings_refuse_bad_values(run, tmp_path):
    code, _, err = run("safeguarding", "settings", "--phone-regions", "GB,ZZ")
    assert code == 2 and "unknown phone region ZZ" in err
    assert run("safeguarding", "settings", "--deadline", "critical=abc")[0] == 2
    assert run("safeguarding", "settings", "--retention", "nonsense=3")[0] == 2
    bad = tmp_path / "helplines.json"
    bad.write_text("{not json", encoding="utf-8")
    assert run("safeguarding", "settings", "--helplines", str(bad))[0] == 2
    code, out, _ = run("safeguarding", "settings", "--phone-regions", "gb,ie",
                       "--deadline", "critical=0.5", "--json")
    current = json.loads(out)
    assert code == 0 and current["phone_regions"] == ["GB", "IE"]
    assert current["deadline_hours"]["critical"] == 0.5
    assert run("safeguarding", "settings", "--phone-regions", "IE", profile="steward")[0] == 1


def test_workspace_lexicon_added_and_bad_one_refused(run, tmp_path):
    bad = tmp_path / "bullying.txt"
    bad.write_text("[high]\nok phrase\n\n{ }\n", encoding="utf-8")
    code, _, err = run("safeguarding", "lexicon", "add", str(bad))
    assert code == 2 and f"{bad}:4" in err and "empty" in err
    good = tmp_path / "bullying.txt"
    good.write_text("# ours\n[high]\nwe will find you\n", encoding="utf-8")
    assert run("safeguarding", "lexicon", "check", str(good))[0] == 0
    assert run("safeguarding", "lexicon", "add", str(good))[0] == 0


def test_steward_scan_runs_the_safeguarding_scan(run):
    code, out, _ = run("scan", "--json", profile="steward")
    assert code == 0
    counts = json.loads(out)["safeguarding"]
    assert counts["messages"] > 0 and counts["flags"] >= 11 and counts["critical"] >= 7
    code, out, _ = run("stats", "--json", profile="volunteer")
    assert json.loads(out)["flags_open"] == counts["flags"]
