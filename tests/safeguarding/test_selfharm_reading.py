"""The reading of a self-harm message (`selfharm.reading`): who it is about and when."""

from __future__ import annotations

import pytest

from steward.safeguarding.lexicon import normalise
from steward.safeguarding.selfharm import CURRENT, PAST, PLAN, reading


@pytest.mark.parametrize(("text", "model", "expected"), [
    ("i just want to die", False, CURRENT),
    ("might as well end it now", False, CURRENT),  # the writer, left unsaid
    ("i want to die tonight", False, PLAN),
    ("gonna take all my pills after school tomorrow", False, PLAN),
    ("cutting myself again tonight", False, CURRENT),  # self-harm now, not a plan to die
    ("i used to want to die", False, PAST),
    ("relapsed, but talking to my counsellor", False, PAST),
    ("used to cut myself and now im cutting myself again", False, CURRENT),
    ("hope i dont die lol", False, None),  # negated
    ("100 days without hurting myself", False, None),
    ("my son keeps saying he wants to die", False, None),  # someone else: a worry, not a lift
    ("assisted suicide is in the news", False, None),  # the subject, said of no one
    ("when i die bury me at anfield", False, None),  # "die" alone is everyday
    ("im so tired of waiting", False, None),  # indirect intent: only beside the text model
    ("im so tired of waiting", True, CURRENT),
    ("ive made up my mind, tonight", True, CURRENT),  # a plan needs dying or an overdose said
    ("thinking of taking the whole bottle tonight", False, PLAN),
    ("id be happier dead", False, CURRENT),
    ("life isnt worth it anymore", True, CURRENT),
])
def test_reading(text, model, expected):
    assert reading(normalise(text), model) == expected
