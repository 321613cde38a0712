"""Detector behaviour: word boundaries, variants, benign phrases, contact details, severity
from the space's risk setting, and bad input (malformed lexicons, regions, huge messages)."""

from __future__ import annotations

import pytest

from steward.errors import BadInput
from steward.jobs import run_to_end
from steward.safeguarding.detectors import Detector
from steward.safeguarding.lexicon import normalise, parse_lexicon, read_lexicon_file
from steward.safeguarding.scan import scan_job
from steward.store.models import Message


def _detector(text: str, category: str = "self_harm", **kw) -> Detector:
    """A lexicons-only detector (the text model has its own tests)."""
    kw.setdefault("text_model", None)
    return Detector([parse_lexicon(text, category, "test.txt"),
                     parse_lexicon("that joke killed me\n", "benign", "benign.txt")], **kw)


def found(detector, text, audience="general", visibility="closed"):
    return {f.category: f.severity for f in detector.detect(text, audience, visibility)}


def test_whole_words_variants_and_prefixes():
    d = _detector("[high]\n{kill|killing} myself\nsuicid*\n")
    assert found(d, "I keep thinking about KILLING myself!!") == {"self_harm": "high"}
    assert found(d, "feeling suicidal") == {"self_harm": "high"}
    assert found(d, "skill myselfie") == {}  # inside other words: no match
    assert found(d, "ill kill my self") == {}
    assert normalise("Don’t   STOP—now") == " dont stop now "


def test_benign_phrases_do_not_raise():
    d = _detector("[high]\nkilled me\n")
    assert found(d, "that joke killed me 😂") == {}
    assert found(d, "he nearly killed me") == {"self_harm": "high"}


def test_parts_near_each_other_match_in_order_within_their_gap():
    d = Detector([
        parse_lexicon("[high]\n{cut|burnt} my ~2 {arm|leg} ~1 again\n", "self_harm", "t.txt"),
        parse_lexicon("{cut|burnt} my ~2 {arm|leg} ~3 {cooking|oven}\n", "benign", "b.txt"),
    ], text_model=None)
    assert found(d, "I cut my left arm again last night") == {"self_harm": "high"}
    assert found(d, "burnt my arm, again.") == {"self_harm": "high"}
    assert found(d, "I cut my hair and my arm again") == {}  # 3 words between: too far
    assert found(d, "again I cut my arm") == {}  # parts out of order
    assert found(d, "I burnt my arm again on the oven") == {}  # a benign phrase explains it
    assert found(d, "cut my arm. \n new message: leg again") == {}
    (finding,) = d.detect("I cut my left leg, again")
    assert finding.reasons[0].startswith("“cut my left leg again” (pattern “{cut|burnt} my")


def test_audience_visibility_and_several_signs_raise_severity():
    d = _detector("[low secrecy]\nour secret\n[low age]\nhow old are you\n", "grooming")
    assert found(d, "how old are you") == {"grooming": "low"}
    assert found(d, "how old are you") == found(d, "how old are you", visibility="open")
    assert found(d, "how old are you", "young_people") == {"grooming": "medium"}
    assert found(d, "how old are you, this is our secret") == {"grooming": "medium"}
    assert found(d, "how old are you, our secret", "vulnerable_adults") == {"grooming": "high"}


def test_contact_details():
    d = _detector("[low]\nplaceholder phrase\n", phone_regions=["GB", "IE"],
                  ignored_numbers=["0800 1111"])
    assert d.contact_kinds("call me on 07700 900123") == ["phone number"]
    assert d.contact_kinds("ring 087 123 4567 in Dublin") == ["phone number"]
    assert d.contact_kinds("Childline is 0800 1111") == []
    assert d.contact_kinds("it's 2024, room 101, score 3-1") == []
    assert d.contact_kinds("me@example.com, 14 Meadow Lane, LS6 2QT") == [
        "email address", "street address", "postcode"]
    assert d.contact_kinds("add me on insta @sky_2010") == ["social handle"]
    assert d.contact_kinds("@sam thanks for the lift") == []
    assert found(d, "text me 07700 900123") == {"contact_details": "medium"}
    assert found(d, "text me 07700 900123", "young_people", "open") == {
        "contact_details": "critical"}


