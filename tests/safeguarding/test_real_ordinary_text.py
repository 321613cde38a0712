"""False alarms on ordinary messages written by real people outside this project: the
legitimate ("ham") lines of the public SMS, Instagram and X corpora that the spam model is
trained from (`resources/moderation/corpora/`, sources and licences in
`resources/moderation/README.md`). None of them is a safeguarding concern as far as anyone
labelled them, so every flag is a likely false alarm.

Since 2026-12-03 (ninth session) the safeguarding text model learns one half of each corpus as
ordinary negatives (`train_model.real_ordinary_lines`, split by a CRC-32 of the text), so only
the other, held-out half is measured here. On those held-out halves, in a general space, the
model shipped before (the second session's, trained without any real message) raised: SMS 433
of 2,412 flagged, 25 at high or critical; Instagram 110 of 1,050, 6; X 178 of 1,584, 3. The
ceilings are what the ninth session's model raises there (2026-12-03): SMS 96 and 5,
Instagram 24 and 1, X 22 and 2; SMS 95 and 4 since the tenth session's benign phrase for a
device "gonna die" (2026-12-03); SMS 93 and X 20 since the twelfth session's look-alike
word lists and contact-detail formats (2026-12-04). A change may lower them, never raise
them. A retrain or a threshold that catches more of the evaluation sets' concerns must not pay
for it here.
"""

from __future__ import annotations

import pytest

# corpus: (held-out ham lines raising any flag, raising a high or critical one), general space
CEILINGS = {"sms": (93, 4), "instagram": (24, 1), "x": (20, 2)}


@pytest.fixture(scope="module")
def detector():
    from steward.safeguarding.detectors import Detector
    from steward.safeguarding.lexicon import shipped_lexicons
    from steward.safeguarding.signposting import default_helplines

    return Detector(shipped_lexicons(), ["GB"], [h["number"] for h in default_helplines()])


def test_the_halves_are_fixed_and_apart():
    from steward.safeguarding.train_model import real_ordinary_lines

    for name in CEILINGS:
        held_out = real_ordinary_lines(name, held_out=True)
        learnt = real_ordinary_lines(name, held_out=False)
        assert not {t for _n, t in held_out} & {t for _n, t in learnt}, name
        assert 0.4 < len(held_out) / (len(held_out) + len(learnt)) < 0.6, name
    assert real_ordinary_lines("sms", held_out=True)[0] == (
        1, "Go until jurong point, crazy.. Available only in bugis n great world la e buffet... "
        "Cine there got amore wat...")


@pytest.mark.parametrize("name", sorted(CEILINGS))
def test_real_peoples_ordinary_messages_raise_no_more_flags_than_before(detector, name):
    from steward.safeguarding.policy import severity_rank
    from steward.safeguarding.train_model import real_ordinary_messages

    texts = real_ordinary_messages(name, held_out=True)
    found = detector.detect_many(texts, [("general", "closed", True)] * len(texts))
    high = sum(any(severity_rank(f.severity) >= severity_rank("high") for f in findings)
               for findings in found.values())
    flagged_ceiling, high_ceiling = CEILINGS[name]
    assert len(found) <= flagged_ceiling and high <= high_ceiling, (
        f"{name}: {len(found)} of {len(texts)} held-out ordinary messages flagged (ceiling "
        f"{flagged_ceiling}), {high} at high or critical (ceiling {high_ceiling})")
