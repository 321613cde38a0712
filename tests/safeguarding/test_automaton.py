"""The lexicon automatons built in a child process (so building them never holds the desktop
window's GIL) find exactly what automatons built in place find."""

from __future__ import annotations

from steward.safeguarding import automaton


def test_automatons_built_in_a_child_process_match_those_built_here():
    words = [(f" word{n} ", n) for n in range(automaton.IN_PROCESS_BELOW)]
    phrases = [(" better off without ", 0), (" end it ", 1), (" without me ", 2)]
    child = automaton.build_all([words, phrases, []])  # big enough for a child process
    here = [automaton.build(words), automaton.build(phrases), None]
    text = " they would be better off without me word12 word4999 word5000 and end it "
    for built, expected in zip(child, here, strict=True):
        if expected is None:
            assert built is None
            continue
        assert list(built.iter(text)) == list(expected.iter(text))
        assert len(built) == len(expected)
    assert [value for _end, value in child[1].iter(text)] == [0, 2, 1]
