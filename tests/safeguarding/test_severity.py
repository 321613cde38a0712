"""Severity that ranks right: explicit intent with a plan or time above indirect intent, above
past or managed self-harm, above talk about training, news or policy (which stays low even in a
young people's space); Welsh word lists; look-alikes a lead closed as not a concern stay low."""

from __future__ import annotations

import pytest

from steward import clock
from steward.jobs import run_to_end
from steward.safeguarding import flags, learning
from steward.safeguarding.detectors import Detector
from steward.safeguarding.lexicon import shipped_lexicons
from steward.safeguarding.policy import severity_rank
from steward.safeguarding.scan import scan_job
from steward.safeguarding.textmodel import shipped_model
from steward.store.models import Identity, Message, Person, Source, Space


@pytest.fixture(scope="module")
def detector():
    return Detector(shipped_lexicons(), ["GB"])


def rank(detector, text: str, audience: str = "general", category: str = "self_harm") -> int:
    found = {f.category: f.severity for f in detector.detect(text, audience)}
    return severity_rank(found[category]) if category in found else -1


ORDERED = [  # (more urgent, less urgent), same category
    ("I've written my note", "this homework is killing me"),
    ("off to the quarry on friday, not coming back", "off to the quarry on friday for the dig"),
    ("how many paracetamol would it take to not wake up", "can I take paracetamol with ibuprofen"),
    ("going to end it tonight", "i feel so low lately"),
    ("cut myself again last night", "i used to self harm when i was younger"),
    ("i used to self harm when i was younger", "safeguarding training on self harm next week"),
    ("used to self harm, 6 months clean now", "the film has a self harm scene, trigger warning"),
    ("this is my last post, youll know why tomorrow", "this is my last post before my holiday"),
    ("swallowed 20 of my mums tablets an hour ago", "took two paracetamol for my headache"),
    ("my thighs are a mess again, fresh cuts", "new blades for the lawnmower arrived"),
    ("if my results are bad im ending it all", "off to uni saturday, wont be back till xmas"),
    ("my son keeps talking about killing himself", "my son nearly killed himself laughing at that"),
    # C-SSRS / Samaritans: the writer's own wish to be dead now, said in few words that only the
    # text model notices, above the same words told as past or managed, above idiom
    ("might as well end it now", "i used to want to die but therapy helped a lot"),
    ("everyone hates me i should just die", "years ago i tried to kill myself, im doing ok now"),
    ("lowkey want to be gone", "my phone is gonna die"),
    # a plan: dying or an overdose with a time near at hand, above wanting to die
    ("gonna take all my pills tonight", "i keep wanting to die and i dont know why"),
    # issue 14: self-harm now above self-harm long past
    ("cut again last night", "I used to self harm years ago, 3 years clean"),
    ("relapsed last week after four months clean", "four months clean today"),
]


@pytest.mark.parametrize(("higher", "lower"), ORDERED)
def test_more_urgent_ranks_higher(detector, higher, lower):
    assert rank(detector, higher) > rank(detector, lower), (higher, lower)


def test_plans_and_goodbyes_are_critical(detector):
    for text in ("I've written my note", "going to the bridge tonight, wont be coming back",
                 "how many tablets would it take to die", "going to the bridge tonight"):
        assert rank(detector, text) == severity_rank("critical"), text


@pytest.mark.parametrize("text", [
    "everyone hates me i should just die",
    "lowkey want to be gone",
    "might as well end it now",
    "3 months clean and i cut myself again last night",
])
def test_the_writer_speaking_of_dying_or_harming_themselves_now_is_at_least_high(detector,
                                                                                  text):
    """Samaritans/NSPA: respond promptly to anyone speaking of their own suicidal thoughts or
    self-harm now, however the flag was raised (here the first three by the text model alone,
    at its low level); a young people's space makes it critical."""
    assert rank(detector, text) >= severity_rank("high"), text
    assert rank(detector, text, "young_people") == severity_rank("critical"), text


