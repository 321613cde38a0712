"""False alarms on ordinary messages written by real people outside this project: the
legitimate ("ham") lines of the public SMS, Instagram and X corpora that the spam model is
trained from (`resources/moderation/corpora/`, sources and licences in its README). None of them
is a safeguarding concern as far as anyone labelled them, so every flag is a likely false alarm.

The figures are ceilings measured on 2026-12-03 (eighth session) in a general space: a change
may lower them, never raise them. They are high: a sixth of everyday SMS raises some flag and
about one in a hundred a high self-harm flag, mostly from the text model reading function words
("Sorry that took so long, omw now"); see README "Known limits". A retrain or a threshold that
catches more of the evaluation sets' concerns must not pay for it here: lowering the model's
low thresholds to catch 5% more blind self-harm raised the flagged share of these SMS from 0.175
to 0.298, and was not landed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

CORPORA = Path(__file__).resolve().parents[2] / "resources" / "moderation" / "corpora"
# corpus: (ham lines raising any flag, raising a high or critical one), general space
CEILINGS = {"sms": (843, 53), "instagram": (248, 11), "x": (386, 12)}


@pytest.fixture(scope="module")
def detector():
    from steward.safeguarding.detectors import Detector
    from steward.safeguarding.lexicon import shipped_lexicons
    from steward.safeguarding.signposting import default_helplines

    return Detector(shipped_lexicons(), ["GB"], [h["number"] for h in default_helplines()])


def _ham(name: str) -> list[str]:
    lines = (CORPORA / f"{name}.tsv").read_text(encoding="utf-8").splitlines()
    return [line.split("\t", 1)[1] for line in lines if line.startswith("ham\t")]


@pytest.mark.parametrize("name", sorted(CEILINGS))
def test_real_peoples_ordinary_messages_raise_no_more_flags_than_before(detector, name):
    from steward.safeguarding.policy import severity_rank

    texts = _ham(name)
    found = detector.detect_many(texts, [("general", "closed", True)] * len(texts))
    high = Counter(any(severity_rank(f.severity) >= severity_rank("high") for f in findings)
                   for findings in found.values())[True]
    flagged_ceiling, high_ceiling = CEILINGS[name]
    assert len(found) <= flagged_ceiling and high <= high_ceiling, (
        f"{name}: {len(found)} of {len(texts)} ordinary messages flagged (ceiling "
        f"{flagged_ceiling}), {high} at high or critical (ceiling {high_ceiling})")