@pytest.mark.parametrize(("text", "kinds"), [
    ("i live at 14 elm rd come round", ["street address"]),
    ("were at 3 mill way, flat 2", ["street address"]),
    ("my nan lives at 9 rose close", ["street address"]),
    ("come to 12 oak court after school", ["street address"]),
    # chat with a number before "way", "close", "st" or "court" is no address
    ("10 more mins on the way", []),
    ("3 goals in the park and 2 really close calls", []),
    ("lol 2 funny way too much", []),
    ("meet at 10 outside st marys", []),
    ("tryin 2 ne way", []),
    ("thats 2 close to call", []),
])
def test_street_addresses_written_in_lower_case(text, kinds):
    assert _detector("[low]\nplaceholder phrase\n").contact_kinds(text) == kinds


@pytest.mark.parametrize("text, problem", [
    ("[high]\n\n  ...  \n", "test.txt:3: the pattern is empty"),
    ("kill myself\n", "test.txt:1: a pattern before any [severity] section"),
    ("[urgent]\nx y z\n", "test.txt:1: a section must be"),
    ("[high]\n{a|b\n", "test.txt:2: unbalanced braces"),
    ("[high]\nab*\n", "test.txt:2: a '*' pattern needs at least three letters"),
    ("[high]\nki*ll me\n", "test.txt:2: '*' only at the end"),
    ("# only comments\n", "test.txt: no patterns"),
    ("[high]\ncut my ~9 arm\n", "test.txt:2: '~N' allows at most 6 words"),
    ("[high]\ncut my ~ arm\n", "test.txt:2: '*' only at the end, '~N' only between words"),
])
def test_malformed_lexicon_is_refused_with_its_line(text, problem):
    with pytest.raises(BadInput, match=problem.replace("*", r"\*").replace("[", r"\[")):
        parse_lexicon(text, "self_harm", "test.txt")


def test_lexicon_files_unknown_category_and_encoding(tmp_path):
    bad = tmp_path / "hate.txt"
    bad.write_text("[high]\nx\n", encoding="utf-8")
    with pytest.raises(BadInput, match="unknown category 'hate'"):
        read_lexicon_file(bad)
    latin = tmp_path / "abuse.txt"
    latin.write_bytes(b"[high]\ncaf\xe9\n")
    with pytest.raises(BadInput, match="not UTF-8"):
        read_lexicon_file(latin)
    with pytest.raises(BadInput, match="no such lexicon"):
        read_lexicon_file(tmp_path / "missing.txt")


def test_unknown_phone_region_is_a_clear_error():
    with pytest.raises(BadInput, match="unknown phone region XX"):
        _detector("[low]\nabc def\n", phone_regions=["GB", "XX"])


def test_one_megabyte_message_is_scanned_without_losing_flags(demo_ws):
    huge = ("the weather is lovely today and the 0113 bus was late " * 20_000)[:1_000_000]
    huge += " honestly I want to kill myself"
    with demo_ws.transaction() as s:
        template = s.get(Message, 1)
        s.add(Message(source_id=template.source_id, space_id=template.space_id,
                      identity_id=template.identity_id, platform_id="huge-1",
                      created_at=template.created_at, text=huge))
        s.add(Message(source_id=template.source_id, space_id=template.space_id,
                      identity_id=template.identity_id, platform_id="after-huge",
                      created_at=template.created_at, text="I don't want to be alive anymore"))
    counts = run_to_end(scan_job(demo_ws))
    assert counts["skipped_messages"] == 0
    from steward.safeguarding.flags import metadata

    with demo_ws.session() as s:
        flagged = {s.get(Message, m.message_id).platform_id
                   for m in metadata(demo_ws).values() if m.category == "self_harm"}
    assert {"huge-1", "after-huge"} <= flagged


def test_a_failing_message_is_skipped_and_the_rest_still_flagged(demo_ws, monkeypatch):
    from steward.safeguarding import detectors, scan
    from steward.safeguarding.flags import metadata

    real = detectors.Detector.detect_many
    alone = set()

    def flaky(self, texts, *args, **kw):
        if any(t and "bake sale" in t for t in texts):
            raise RuntimeError("boom")
        if len(texts) == 1:
            alone.add(texts[0])
        return real(self, texts, *args, **kw)

    monkeypatch.setattr(detectors.Detector, "detect_many", flaky)
    # batches of 200, not one of the whole demo: only those holding a bake sale are read again
    # message by message (the demo's concerns share one with a bake sale, checked below)
    monkeypatch.setattr(scan, "BATCH", 200)
    counts = run_to_end(scan_job(demo_ws))
    assert counts["skipped_messages"] >= 1 and counts["flags"] >= 11
    with demo_ws.session() as s:
        texts = [s.get(Message, m.message_id).text for m in metadata(demo_ws).values()]
    assert sum(text in alone for text in texts) >= 11  # raised by the message-by-message retry