@pytest.mark.parametrize("text", [
    "suicidal again, its bad tonight",  # a word list's medium, the writer's and now
    "thinking about suicide a lot lately",
    "my therapist doesnt know im hurting myself",  # help that does not know is not managed
    "relapsed last week after four months clean",
])
def test_self_harm_now_said_plainly_is_high_however_the_words_rank_it(detector, text):
    """Samaritans/NSPA: self-harm or suicidal feeling now, with no past or managed marker, is
    high (not a plan: not critical)."""
    assert rank(detector, text) == severity_rank("high"), text


@pytest.mark.parametrize("text", [
    "i used to want to die but therapy helped a lot",
    "years ago i tried to kill myself, im doing ok now",
    "used to think about killing myself every day, two years clean and doing well now",
    "nearly 100 days without hurting myself, proud of that",
    "six weeks clean, talking to my counsellor helps",
])
def test_past_or_managed_self_harm_is_medium(detector, text):
    """Told as past or managed, with nothing saying it is back: medium, even where the words
    alone ("want to die", "kill myself") would be critical."""
    assert rank(detector, text) == severity_rank("medium"), text


@pytest.mark.parametrize("text", [
    "my phone is gonna die",
    "the battery on my laptop is about to die",
    "the plant in my room is about to die lol",
    "honestly might just die if they play that song again",
    "this homework is killing me",
    "dying to see you",
    "took two paracetamol for this headache, hope i dont die lol",
    "when i die i want my ashes scattered at anfield",
    "saying goodbye to my old bike today, sold it",
    "i hate my hair today, cutting it all off",
])
def test_idiom_stays_below_high_even_for_young_people(detector, text):
    for audience in ("general", "young_people"):
        assert rank(detector, text, audience) < severity_rank("high"), (text, audience)


def test_training_news_and_policy_stay_low_even_for_young_people(detector):
    for text in ("We're running safeguarding training on spotting the signs of self harm",
                 "BBC article about grooming on gaming sites is worth a read for volunteers",
                 "Our policy on self harm disclosures is in the handbook",
                 "a training session on recognising self-harm",
                 "leaders please watch for signs of self harm after the exams",
                 "the handbook says any disclosure of self harm goes to the lead",
                 "suicide rates in young men rose again last year",
                 "my little one asked what suicide means, how do i explain it"):
        for audience in ("general", "young_people"):
            found = detector.detect(text, audience)
            assert all(severity_rank(f.severity) <= severity_rank("low") for f in found), (
                text, audience, found)


def test_a_critical_phrase_in_training_talk_is_never_high(detector):
    text = "the carers training covered what to do if someone says they want to kill themselves"
    for audience in ("general", "young_people"):
        found = detector.detect(text, audience)
        assert found and all(severity_rank(f.severity) <= severity_rank("medium")
                             for f in found), (audience, found)


@pytest.mark.parametrize(("text", "category"), [
    ("moving away to uni on saturday and wont be coming back till christmas", "self_harm"),
    ("cant wait to sleep forever this weekend after exams", "self_harm"),
    ("dont tell anyone but im pregnant! telling family at christmas", "grooming"),
    ("my little brother is so annoying ill kill him if he touches my switch again", "abuse"),
    ("we had a talk at school about sexting and nudes and the law", "sexual_content"),
    ("you better not eat my chips or else lol", "bullying"),
    ("i hid the blades from my little brother so he doesnt cut himself", "self_harm"),
    ("the club phone number is 0113 496 0000", "contact_details"),
])
def test_everyday_look_alikes_stay_below_high(detector, text, category):
    for audience in ("general", "young_people"):
        assert rank(detector, text, audience, category) < severity_rank("high"), (text, audience)


