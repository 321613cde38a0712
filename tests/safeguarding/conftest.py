from __future__ import annotations

import pytest

from tests.conftest import PASSPHRASE


@pytest.fixture
def open_as(demo_path):
    """Unlock the demo copy as another profile: `open_as("steward")`; locked afterwards."""
    from steward.workspace import Workspace

    opened = []

    def _open(profile: str):
        ws = Workspace.unlock(demo_path, profile, PASSPHRASE)
        opened.append(ws)
        return ws

    yield _open
    for ws in opened:
        ws.lock()
