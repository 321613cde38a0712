"""The one source of "now" for the whole of Steward.

Everything that needs the date or time asks this module; nothing else calls `datetime.now()`.
The clock normally follows the computer's, but it can be moved: tests set it once (so a demo
built "today" and the code reading "now" agree on any day), and `STEWARD_CLOCK_OFFSET_DAYS`
moves it for a whole process and its children (CI runs the suite a year ahead with it).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

_ENV = "STEWARD_CLOCK_OFFSET_DAYS"


def _offset_from_env() -> timedelta:
    raw = os.environ.get(_ENV, "").strip()
    try:
        return timedelta(days=float(raw)) if raw else timedelta(0)
    except ValueError:
        raise SystemExit(f"{_ENV} must be a number of days, not {raw!r}") from None


_offset = _offset_from_env()


def now() -> datetime:
    """Now, as the naive UTC datetime the store keeps."""
    return datetime.now(UTC).replace(tzinfo=None) + _offset


def local_now() -> datetime:
    """Now in the computer's own time zone (aware), for file names and local dates."""
    return datetime.now().astimezone() + _offset


def today() -> date:
    """Today's date in the computer's own time zone."""
    return local_now().date()


def offset() -> timedelta:
    """How far the clock is moved from the computer's."""
    return _offset


def set_offset(delta: timedelta) -> None:
    """Move the clock by `delta` from the computer's (it keeps ticking). Tests use this."""
    global _offset
    _offset = delta
    os.environ[_ENV] = repr(delta.total_seconds() / 86400)


def move_to(when: datetime) -> None:
    """Set the clock so that it reads `when` (naive UTC) now, then keeps ticking."""
    set_offset(when - datetime.now(UTC).replace(tzinfo=None))
