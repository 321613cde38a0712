"""The quick passes that let most messages skip the slower checks never skip one those
checks would flag: the contact-detail hint, the lexicon's first pass (texts holding every part
of some pattern) and the prescreen's word hashes."""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right

import pytest

from steward.safeguarding.detectors import (
    _DIGIT_OR_AT,
    _MY_PLATFORM,
    _SPELT,
    Detector,
    _contact_candidates,
)
from steward.safeguarding.lexicon import (
    CONTEXTS,
    normalise_many,
    parse_lexicon,
    shipped_lexicons,
    whole_matches,
)
from tests.safeguarding.eval_sets import training_lines

TRICKY = [
    "ring me on 07700 900123 after school", "my number is (0113) 496-0123 x", "+44 20 7946 0018",
    "post it to ZZ99 9ZZ please", "zz9 9zz", "we live at 12 O'Neil Road's end",
    "14b, Church St. is the house", "4 heol y bont", "7 Stryd Fawr", "2 tan y bryn",
    "snap's jess_x22", "insta - lily.r 4", "x is fun. 3", "my sc is tomtom", "snap: jess_x",
    "email jo@example.org", "follow me on tiktok @lily.rose", "dm me @ tom_1",
    "TikTok: rosie.b 2", "Call 0800 1111 (Childline)", "it's 1 2 3 4 5 6 7", "10 a.m. at 5",
    "my insta is lily.rose", "add me on kik 12 sam_99", "my ig name is jess22",
    "we're at 3 The Green", "flat 9 12 high st", "ffordd 1", "x 1234567",
    # the shapes of contact_formats.py: digits in words or letters, spelt-out e-mails, links,
    # tags, cued postcodes and house numbers
    "oh seven seven double oh nine double oh one two three", "07seven00 nine00 one23",
    "O77OO 9OO123", "o7700 9oo l23", "07700 nine hundred one two three", "Mill Rd no. 3",
    "07700 📱 900 📱 123", "jess(at)hotmail(dot)co(dot)uk",
    "jess @ gmail . com", "jess22 at gmail", "my email is jess at mysite dot co dot uk",
    "kik me jess_x", "wickr: jess22", "dm me on insta lily.rose", "my @ is jess_22",
    "discord: jess#1234", "snapchat.com/add/jessrose", "t.me/jessr22", "i live in LS6",
    "postcode: cf10 1aa", "i live at number 14", "my house number is 12", "flat 3, 22 park view",
    "we live in the flats above the co-op on the high street, number 7",
]


