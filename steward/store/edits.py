"""Messages edited on the platform since a scanner last read them (`message_edits`).

An import that replaces a message's text notes it in `message_edits` in the same
transaction. Each scanner keeps in `scan_state` how far it has read that list
(`last_edit_seq`) and moves it in the transaction that writes what it found, so a crash
between an edit and a scan loses nothing, and no edit is scanned twice.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from steward.store.models import ScanState


def edited_since_scan(s: Session, scanner: str) -> tuple[list[int], int | None]:
    """(ids of the messages edited since `scanner` last read the list, which it has scanned
    before, oldest first; the position to record with `mark_edits_read` once scanned, None
    when nothing was edited since).
    A message past the scanner's watermark is left out: its next scan reads the new text."""
    state = s.get(ScanState, scanner)
    watermark, seen = (state.last_message_id, state.last_edit_seq) if state else (0, 0)
    rows = s.connection().exec_driver_sql(
        "SELECT seq, message_id FROM message_edits WHERE seq > ? ORDER BY seq",
        (seen,)).all()
    if not rows:
        return [], None
    ids = list(dict.fromkeys(mid for _, mid in rows if mid <= watermark))
    return ids, rows[-1][0]


def mark_edits_read(s: Session, scanner: str, seq: int) -> None:
    """Record that `scanner` has scanned the edits up to `seq` (in the caller's transaction)."""
    state = s.get(ScanState, scanner)
    if state is None:
        s.add(ScanState(scanner=scanner, last_message_id=0, last_edit_seq=seq))
    else:
        state.last_edit_seq = seq
