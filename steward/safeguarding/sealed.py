"""Where safeguarding ciphertexts live: each is bound to its row.

The associated data of every sealed safeguarding field names the workspace, the table, the
row id and the column (`Workspace.row_field`), so a ciphertext moved to another row or
column fails to decrypt instead of telling one child's story under another child's flag.
Rows are given their id before their fields are sealed (case entries cannot be updated).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def id_allocator(s: Session, model) -> Iterator[int]:
    """Ids for new rows of `model` in this transaction (SQLite lets one writer in at a time)."""
    start = (s.scalar(select(func.max(model.id))) or 0) + 1
    return itertools.count(start)


def next_id(s: Session, model) -> int:
    return next(id_allocator(s, model))
