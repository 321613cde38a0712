"""The desktop keeps its heap out of cyclic-GC passes while it is in use (`steward.jobs`):
a full pass over the window's heap held the GIL, and so froze the window, 100-200 ms."""

from __future__ import annotations

import gc
import weakref

import pytest

from steward import jobs


class _Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture
def resident():
    jobs.keep_heap_frozen()
    yield
    jobs.stop_keeping_heap_frozen()


def _job_leaving_a_cycle(kept: list):
    with jobs.collector_steps() as step:
        node = _Node()
        kept.append(weakref.ref(node))
        step()  # frozen while alive, as every object at a job's step
        del node
        yield


def test_a_command_lines_job_unfreezes_what_it_froze():
    kept: list = []
    jobs.run_to_end(_job_leaving_a_cycle(kept))
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert kept[0]() is None


def test_the_desktop_keeps_its_heap_frozen_until_collected_when_idle(resident):
    assert gc.get_freeze_count() > 0
    kept: list = []
    jobs.run_to_end(_job_leaving_a_cycle(kept))
    assert gc.get_freeze_count() > 0, "the job's end unfroze the whole heap"
    assert jobs.frozen_garbage_waiting()
    gc.collect()  # what a worker's allocations can set off: the frozen part is not walked
    assert kept[0]() is not None
    assert jobs.collect_frozen() >= 1
    assert kept[0]() is None, "the idle collection did not free the job's garbage"
    assert gc.get_freeze_count() > 0 and not jobs.frozen_garbage_waiting()


def test_let_go_empties_big_containers_a_piece_at_a_time():
    big = {n: [n] for n in range(5_000)}
    items = [object() for _ in range(2_500)]
    seen = {str(n) for n in range(1_200)}
    jobs.let_go(big, items, seen)
    assert big == {} and items == [] and seen == set()
