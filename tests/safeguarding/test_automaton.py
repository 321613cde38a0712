"""The lexicon automatons built in a child process (so building them never holds the desktop
window's GIL) find exactly what automatons built in place find."""

from __future__ import annotations

from steward.safeguarding import automaton


def test_automatons_built_in_a_child_process_match_those_built_here(monkeypatch):
    """Each set goes to the child as one string (pickling a list of 47,000 keys held the GIL,
    the window's too, for as long as it took; one string pickles at the speed of a copy)."""
    sent = []
    real = automaton.ProcessPoolExecutor.submit

    def submit(pool, fn, joined):
        sent.append(joined)
        return real(pool, fn, joined)

    monkeypatch.setattr(automaton.ProcessPoolExecutor, "submit", submit)
    words = [f" word{n} " for n in range(automaton.IN_PROCESS_BELOW)]
    phrases = [" better off without ", " end it ", " without me "]
    child = automaton.build_all([words, phrases, []])  # big enough for a child process
    assert sent == [["\0".join(words), "\0".join(phrases), ""]]
    here = [automaton.build(words), automaton.build(phrases), None]
    text = " they would be better off without me word12 word4999 word5000 and end it "
    for built, expected in zip(child, here, strict=True):
        if expected is None:
            assert built is None
            continue
        assert list(built.iter(text)) == list(expected.iter(text))
        assert len(built) == len(expected)
    assert [value for _end, value in child[1].iter(text)] == [0, 2, 1]


def test_a_key_holding_the_separator_keeps_its_sets_here(monkeypatch):
    monkeypatch.setattr(automaton, "ProcessPoolExecutor", None)  # would fail if used
    words = [f" word{n} " for n in range(automaton.IN_PROCESS_BELOW)]
    (built,) = automaton.build_all([[*words, " odd\0key "]])
    assert [value for _end, value in built.iter(" word7 odd\0key ")] == [7, len(words)]
