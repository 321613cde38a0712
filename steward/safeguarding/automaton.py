"""Aho-Corasick automatons for the lexicon matcher, built in a child process.

pyahocorasick's `make_automaton` holds the GIL for its whole run: for the shipped lexicons
(about 47,000 keys) that is a few hundred milliseconds in which no other thread of the process
runs Python, and the desktop window, which needs the GIL for every event, froze for as long
during the first scan. A child process builds them instead; taking the finished automatons back
(unpickling) costs about a tenth of building them. Small sets are built in place. Only the
lexicon keys (pattern words, no member data) go to the child, through a pipe.

This module imports nothing else of Steward: a child process starts by importing it.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor

import ahocorasick

log = logging.getLogger(__name__)

IN_PROCESS_BELOW = 5_000  # keys: fewer than this take a few milliseconds to build here

Words = list[tuple[str, int]]


def build(words: Words) -> ahocorasick.Automaton | None:
    """An automaton of `(key, value)` pairs (None when there are none)."""
    if not words:
        return None
    automaton = ahocorasick.Automaton()
    for key, value in words:
        automaton.add_word(key, value)
    automaton.make_automaton()
    return automaton


def _build_pickled(sets: list[Words]) -> list[bytes]:  # in the child process
    return [pickle.dumps(build(words), protocol=pickle.HIGHEST_PROTOCOL) for words in sets]


def build_all(sets: list[Words]) -> list[ahocorasick.Automaton | None]:
    """Each set's automaton; big sets in a child process (see the module's note)."""
    if sum(len(words) for words in sets) < IN_PROCESS_BELOW:
        return [build(words) for words in sets]
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            data = pool.submit(_build_pickled, sets).result()
    except (OSError, RuntimeError) as exc:  # no child process here: build them in place
        log.info("automatons built in this process: %s", type(exc).__name__)
        return [build(words) for words in sets]
    # Our own child's output, never a file; one automaton at a time, so the GIL is held for
    # one unpickling at a time (about 50 ms each for the shipped lexicons).
    return [pickle.loads(one) for one in data]
