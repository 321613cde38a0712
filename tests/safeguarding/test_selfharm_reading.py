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
    # C-SSRS ideation with a method: a question about means about oneself, or "you" in general
    ("which car park in town is the tallest", True, CURRENT),
    ("how long would it take to bleed out", False, CURRENT),
    ("how many paracetamol can i take in a day for a headache", True, None),  # a dose
    ("how many tablets did he take", False, None),  # someone else's
    # a place to fall from with a time near at hand is a plan (NSPA); a feeling is not
    ("off to the cliff tonight", False, PLAN),
    ("suicidal again tonight", False, CURRENT),
    # the writer's own mind before the subject's name; the name alone is no one's
    ("thinking about suicide a lot lately", False, CURRENT),
    ("suicide is in the news again", False, None),
    # someone else's: "my" before a person, "me" as the object, a third person named
    ("its a year since my brothers suicide", False, None),
    ("my son asked me what an overdose is", False, None),
    ("he said hes going to cut me", True, None),
    # a relapse ends a clean streak: now, not past; help said not to know is not managed
    ("relapsed last week after four months clean", False, CURRENT),
    ("my therapist doesnt know im hurting myself", False, CURRENT),
    ("i use to cut myself", False, PAST),
    ("i tried to kill myself in 2016, doing ok now", False, PAST),  # a dated attempt
    ("ive been hurting myself every day since last year", False, CURRENT),
    ("theres scars on my legs from before and i did it again", False, CURRENT),
    ("what can i use to hurt myself", False, CURRENT),
    # beside the text model: goodbyes, feeling unsafe, no future; "no point" in life only
    ("bye everyone, thanks for everything, love you all", True, CURRENT),
    ("bye everyone, thanks for everything", True, None),  # said on leaving anything
    ("i dont feel safe with myself tonight", True, CURRENT),
    ("i dont see a future for me", True, CURRENT),
    ("she said goodbye to everyone at her leaving do", True, None),
    ("no point going to practice if it rains", True, None),
    ("whats the point anymore", True, CURRENT),
])
def test_reading(text, model, expected):
    assert reading(normalise(text), model) == expected
