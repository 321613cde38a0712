"""Exports are written beside their target and renamed into place when complete.

A failed or cancelled export leaves neither a half-written file at the target nor a plaintext
copy in the system's temporary folder: the temporary file lives in the folder the person chose
and is removed on any failure.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def replaced_when_done(target: str | Path) -> Iterator[Path]:
    """Yield a hidden temporary path in `target`'s folder; when the block ends without an
    error it replaces `target`, otherwise it is deleted. OSError from the file system
    propagates (callers turn it into one clear line)."""
    target = Path(target)
    fd, name = tempfile.mkstemp(prefix=".steward-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
