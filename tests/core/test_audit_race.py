"""Audit appends from many threads at once: every event lands, once, and the chain holds."""

from __future__ import annotations

import threading

from steward.store import audit


def test_fifty_concurrent_appends_all_land_in_one_chain(workspace):
    with workspace.session() as s:
        before = audit.verify(s).events
    errors: list[BaseException] = []
    start = threading.Barrier(10)

    def view(n: int) -> None:
        try:
            start.wait()
            for k in range(5):
                with workspace.transaction() as s:  # a view's own one-event transaction
                    audit.record(s, workspace.actor, "flag.viewed", "flag", n * 10 + k)
        except BaseException as err:  # noqa: BLE001 - collected for the assertion
            errors.append(err)

    threads = [threading.Thread(target=view, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]
    with workspace.session() as s:
        check = audit.verify(s)
    assert check.ok and check.events == before + 50, check
