"""How urgent a self-harm flag is, from who it is about and when: the published ranking of
suicidal content, applied to a message that raises self-harm already (by a word list or the
text model), never raising a flag by itself (`Detector` applies it in `detectors._adjust`).

Sources (concepts only; no wording copied): the Columbia Suicide Severity Rating Scale's
levels as used in Zero Suicide risk formulation (wish to be dead, active ideation, ideation
with a method, with intent, with a plan; and behaviour), and Samaritans' and NSPA's guidance
on responding to suicidal content online (respond promptly to anyone speaking of their own
suicidal thoughts or self-harm now; a plan with a time or place is an emergency; past or
managed self-harm and talk about the subject are not).

- **current** (at least high): the writer speaks of themselves ("I", "me", "my" within a few
  words; or no one at all is named in a short message: "might as well end it now") and of
  dying, killing or harming themselves, suicide or an overdose, not negated ("hope I don't
  die", "100 days without hurting myself"). For a flag of the text model only, indirect
  intent counts too (no point, a burden, giving up, having decided): the model and the words
  corroborate each other. Several warning signs together do not lift it further: critical is
  for a plan.
- **plan** (critical): the same, of dying, killing oneself or an overdose, with a time near at
  hand (tonight, tomorrow, a weekday, after school).
- **past** (medium, whatever the word lists said): the same, told as past ("used to", "years
  ago", "clean for …" within a few words of it) or managed (a counsellor, a safety plan), with
  nothing saying it is back now ("again", "still", "tonight", "last night").

Talk about training, news or policy (`discussion.txt`) stays low whatever this says. Everyday
idiom ("my phone is gonna die", "this homework is killing me") is either not flagged at all
(`benign.txt`) or holds no first-person words about dying oneself ("killing me" is not
"killing myself"; "die", "dying" and "dead" alone are not read as the writer's).
"""

from __future__ import annotations

import re

PAST = "past"
CURRENT = "current"
PLAN = "plan"

_FIRST_PERSON = frozenset(("i", "im", "ive", "ill", "id", "me", "my", "myself", "meself",
                           "mine"))
# Dying or killing oneself, suicide, an overdose (not "die", "dying", "killing me", "dead"
# alone: "when I die", "im dying 😂", "this is killing me", "im dead" are everyday), and
# harming oneself now.
_SUICIDE = (
    r"to die|should die|should just die|just die|might as well die|be dead|was dead|"
    r"were dead|happier dead|better dead|rather be dead|want to be gone|wanna be gone|"
    r"wish i was gone|my death|suicide|suicidal|"
    r"kill myself|killing myself|"
    r"end it|ending it|end it all|end my life|ending my life|end things|ending things|"
    r"take my life|taking my life|unalive|kms|ctb|overdose|overdosing|od|noose|my funeral|"
    r"not wake up|never wake up|stop existing|not exist|not be here|not be around|"
    r"disappear forever|all my pills|all my tablets|all my meds|all the pills|all the tablets|"
    r"take them all|the whole packet|the whole box|the whole bottle")
_INJURY = (
    r"cut myself|cutting myself|cut again|cutting again|harm myself|harming myself|"
    r"hurt myself|hurting myself|burn myself|burning myself|self harm|self harming|sh again|"
    r"relapsed|fresh cuts|my blades|my blade")
_HARM = re.compile(rf" (?:(?P<suicide>{_SUICIDE})|{_INJURY})(?= )")
# Indirect intent in Samaritans' warning signs (no way out, a burden, giving up, having
# decided): said by the writer of themselves, these corroborate a text model flag (the model
# read the message as close to suicidal content), never a word list's own severity.
_INDIRECT = re.compile(
    r" (?:whats the point|no point|give up|giving up|gave up|cant do this|cant cope|"
    r"cant go on|cant take it|cant take this|done with|had enough|tired of|sick of|"
    r"want out|wanna out|no way out|trapped|a burden|better off|the nerve|"
    r"made up my mind|decided|go through with it|going through with it|finally doing it|"
    r"finally do it|not worth it|isnt worth it|worth living|hate being alive|"
    r"not here|miss me|wont be around|disappear|vanish)(?= )")
