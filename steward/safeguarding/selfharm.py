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
  words with no one else named between; or no one at all is named in a short message: "might
  as well end it now") and of dying, killing or harming themselves, suicide or an overdose, a
  place to fall from, or self-harm's marks and means at hand, not negated ("hope I don't die",
  "100 days without hurting myself"). A subject's name ("suicide", "self harm") needs the
  writer's "I" or "my", or, said of no one, a word of the writer's mind before it ("thinking
  about suicide lately") or, for a state ("suicidal"), a word of now; "my" before a person
  ("my friend's suicide") and "me" as someone's object are not the writer's. A question about
  the means or method (how deep, how many, which bridge, the quickest way) is the writer's
  unless someone else is named, and not a dose asked about for a headache. For a flag of the
  text model only, indirect intent counts too (no point in living, a burden, having decided,
  no future, not safe with oneself, means made ready, being gone), anywhere in a short text
  where the writer is the only one named, and so does a farewell that sounds final ("sorry
  for everything", "take care of each other", "bye everyone … love you all") without an
  ordinary leaving ("off to uni"): the model and the words corroborate each other. Several
  warning signs together do not lift it further: critical is for a plan.
- **plan** (critical): the same, of dying, killing oneself, an overdose or a place to fall
  from, with a time near at hand (tonight, tomorrow, a weekday, after school); a feeling
  ("suicidal tonight") is not a plan.
- **past** (medium, whatever the word lists said): the same, told as past ("used to", "years
  ago", "clean for …" within a few words of it) or managed (a counsellor, a safety plan, not
  negated: "my therapist doesn't know" is not managed), with nothing saying it is back now
  ("again", "still", "tonight", "last night"). A relapse ends a clean streak: it is now.

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
    r"wish i was gone|my death|suicide|suicidal|wanna die|wana die|hoping i die|hope i die|"
    r"kill myself|killing myself|hang myself|hanging myself|drown myself|throw myself|"
    r"end it|ending it|end it all|end my life|ending my life|end things|ending things|"
    r"take my life|taking my life|unalive|kms|ctb|overdose|overdosing|od|noose|my funeral|"
    r"not wake up|never wake up|stop existing|not exist|not be here|not be around|"
    r"disappear forever|all my pills|all my tablets|all my meds|all the pills|all the tablets|"
    r"take them all|the whole packet|the whole box|the whole bottle|a whole packet|a whole box|"
    r"a bottle of pills|a bottle of tablets|in front of a car|in front of a train|"
    r"in front of a bus|in front of a lorry|into the sea|into the river")
# Harming oneself, its marks and its means at hand (NHS/Mind: fresh injuries, blades kept
# close, urges now).
_INJURY = (
    r"(?:cut|cutting|burn|burning|burnt|hurt|hurting|harm|harming|hit|hitting|punch|punching|"
    r"scratch|scratching|starve|starving|punish|punishing|bite|biting) myself|"
    r"cut again|cutting again|self harm|self harming|self harmed|selfharm|sh again|sh urges|"
    r"relapsed|fresh cuts|new cuts|my cuts|in cuts|cuts on my|my blade|my blades|a blade|"
    r"the blade|razor blade|razor blades|slit my wrists|slit my wrist|my wrists|urge to|"
    r"urges to|the urges|till they bleed|till it bleeds|until it bleeds|until they bleed|"
    r"made myself bleed|did it again")
# A place to fall or jump from, gone to or stood at (NSPA: a place and a time is a plan).
_PLACE = (
    r"(?:to|on|at|off|from) (?:the|a) (?:bridge|cliff|cliffs|edge|tracks|railway|train line|"
    r"roof|ledge|multi storey|car park roof|top floor|quarry|reservoir|viaduct)")
_HARM = re.compile(rf" (?:(?P<suicide>{_SUICIDE})|(?P<place>{_PLACE})|{_INJURY})(?= )")
# Indirect intent in Samaritans' warning signs (no way out, a burden, giving up, having
# decided, no point in living, giving things away, a plan without its words): said
# by the writer of themselves, these corroborate a text model flag (the model read the message
# as close to suicidal content), never a word list's own severity. "No point" is pointlessness
# of life, not of an errand ("no point going if it rains").
_POINTLESS = (
    r"(?:no|whats the|what is the|dont see the|cant see the|dont see any|cant see any) point "
    r"(?:anymore|any more|in anything|in living|in life|in me|in trying|in being|in any of it|"
    r"of anything|of living|of life|of me|of being|carrying on|going on|in carrying on|"
    r"in going on|to anything|to life|to living|in it all|of it all|tbh|honestly|ngl)|"
    r"(?:no|whats the|what is the) point(?= $)")
_INDIRECT = re.compile(
    rf" (?:{_POINTLESS}|give up|giving up|gave up|cant do this|cant cope|"
    r"cant go on|cant take it|cant take this|done with|had enough|tired of|sick of|"
    r"want out|wanna out|no way out|trapped|a burden|better off|the nerve|the courage|"
    r"made up my mind|decided|go through with it|going through with it|finally doing it|"
    r"finally do it|not worth it|isnt worth it|worth living|hate being alive|"
    r"not here|miss me|wont be around|disappear|vanish|is it for me|its planned|planned it|"
    r"wont need|wont be needing|giving away|give away|"
    # being gone
    r"when im gone|after im gone|once im gone|ill be gone|my last one|my last christmas|"
    r"my last birthday|never hear from me|free of me|"
    # means at hand, a place to fall from
    r"the pills|my pills|the tablets|my tablets|enough tablets|enough pills|the rope|a rope|"
    r"the knife|knife drawer|a belt|the bridge|the edge|the tracks|the platform|top floor|"
    r"the ledge|the roof|"
    # no future, no reason to live, not safe with oneself (Samaritans' warning signs)
    r"dont see a future|cant see a future|no future|dont see myself|cant see myself|"
    r"reason to stay|reason to live|reason for living|nothing left for me|keep living|"
    r"how much longer i can|live or die|if im alive|made my peace|at peace with it|"
    r"not safe|dont feel safe|dont trust myself|cant trust myself|stop myself|"
    r"what i might do|wont bother anyone|not gonna be around|not going to be around|"
    r"wont b around|the thoughts are back|thoughts are back|urges are back|telling me to|"
    r"telling me i should|keep walking|"
    # a plan or means made ready, or taken
    r"before i do it|wont fail again|all planned|got it planned|saving them up|saved up|"
    r"going to do with them|a note|goodbye letters|goodbye letter|what i took|"
    r"on the bridge|on a bridge|motorway bridge|"
    # self-harm said shortly
    r"(?:cut|cutting)(?! (?:it|my hair|hair|my fringe|the|a|an|some|off|out|down|back|them|"
    r"him|her|class|school|ties))|cuts|sh|relapse|burns)(?= )")
# A farewell (Samaritans: goodbyes that sound final, sorry for everything, asking others to
# look after each other or one's pets): beside a text model flag, the writer's even when
# addressed to everyone, unless someone else is its subject. A goodbye or thanks alone is said
# on leaving anything, so it needs a final word with it; a goodbye to a thing ("to my old
# bike") is none.
_FINAL_FAREWELL = (
    r"sorry for everything|sorry to everyone|sorry everyone|nice knowing|"
    r"take care of each other|look after each other|look after my (?:cat|dog|pets|rabbit|hamster)")
_FAREWELL = re.compile(
    rf" (?:{_FINAL_FAREWELL}|goodbye(?! to (?:my|the|this|that|our|a|an) (?!family|friends|mum|"
    r"mam|dad|kids|children|sister|brother|loved ones))|said bye|saying bye|say bye|bye guys|"
    r"bye everyone|bye every1|bye all|thanks for everything|thank you for everything|"
    r"thank u for everything)(?= )")
_FINAL = re.compile(
    rf" (?:{_FINAL_FAREWELL}|forever|for good|for ever|for the last time|last time|final|"
    r"love you all|love u all|dont be sad|dont cry|not your fault|wasnt your fault|not ur fault|"
    r"wasnt ur fault|its time|im done|no more|"
    # affairs put in order
    r"funeral|my will|passwords|instructions)(?= )")
# An ordinary leaving said with the farewell ("off to uni", "see you in a month").
_LEAVING = re.compile(
    r" (?:off to|moving|uni|university|holiday|hols|travelling|new job|retiring|retirement|"
    r"leaving do|see you|see u|catch you|for a while|for a bit|back on|back in|back next|"
    r"till|until)(?= )")
# A question about the means or method of dying or self-harm (NSPA, C-SSRS: ideation with a
# method): how deep, how many, which bridge, the quickest way; about the writer, or "you" in
# general, unless someone else is named.
_METHOD = re.compile(
    r" (?:(?:how (?:deep|many|much|long|high|tall|far)|which|whats the|what is the|"
    r"what happens if|what would happen if)"
    r"(?: [^ ]+){0,8} (?:pills|tablets|paracetamol|meds|medication|insulin|painkillers|"
    r"antidepressants|sertraline|bridge|bridges|building|car park|multi storey|cliff|drop|"
    r"cut|bleed|die|survive|rope|tracks|train)|(?:quickest|fastest|easiest|painless|"
    r"most painless|least painful|best) (?:way|ways|method|methods) to (?:go|die|do it))(?= )")
# A dose asked about for everyday use: a question about medicine, not about means.
_EVERYDAY_DOSE = re.compile(
    r" (?:a day|in a day|per day|in 24 hours|every (?:[^ ]+ )?hours|with food|"
    r"for (?:my |a |the |)(?:period pain|period|periods|headache|head|toothache|tooth|back|"
    r"cold|flu|fever|temperature|cramps)|with (?:ibuprofen|paracetamol))(?= )")
# A word that negates what follows it within two words: "dont die", "not going to die".
_NEGATION = frozenset(("dont", "not", "never", "wont", "didnt", "doesnt", "nobody", "noone",
                       "shouldnt", "without"))
# Past or managed, unless something says it is back now ("used to, and now again"). "Use to"
# is "used to" misspelt, not "what can I use to …". A streak clean does not make a relapse
# past: the relapse ends it.
_PAST = re.compile(
    r" (?:used to|(?<!can i )(?<!could i )(?<!should i )(?<!do i )(?<!would i )use to|"
    r"years ago|when i was younger|when i was little|in recovery|recovered|recovering|"
    r"in (?:19|20)[0-9][0-9]|(?<!since )last year|years back|"
    r"when i was (?:[0-9]+|a teen|at school|a kid)|"
    r"(?P<streak>clean for|clean since|clean of|(?:days|weeks|months|years) clean|havent for|"
    r"havent in)|(?:therapy|counselling|meds|medication) helped)(?= )")
# Managed: in touch with help, anywhere in the message ("relapsed, talking to my counsellor"),
# unless said not to be ("my therapist doesn't know", "no counsellor").
_MANAGED = re.compile(r" (?:counsellor|counselor|therapist|my gp|safety plan|getting help|"
                      r"got help|getting support|crisis team)(?= )")
_NOT_MANAGED = _NEGATION | frozenset(("no", "havent", "hasnt", "cant", "wont"))
_NOW = re.compile(r" (?:again|still|rn|right now|tonight|last night|this morning|lately|"
                  r"these days|at the moment|this week)(?= )")
# A time near at hand.
_SOON = re.compile(
    r" (?:tonight|tonights|tomorrow|tomoro|tmrw|tmr|this weekend|this evening|later today|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|after school|after work|"
    r"after my shift|when everyones asleep|when everyone is asleep|by morning|in an hour|"
    r"in a few hours|the night)(?= )")
# People: "my friend's suicide", "my son cut himself" are theirs, not the writer's.
_PEOPLE_WORDS = """friend friends mate mates bestie son sons daughter daughters brother brothers
sister sisters mum mam mom dad parents nan gran grandad grandma grandpa uncle aunt auntie cousin
cousins kid kids child children boyfriend girlfriend partner husband wife ex teacher pupil
pupils student students client clients neighbour carer carers stepdad stepmum mother father
family mums mams dads nans grans"""
_PEOPLE = frozenset(_PEOPLE_WORDS.split())
# Someone else as the subject: a text model's indirect words are not read as the writer's
# when another person is in the text ("my carer won't give me my tablets").
_PRONOUNS = "he she they him her them his hers their theirs hes shes hed theyd theyll theyre theyve"
_SOMEONE_ELSE = frozenset(_PRONOUNS.split()) | _PEOPLE
# Someone other than the writer: without any of these and without "I", the writer is the
# subject left out, as informal writing does ("might as well end it now", "cutting again").
_GROUP = "we us our everyone someone somebody anyone people"
_THIRD = _SOMEONE_ELSE | frozenset(_GROUP.split())
_YOU = "you u ya ur your yall"
_OTHERS = _THIRD | frozenset(_YOU.split())
# Names of the subject rather than something done: these need the writer's "I" or "my"
# ("assisted suicide is morally acceptable" is about no one in particular), or, said of no
# one, a word of the writer's own mind before them ("thinking about suicide lately").
_TOPICS = frozenset(("suicide", "suicidal", "overdose", "overdosing", "od", "noose",
                     "self harm", "self harming"))
_MINDFUL = frozenset(("thinking", "thinkin", "thought", "thoughts", "think", "considering",
                      "contemplating", "planning", "feel", "feeling", "felt", "attempted",
                      "tempted", "wish", "wished", "wishing", "want", "wanted", "wanna"))
# A state rather than a subject: said of no one with a word of now, it is the writer's
# ("suicidal again, its bad tonight").
_STATES = frozenset(("suicidal", "self harming"))
_SHORT = 15  # words: a longer text with no one named is no longer read as the writer's own
_SCOPE = 6  # words from a past marker to the harm words it tells as past
_NEAR = 4  # words between the first-person word and the harm words, either side
_MODEL_SHORT = 25  # words: a text model flag in a text this short is the writer's anywhere


def reading(normalised: str, model: bool = False) -> str | None:
    """PLAN, CURRENT, PAST or None for one text in `lexicon.normalise` form (padded with
    spaces); `model`: the flag is the text model's, so indirect intent counts as well."""
    now = _NOW.search(normalised) is not None
    words = normalised.split()
    managed = not now and any(_managed(words, normalised.count(" ", 0, m.start()), m)
                              for m in _MANAGED.finditer(normalised))
    # (position, a clean streak) of each past marker
    pasts = [] if now else [(normalised.count(" ", 0, m.start()), m.group("streak") is not None)
                            for m in _PAST.finditer(normalised)]
    # the writer: "I", "me", "my", but not "my" before someone else ("my friend's suicide")
    mine = [k for k, word in enumerate(words) if word in _FIRST_PERSON
            and not (word == "my" and k + 1 < len(words) and words[k + 1] in _PEOPLE)]
    named = _OTHERS.intersection(words)
    unsaid = not mine and len(words) <= _SHORT and not named
    # a model flag on a short text where the writer is the only one named
    anywhere = model and mine and not named and len(words) <= _MODEL_SHORT
    # a question about the means or method, about the writer or anyone in general
    method = (not _THIRD.intersection(words) and not pasts and not managed
              and _METHOD.search(normalised) is not None
              and _EVERYDAY_DOSE.search(normalised) is None)
    indirect = model and not _SOMEONE_ELSE.intersection(words)
    # a farewell beside a text model flag, in a short text about no one else
    farewell = (indirect and len(words) <= _MODEL_SHORT and not pasts and not managed
                and _FAREWELL.search(normalised) is not None
                and _FINAL.search(normalised) is not None
                and _LEAVING.search(normalised) is None)
    if not mine and not unsaid:
        return CURRENT if method or farewell else None
    found = None
    matches = [*_HARM.finditer(normalised), *(_INDIRECT.finditer(normalised) if indirect else ())]
    for match in matches:
        at = normalised.count(" ", 0, match.start())  # its first word's position
        if _NEGATION.intersection(words[max(0, at - 2):at]):
            continue
        last = at + match.group(0).count(" ") - 1
        said = match.group(0).strip()
        if _writers(words, said, at, last, mine, unsaid, anywhere, now):
            relapse = said.startswith("relapse")
            if managed or any(at - _SCOPE <= k <= last + _SCOPE and not (streak and relapse)
                              for k, streak in pasts):
                return PAST
            if (match.re is _HARM and (match.group("suicide") or match.group("place"))
                    and said not in _STATES and _SOON.search(normalised)):
                return PLAN
            found = CURRENT
    return CURRENT if (method or farewell) and found is None else found


def _managed(words: list[str], at: int, match: re.Match) -> bool:
    """Whether a mention of help (words from `at`) says the harm is managed: not when negated
    just before or after ("no counsellor", "my therapist doesnt know")."""
    end = at + match.group(0).count(" ")
    return not _NOT_MANAGED.intersection(words[max(0, at - 2):at] + words[end:end + 2])


def _writers(words: list[str], said: str, at: int, last: int, mine: list[int], unsaid: bool,
             anywhere: bool, now: bool) -> bool:
    """Whether the harm words `said` (words `at`..`last`) are the writer's: said of no one in
    a short text (a topic word only after a word of the writer's mind, or a state with a word
    of now), or near the writer's "I", "me" or "my" with no one else named between (the
    subject's name needs "I" or "my", not "me": "my daughter asked me what suicide means")."""
    topic = said in _TOPICS
    if unsaid:
        return (not topic or (now and said in _STATES)
                or bool(_MINDFUL.intersection(words[max(0, at - 3):at])))
    if anywhere and not topic:
        return True
    for k in mine:
        if topic and words[k] == "me":
            continue
        if at - _NEAR - 1 <= k < at:
            between = words[k + 1:at]
        elif last < k <= last + _NEAR + 1:  # "theyd cut me": the writer is the object
            between = words[max(0, at - 2):k]
        elif at <= k <= last:
            between = []
        else:
            continue
        if not _THIRD.intersection(between):
            return True
    return False