def _texts(most: int) -> list[str]:
    """The tricky texts and `most` training lines spread evenly over every file (the training
    set grows; the suite's time should not), their upper-case forms and some with a number."""
    texts = [t for _p, _n, lines in training_lines() for t in lines]
    texts = texts[::max(1, -(-len(texts) // most))]
    return TRICKY + texts + [t.upper() for t in TRICKY] + [t + " 7" for t in texts[:2000]]


def test_the_contact_hint_keeps_every_message_with_contact_details():
    detector = Detector(shipped_lexicons(), text_model=None)
    texts = _texts(20_000)
    words, starts = normalise_many(texts)
    alone = [normalise_many([t])[0] for t in texts]
    everything_before = {i for i, w in enumerate(alone)
                         if _DIGIT_OR_AT.search(w) or _MY_PLATFORM.search(w) or _SPELT.search(w)}
    picked = _contact_candidates(words, starts)
    missed = [texts[i] for i in everything_before - picked if detector.contact_kinds(texts[i])]
    assert not missed
    assert len(picked) < len(everything_before)  # it does let some through unchecked


@pytest.mark.parametrize("extra, most", [("", 20_000), (" 12", 6_000),
                                         (" me online here", 6_000)])
def test_lexicon_hits_left_out_could_never_match(extra, most):
    """The texts as they are; with a number or a phrase after each, fewer of the same kinds."""
    matcher = Detector(shipped_lexicons(), text_model=None).matcher
    texts = _texts(most)
    _assert_first_pass_keeps_every_match(matcher, [t + extra for t in texts])


def _assert_first_pass_keeps_every_match(matcher, texts: list[str]) -> None:
    """Texts the lexicon's first pass leaves out match no pattern of a category (read whole
    with the automaton); the texts it keeps have every hit the automaton finds."""
    words, starts = normalise_many(texts)
    kept = matcher.find_per_text(words, starts)
    per_text: dict[int, list] = {}
    for hit in matcher.find(words):
        per_text.setdefault(bisect_right(starts, hit[0]) - 1, []).append(hit)
    for i, hits in per_text.items():
        if i not in kept:  # a benign or context phrase alone raises nothing
            assert not [m for m in whole_matches(words, hits)
                        if m[2].category not in CONTEXTS], texts[i]
        else:
            assert kept[i] == hits


def test_lexicon_first_pass_finds_every_kind_of_key():
    """Keys of one word, of several, ending in '*' (one letter, or longer than the 8 bytes
    the first pass reads of a word's beginning), long words, Welsh letters, parts near each
    other; and nothing found across two texts."""
    lexicon = parse_lexicon("""[high]
hopeless
end it all tonight
unaliv*
feel unalive*
na k*
extraordinarily sad
unbelievabl*
so very unbelievabl*
hiraeth ŵyr*
{cut|burnt} my ~2 {arm|leg}
I want ~1 to go
on the bridge
""", "self_harm", "test.txt")
    matcher = Detector([lexicon], text_model=None).matcher
    texts = ["im hopeless", "hopelessness", "i will end it all tonight ok", "end it all",
             "unalive", "unaliving me", "unali", "i feel unaliveish", "feel unal", "na kk",
             "na k", "nak", "na", "so extraordinarily sad", "extraordinarily sadder",
             "unbelievable", "unbelievablY so", "unbelievab", "so very unbelievably",
             "so very unbelievab", "hiraeth ŵyrion", "hiraeth wyr", "cut my left arm",
             "my arm cut", "i want really to go", "i want to go", "on the bridge", "end it",
             "all tonight", "so very", "unbelievably", "hiraeth", "ŵyr", "i feel",
             "unalive"]
    found = matcher.find_per_text(*normalise_many(texts))
    words, starts = normalise_many(texts)
    assert {i for i, hits in found.items()
            if any(m[2].category == "self_harm" for m in whole_matches(words, hits))} == {
        0, 2, 4, 5, 7, 9, 10, 13, 15, 16, 18, 20, 22, 24, 25, 26, 30, 34}
    _assert_first_pass_keeps_every_match(matcher, texts)


def test_quick_passes_change_no_finding(monkeypatch):
    """On a varied set of messages (training and tuning lines, contact details, their
    upper-case forms, pairs of them run together), in every kind of space, the findings are
    the same as when every message is read whole by the lexicon's automaton and meets the
    contact-detail checks."""
    from steward.safeguarding import detectors
    from steward.safeguarding.lexicon import Matcher

    texts = _texts(10_000)
    texts += [a + " " + b for a, b in zip(texts[::7], texts[3::11], strict=False)]
    spaces = [(audience, visibility, i % 7 != 0) for i, (audience, visibility) in enumerate(
        itertools.product(("general", "young_people", "vulnerable_adults"), ("closed", "open"))
    )]
    settings = [spaces[i % len(spaces)] for i in range(len(texts))]
    detector = Detector(shipped_lexicons(), ("GB",), ["0800 1111"])

    def findings() -> dict:
        out = {}
        for at in range(0, len(texts), 5_000):
            found = detector.detect_many(texts[at:at + 5_000], settings[at:at + 5_000])
            out.update({at + i: f for i, f in found.items()})
        return out

    quick = findings()
    monkeypatch.setattr(Matcher, "find_per_text", lambda self, words, starts, *_a:
                        self.read(words, starts, range(len(starts))))
    monkeypatch.setattr(detectors, "_contact_candidates", lambda words, starts, *_a:
                        set(range(len(starts))))
    assert findings() == quick
    assert len(quick) > len(texts) / 4


def test_the_contact_hint_is_a_single_pattern():
    from steward.safeguarding import detectors

    assert isinstance(detectors._CONTACT_HINT, re.Pattern)


def test_lexicon_first_pass_keeps_texts_with_parts_out_of_order():
    """Every part present but in the wrong order: kept for the full check, which says no."""
    matcher = Detector(shipped_lexicons(), text_model=None).matcher
    words, starts = normalise_many(["nothing here", "pills ready note tonight",
                                    "tonight note ready pills", "hello"])
    kept = matcher.find_per_text(words, starts)
    assert set(kept) <= {1, 2} and 1 in kept
    assert any(m[2].category == "self_harm" for m in whole_matches(words, kept[1]))


def test_prescreen_word_hashes_match_a_lookup_word_by_word():
    import numpy as np

    from steward.safeguarding.textmodel import shipped_model

    prescreen = shipped_model().prescreen()
    texts = [*(t for _p, _n, lines in training_lines()[:3000] for t in lines), "", "ŵyr ŷ bach",
             "a" * 300, "@ 12 _ x"]
    words, _starts = normalise_many(texts)
    weight = dict(zip(map(str, prescreen.words), prescreen.weights.astype(float), strict=True))
    expected = []
    for text in words.split("\x00"):
        found = text.split()
        expected.append(prescreen.intercept + sum(weight.get(w, 0.0) for w in found)
                        / max(len(found), 1) ** 0.5)
    assert np.allclose(prescreen.logits(words), expected)


def test_hash_set_finds_exactly_its_members_and_their_positions():
    import numpy as np

    from steward.safeguarding.wordhash import HashSet

    rng = np.random.default_rng(7)
    members = np.unique(rng.integers(0, 2**63, size=5_000, dtype=np.uint64))
    rng.shuffle(members)
    # short words' hashes are small numbers: some of those too
    members = np.r_[members, np.arange(1, 300, dtype=np.uint64)]
    others = rng.integers(0, 2**63, size=20_000, dtype=np.uint64)
    others = others[~np.isin(others, members)]
    queries = np.r_[members, others, members[::-3]]
    found, at = HashSet(members).find(queries)
    assert found.tolist() == np.isin(queries, members).tolist()
    assert (members[at[found]] == queries[found]).all()
    assert not HashSet(np.zeros(0, np.uint64)).find(queries)[0].any()


def test_a_batch_with_a_few_texts_outside_ascii_normalises_as_each_alone():
    texts = ["Price £5, don’t   STOP—now", "plain text", "ŵyr ŷ bach", "", "café\tnaïve",
             "x" * 50 + "é", "emoji 😭die", "KELVIN \u212a", "İstanbul", "a\x00b", "end £"]
    words, starts = normalise_many(texts)
    alone = [normalise_many([t])[0] for t in texts]
    assert words.split("\x00") == alone
    assert [words[s:].split("\x00")[0] for s in starts] == alone


def test_the_prescreen_wakes_exactly_the_texts_the_model_could_flag():
    """The numpy check of 'enough words' before scoring equals TextModel.enough_words."""
    import numpy as np

    from steward.safeguarding.textmodel import shipped_model

    model = shipped_model()
    texts = [*(t for _p, _n, lines in training_lines()[:4000] for t in lines),
             "+1, I'd come to that", "+1 id come to that qzxv", "sad sad sad", "", "ok"]
    words, starts = normalise_many(texts)
    picked = model.prescreen().woken(words)  # the prescreen alone
    woken = model.woken(words)
    parts = words.split("\x00")
    expected = [i for i in picked.tolist() if model.enough_words(parts[i].strip())]
    assert woken.tolist() == expected
    assert 0 < len(expected) < len(picked)
    assert np.isin(woken, picked).all()