@pytest.mark.parametrize(("text", "category"), [
    ("he keeps sending me robux and says i owe him now", "grooming"),
    ("dont tell anyone about us, your mum wouldnt get it", "grooming"),
    ("her grandson has taken over her bank card and her pension", "abuse"),
    ("lad at the car wash gets no wages and the boss has his passport", "abuse"),
    ("if i tell anyone he said hell hurt the dog", "abuse"),
    ("we need more men like breivik", "radicalisation"),
    ("ill post that pic of you everywhere if you dont do what i say", "bullying"),
    ("he wanted me to touch myself on facetime", "sexual_content"),
    ("how many of my heart pills would be too much for me", "self_harm"),
    ("i hid the blades in my room so mum doesnt find them", "self_harm"),
])
def test_guidance_indicators_reach_high(detector, text, category):
    assert rank(detector, text, category=category) >= severity_rank("high"), text


@pytest.mark.parametrize(("text", "category"), [  # round 9 of the lexicons, by concept
    ("ive been googling which car parks have no fences", "self_harm"),
    ("got the tablets counted out on the bed, just need the courage now", "self_harm"),
    ("been picturing my own funeral and i mean it", "self_harm"),
    ("deport the lot of them, theyre all criminals", "radicalisation"),
    ("we need another guy fawkes for westminster", "radicalisation"),
    ("hh88 brothers", "radicalisation"),
    ("he sent a sim for you, only use it to message me he said", "grooming"),
    ("a man online keeps asking me to add him on kik", "grooming"),
    ("dont you dare turn up tomorrow or else", "bullying"),
    ("nobody wants me for their team in pe", "bullying"),
    ("the care worker has his pin and his bank card now", "abuse"),
    ("they keep the men in the back of the car wash and they never get paid", "abuse"),
    ("im in by myself until 9 tonight", "contact_details"),
    ("we live next to the chippy on the corner, number 12", "contact_details"),
    ("the only way out is to end it", "self_harm"),
    ("how many of my antidepressants would kill me", "self_harm"),
    ("they should all be sent back where they came from", "radicalisation"),
    ("hitler had some good ideas tbh", "radicalisation"),
    ("we all voted, youre not in the group chat anymore", "bullying"),
])
def test_guidance_concepts_are_noticed(detector, text, category):
    assert rank(detector, text, category=category) >= severity_rank("low"), text


@pytest.mark.parametrize("text", [
    "i googled which bridges in london have the best views",
    "looked up how high the cliff is for our climbing trip",
    "the tablets are lined up in the dosette box for mum, nurse said tonight",
    "you better not come to practice late tomorrow or else coach will be mad lol",
    "my mum told me to add her on whatsapp",
    "im home alone till 6 so ill finish the essay",
    "the globalist agenda is a conspiracy theory we discuss in the media literacy class",
    "i hate living so far from my friends",
    "the nazis had some good ideas about motorways, said my history teacher",
    "we all voted and decided to leave the group chat for the surprise planning",
    "the only way out of this level is to end it with the boss",
])
def test_their_look_alikes_stay_below_high(detector, text):
    assert all(severity_rank(f.severity) < severity_rank("high")
               for f in detector.detect(text)), text


@pytest.mark.parametrize("text", [
    "we are going to smash you in the final on saturday",
    "ill batter you at the rematch tonight lol",
    "our trainer told us never to promise to keep it secret",
])
def test_competition_talk_and_a_trainers_instructions_stay_below_high_for_young_people(
        detector, text):
    assert all(severity_rank(f.severity) < severity_rank("high")
               for f in detector.detect(text, "young_people")), text


def test_a_real_threat_still_reaches_high(detector):
    assert rank(detector, "im going to smash you after school", category="bullying") >= \
        severity_rank("high")


def test_a_self_harm_model_flag_is_low_or_high_never_medium():
    """Samaritans/NSPA: suicidal content is answered promptly, so the model's self-harm flag
    at the medium budget starts at high (train_model.SELF_HARM_LEVELS)."""
    import numpy as np

    from steward.safeguarding import train_model

    rng = np.random.default_rng(1)
    scores = rng.random((400, len(train_model.CATEGORIES)))
    benign = np.arange(400) < 300
    levels = train_model.choose_thresholds(scores, None, benign)
    assert set(levels["self_harm"]) == {"low", "high"}
    assert levels["self_harm"]["high"] > levels["self_harm"]["low"]
    assert set(levels["abuse"]) == {"low", "medium"}
    model = shipped_model()
    shipped = model.levels[model.categories.index("self_harm")]
    assert {severity for _score, severity in shipped} == {"low", "high"}


