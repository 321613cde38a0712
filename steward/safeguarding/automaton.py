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
_SEPARATOR = "\0"  # between the keys of a set on their way to the child process


def build(keys: list[str]) -> ahocorasick.Automaton | None:
    """An automaton of `keys`, each key's value its index in `keys` (None when there are
    none)."""
    if not keys:
        return None
    automaton = ahocorasick.Automaton()
    for value, key in enumerate(keys):
        automaton.add_word(key, value)
    automaton.make_automaton()
    return automaton


def _build_pickled(joined: list[str]) -> list[bytes]:  # in the child process
    return [pickle.dumps(build(text.split(_SEPARATOR) if text else []),
                         protocol=pickle.HIGHEST_PROTOCOL) for text in joined]


def build_all(sets: list[list[str]]) -> list[ahocorasick.Automaton | None]:
    """Each set's automaton (see `build`); big sets in a child process (see the module's
    note). Each set goes to the child as one string, its keys joined by NUL: pickling the
    list itself (47,000 strings) held the GIL as long as a hundred milliseconds, and on a
    loaded machine several times that."""
    if sum(len(keys) for keys in sets) < IN_PROCESS_BELOW or any(
            _SEPARATOR in key for keys in sets for key in keys):
        return [build(keys) for keys in sets]
    joined = [_SEPARATOR.join(keys) for keys in sets]
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            data = pool.submit(_build_pickled, joined).result()
    except (OSError, RuntimeError) as exc:  # no child process here: build them in place
        log.info("automatons built in this process: %s", type(exc).__name__)
        return [build(keys) for keys in sets]
    # Our own child's output, never a file; one automaton at a time, so the GIL is held for
    # one unpickling at a time (about 50 ms each for the shipped lexicons).
    return [pickle.loads(one) for one in data]
