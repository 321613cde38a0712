"""Every engagement test starts and ends without the activity table kept in memory, so one
test's workspace never answers for another's."""

from __future__ import annotations

import pytest

from steward.engagement.activity import forget_cached_activity


@pytest.fixture(autouse=True)
def _fresh_cache():
    forget_cached_activity()
    yield
    forget_cached_activity()