def test_public_contact_details_stay_low(detector):
    text = "Box office opens at 6, call 0113 496 0123 for tickets"
    found = {f.category: f.severity for f in detector.detect(text, "young_people", "open")}
    assert found.get("contact_details") == "low"
    own = {f.category: f.severity for f in detector.detect("ring me on 07700 900123 tonight",
                                                           "young_people", "open")}
    assert severity_rank(own["contact_details"]) >= severity_rank("high")


def test_function_words_do_not_raise_flags(detector):
    for text in ("I don't think it will need any outside dependencies",
                 "This message should be reordered", "what should setup.py do?",
                 "I think we just need to wait and see what they say",
                 "+1, I'd come to that."):
        assert not detector.detect(text, "young_people"), text


@pytest.mark.parametrize(("text", "category"), [
    ("dw i eisiau marw", "self_harm"),
    ("dwi wedi bod yn hunan niweidio eto", "self_harm"),
    ("mae dad yn fy nharo i pan mae e wedi meddwi", "abuse"),
    ("ofn mynd adre heno", "abuse"),
    ("dwi'n byw yn 12 Heol y Bont, dere draw", "contact_details"),
])
def test_welsh_word_lists(detector, text, category):
    assert rank(detector, text, category=category) >= severity_rank("low"), text


def test_extremist_codes_and_adult_abuse(detector):
    assert rank(detector, "saint tarrant did nothing wrong", category="radicalisation") >= 2
    assert rank(detector, "1488 brothers", category="radicalisation") >= 2
    assert rank(detector, "her son keeps taking her pension", category="abuse") >= 2
    assert rank(detector, "88 people came to the fun day", category="radicalisation") == -1


def _message(ws, text: str, n: int) -> None:
    now = clock.now()
    with ws.transaction() as s:
        source = s.query(Source).first()
        if source is None:
            source = Source(platform="discord", name="Club", created_at=now)
            s.add(source)
            s.flush()
            person = Person(display_name="Member", created_at=now)
            s.add(person)
            s.flush()
            s.add(Identity(person_id=person.id, source_id=source.id, platform_id="u1"))
            s.add(Space(source_id=source.id, platform_id="c1", name="club", audience="general"))
            s.flush()
        space = s.query(Space).first()
        identity = s.query(Identity).first()
        s.add(Message(source_id=source.id, space_id=space.id, identity_id=identity.id,
                      platform_id=f"m{n}", created_at=now, text=text))


def test_a_look_alike_closed_as_training_material_stays_low_next_time(workspace):
    first = "role play script for the course: he says i cut myself again last night"
    _message(workspace, first, 1)
    run_to_end(scan_job(workspace))
    (flag,) = [f for f in flags.list_flags(workspace) if f.category == "self_harm"]
    assert severity_rank(flag.severity) >= severity_rank("high")
    flags.set_status(workspace, flag.id, "triaged", "")
    flags.close(workspace, flag.id, "no further action", "training material for the course")
    assert learning.learned_look_alikes(workspace)
    _message(workspace, "role play script for the course: she says i cut myself again last "
                        "night", 2)
    _message(workspace, "honestly i cut myself again last night", 3)
    run_to_end(scan_job(workspace))
    severities = {f.excerpt[:12]: f.severity for f in flags.list_flags(workspace)
                  if f.category == "self_harm"}
    assert severities["role play sc"] == "low"
    assert severity_rank(severities["honestly i c"]) >= severity_rank("high")


def test_other_outcomes_teach_nothing(workspace):
    assert not learning.learn_from_close(workspace, 1, "no further action", "already handled")
    assert not learning.learn_from_close(workspace, 1, "referred to the police", "training")
