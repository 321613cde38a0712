"""Every label and reason the demo's scans store reads in Welsh where it is shown (issue 17):
a producer that writes a new reason without a template in moderation.reasons or
safeguarding.explain fails here. The stored rows stay English."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from steward import language
from steward.jobs import run_to_end
from steward.moderation import scan
from steward.moderation.reasons import shown
from steward.safeguarding import flags
from steward.safeguarding.explain import explain
from steward.store.models import QueueItem
from steward.workspace import Workspace
from tests.conftest import PASSPHRASE


@pytest.fixture
def welsh():
    language.set_language("cy")
    yield
    language.set_language("en")


def test_every_stored_queue_reason_and_flag_reason_reads_in_welsh(demo_path, welsh):
    ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    try:
        run_to_end(scan.scan_job(ws))
        with ws.session() as s:
            stored = {(item.label, tuple(item.reasons)) for item in s.scalars(select(QueueItem))}
        labels = {label for label, _ in stored}
        reasons = {r for _, rs in stored for r in rs}
        assert len(labels) >= 3 and len(reasons) > 20
        assert "Possible spam" in labels  # the rows themselves stay English
        untranslated = sorted(x for x in labels | reasons if shown(x) == x)
        assert untranslated == []
        found = [(m.category, m.details.get("reasons", []))
                 for m in flags.metadata(ws).values()]
        assert found
        welsh = [r.text for category, rs in found for r in explain(category, rs)]
        language.set_language("en")
        english = [r.text for category, rs in found for r in explain(category, rs)]
        assert len(english) > 10
        same = sorted({e for e, w in zip(english, welsh, strict=True) if e == w})
        assert same == [], f"not in Welsh: {same[:5]}"
    finally:
        ws.lock()
