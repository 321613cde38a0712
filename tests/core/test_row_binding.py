"""Associated data names the row (issue 12, finding 4): a safeguarding ciphertext moved to
another flag or case entry fails to decrypt instead of being shown under the wrong child."""

from __future__ import annotations

import pytest

from steward.errors import StewardError
from steward.jobs import run_to_end
from steward.safeguarding import flags
from steward.safeguarding.scan import scan_job
from steward.store.engine import connect_raw
from steward.workspace import Workspace
from tests.conftest import PASSPHRASE


def _scanned(demo_path):
    ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    run_to_end(scan_job(ws))
    rows = flags.list_flags(ws)
    assert len(rows) >= 2
    return ws, rows


def _raw(ws):
    key, path = ws._wk, ws.db_path
    ws.lock()
    return connect_raw(path, key)


def test_swapped_details_fail_to_decrypt(demo_path):
    ws, rows = _scanned(demo_path)
    a, b = rows[0].id, rows[1].id
    assert flags.flag_detail(ws, a).reasons
    conn = _raw(ws)
    da = conn.execute("SELECT details_enc FROM flags WHERE id = ?", (a,)).fetchone()[0]
    db = conn.execute("SELECT details_enc FROM flags WHERE id = ?", (b,)).fetchone()[0]
    conn.execute("UPDATE flags SET details_enc = ? WHERE id = ?", (db, a))
    conn.execute("UPDATE flags SET details_enc = ? WHERE id = ?", (da, b))
    conn.commit()
    conn.close()
    ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    for flag_id in (a, b):
        with pytest.raises(StewardError, match="altered or moved from another row"):
            flags.flag_detail(ws, flag_id)
    ws.lock()


def test_a_case_entry_moved_to_another_row_fails(demo_path):
    ws, rows = _scanned(demo_path)
    a, b = rows[0].id, rows[1].id
    flags.add_note(ws, a, "first child's note")
    flags.add_note(ws, b, "second child's note")
    conn = _raw(ws)
    conn.execute("DROP TRIGGER case_entries_no_update")
    ea, eb = (conn.execute("SELECT id, body_enc FROM case_entries WHERE flag_id = ? "
                           "ORDER BY id DESC", (f,)).fetchone() for f in (a, b))
    conn.execute("UPDATE case_entries SET body_enc = ? WHERE id = ?", (eb[1], ea[0]))
    conn.commit()
    conn.close()
    ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    with pytest.raises(StewardError, match="altered or moved"):
        flags.flag_detail(ws, a)
    assert flags.flag_detail(ws, b).entries[-1].body["text"] == "second child's note"
    ws.lock()


def test_closed_outcomes_read_back_in_period_counts(demo_path):
    from datetime import timedelta

    from steward import clock
    from steward.safeguarding.period_counts import concerns_raised

    ws, rows = _scanned(demo_path)
    flags.set_status(ws, rows[0].id, "triaged")
    flags.close(ws, rows[0].id, "support given by the charity")
    counts = concerns_raised(ws, clock.now() - timedelta(days=3650), clock.now() + timedelta(1))
    assert counts.by_outcome.get("support given by the charity") == 1
    ws.lock()