# A word that negates what follows it within two words: "dont die", "not going to die".
_NEGATION = frozenset(("dont", "not", "never", "wont", "didnt", "doesnt", "nobody", "noone",
                       "shouldnt", "without"))
# Past or managed, unless something says it is back now ("used to, and now again").
_PAST = re.compile(
    r" (?:used to|use to|years ago|when i was younger|when i was little|in recovery|recovered|"
    r"recovering|clean for|clean since|(?:days|weeks|months|years) clean|havent for|"
    r"havent in|(?:therapy|counselling|meds|medication) helped)(?= )")
# Managed: in touch with help, anywhere in the message ("relapsed, talking to my counsellor").
_MANAGED = re.compile(r" (?:counsellor|counselor|therapist|my gp|safety plan|getting help|"
                      r"got help|getting support|crisis team)(?= )")
_NOW = re.compile(r" (?:again|still|rn|right now|tonight|last night|this morning|lately|"
                  r"these days|at the moment|this week)(?= )")
# A time near at hand.
_SOON = re.compile(
    r" (?:tonight|tonights|tomorrow|tomoro|tmrw|tmr|this weekend|this evening|later today|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|after school|after work|"
    r"after my shift|when everyones asleep|when everyone is asleep|by morning|in an hour|"
    r"in a few hours|the night)(?= )")
# Someone other than the writer: without any of these and without "I", the writer is the
# subject left out, as informal writing does ("might as well end it now", "cutting again").
_OTHER_WORDS = """you u ya he she they we us our him her them his hers their theirs ur your
yall everyone someone somebody anyone people friend mate son daughter brother sister mum dad"""
_OTHERS = frozenset(_OTHER_WORDS.split())
# Names of the subject rather than something done: these need the writer's "I" or "my"
# ("assisted suicide is morally acceptable" is about no one in particular).
_TOPICS = frozenset(("suicide", "suicidal", "overdose", "overdosing", "od", "noose",
                     "self harm", "self harming"))
_SHORT = 15  # words: a longer text with no one named is no longer read as the writer's own
_SCOPE = 6  # words from a past marker to the harm words it tells as past
_NEAR = 4  # words between the first-person word and the harm words, either side


def reading(normalised: str, model: bool = False) -> str | None:
    """PLAN, CURRENT, PAST or None for one text in `lexicon.normalise` form (padded with
    spaces); `model`: the flag is the text model's, so indirect intent counts as well."""
    now = _NOW.search(normalised) is not None
    managed = not now and _MANAGED.search(normalised) is not None
    pasts = [] if now else [normalised.count(" ", 0, m.start())
                            for m in _PAST.finditer(normalised)]
    words = normalised.split()
    mine = [k for k, word in enumerate(words) if word in _FIRST_PERSON]
    unsaid = not mine and len(words) <= _SHORT and not _OTHERS.intersection(words)
    if not mine and not unsaid:
        return None
    found = None
    matches = [*_HARM.finditer(normalised), *(_INDIRECT.finditer(normalised) if model else ())]
    for match in matches:
        at = normalised.count(" ", 0, match.start())  # its first word's position
        if _NEGATION.intersection(words[max(0, at - 2):at]):
            continue
        last = at + match.group(0).count(" ") - 1
        if (unsaid and match.group(0).strip() not in _TOPICS) or any(
                at - _NEAR - 1 <= k <= last + _NEAR + 1 for k in mine):
            if managed or any(at - _SCOPE <= k <= last + _SCOPE for k in pasts):
                return PAST
            if match.re is _HARM and match.group("suicide") and _SOON.search(normalised):
                return PLAN
            found = CURRENT
    return found
