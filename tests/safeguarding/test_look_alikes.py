"""Issue 14: harmless look-alikes raised at high or critical. Each pair is a look-alike of a kind
that reached high (an idiom, a game, an errand, a parent's question, training or fiction) and a
concern that shares its words: the look-alike stays below high in a general and a young
people's space, the concern is still raised in its category, at high or above for young people.
The wording is written for these tests, not taken from a tuning or evaluation set."""

from __future__ import annotations

import pytest

from steward.safeguarding.detectors import Detector
from steward.safeguarding.lexicon import shipped_lexicons
from steward.safeguarding.policy import severity_rank

HIGH = severity_rank("high")

PAIRS = [  # (look-alike, concern sharing its words, the concern's category)
    # a relapse on a diet or habit
    ("totally relapsed on my meal plan, had a takeaway",
     "relapsed last night after three weeks clean, cut again", "self_harm"),
    # acing a test is not a threat
    ("i'm going to smash the interview tomorrow", "im gonna smash you after school tomorrow",
     "bullying"),
    # a hill to die on
    ("i'd die on that hill tbh, ketchup goes in the fridge",
     "i want to die, nothing is getting better", "self_harm"),
    # removed from a group chat
    ("i got kicked when my phone reset, can an admin add me back to the gc",
     "i get kicked every time dad gets drunk", "abuse"),
    # a surprise for a leaving do or retirement
    ("keep it a secret from coach until his retirement do on friday",
     "keep it secret from your mum, this is just between us", "grooming"),
    # a group's message settings
    ("how do i turn off disappearing messages in the team chat",
     "turn on disappearing messages so your parents cant read this", "grooming"),
    # photos of a pet or a bake
    ("can you send a pic of the dog in his new jumper", "send me a pic of you in your pyjamas",
     "grooming"),
    # banter over a board game, a game or update that is trash
    ("you're such a loser at fifa", "ur such a loser nobody likes you", "bullying"),
    ("this new update is trash honestly", "you are trash and everyone hates you",
     "bullying"),
    # an exam failed and kept quiet
    ("dont tell anybody but i totally bombed the french exam",
     "dont tell anyone about our chats, its our secret", "grooming"),
    # a first aid course
    ("our first aid class went through what to do if someone has overdosed",
     "i took an overdose last night", "self_harm"),
    # bare everyday words the lexicons held at medium or above
    ("catch the bus to town at 10?", "i just want to catch the bus tonight, goodbye everyone",
     "self_harm"),
    ("the fire safety plan is on the noticeboard",
     "i used my safety plan last night when the urges got bad", "self_harm"),
    ("ice cubes in the lemonade please", "held an ice cube on my wrist instead of cutting",
     "self_harm"),
    ("no going back now, we've signed the lease", "no going back, tonight's the night, sorry mum",
     "self_harm"),
    ("purged my wardrobe, four bags for the charity shop", "i purged after dinner again",
     "self_harm"),
    ("let the dough rise up in a warm place", "brothers, rise up against the traitors",
     "radicalisation"),
    ("mice and cockroaches in the flat, the council are coming", "migrants are cockroaches",
     "radicalisation"),
    ("space invaders high score!", "the invaders are replacing us", "radicalisation"),
    ("he was threatened with violence by a neighbour, police came",
     "we'll take our country back with violence", "radicalisation"),
    ("the age gap between my girls is two years",
     "dont worry about the age gap, nobody has to know", "grooming"),
    ("can you pick me up from the station", "shes such a pick me, nobody likes her", "bullying"),
    ("we watched lady and the tramp", "shes a tramp and a slag", "bullying"),
    ("he slapped me a high five after the goal", "he slapped me and said it was my fault",
     "abuse"),
    # a fear of spiders or wasps, losing at a game, what nobody likes
    ("im terrified of wasps, one is in my bedroom",
     "im scared of my stepdad, he comes in my room at night", "abuse"),
    ("my sister keeps beating me at chess", "my brother keeps beating me when mum is out",
     "abuse"),
    ("no one likes mushrooms tbh", "nobody likes you, leave the group", "bullying"),
    # knocks from sport, a touch to get attention, a family surprise
    ("my legs are covered in bruises from hockey training",
     "my legs are covered in bruises from where dad kicked me", "abuse"),
    ("he touched my shoulder to get my attention during assembly",
     "he touched my leg under the table and said not to tell", "abuse"),
    ("its our little secret, mums birthday present is hidden in the shed",
     "its our little secret, dont tell your mum we talk", "grooming"),
    # a parent asked what a sexual term means, a sex education lesson
    ("my son asked me what onlyfans is, should i be worried",
     "do you know what porn is? i can show you some", "sexual_content"),
    ("the sex ed videos in year 8 were so cringe",
     "after the sex ed lesson i realised what my uncle does to me is wrong", "abuse"),
    # a secret recipe
    ("this is our secret recipe for flapjacks", "this is our secret, don't tell your parents",
     "grooming"),
    ("the rain ruined everything, the bbq was a washout",
     "you ruined everything, nobody wants you here", "bullying"),
    ("bruises all over from football", "bruises all over my back from where he hit me", "abuse"),
    # medicine as prescribed, hangman, leaving a choir, cutting down on a food
    ("took all my meds with breakfast like the doctor said",
     "took all my tablets last night, i feel really sick and sleepy", "self_harm"),
    ("we played hangman and he drew the noose first",
     "tied the noose to the banister, nobody will care", "self_harm"),
    ("nobody would notice if i left the choir", "nobody would notice if i died", "self_harm"),
    ("cutting carbs till the wedding", "cutting again, it's the only thing that helps",
     "self_harm"),
    # trash talk about a game
    ("youre dead at laser tag on saturday, no mercy",
     "youre dead after school, everyone knows what you did", "bullying"),
    ("watch your back in the rematch lol", "watch your back walking home, we know your route",
     "bullying"),
    # ordinary home life
    ("no food at home so we're doing a tesco run",
     "no food in the house again, mum hasnt been back since friday", "abuse"),
    ("dad locked me out by mistake this morning, sat on the step till nan came",
     "dad locked me out all night in the cold as a punishment", "abuse"),
    ("my stepdad shouts at the telly every match day",
     "my stepdad shouts at me and throws things when he's drunk", "abuse"),
    ("my brother pushed me into the paddling pool lol",
     "my brother pushed me down the stairs last night", "abuse"),
    ("i look after my little brother after school until mum gets home",
     "i have to look after my little brother every night because mum is never home", "abuse"),
    # a question about a supplement's dose
    ("is it possible to overdose on vitamin d? my mum takes two a day",
     "can you overdose on paracetamol? asking for me", "self_harm"),
    # a parent asking whether to let their child use an app
    ("is it ok for my 9 year old to have whatsapp for the school group",
     "do you have snapchat? you're so mature for 11",
     "grooming"),
    # fiction the member is writing
    ("in our fanfic the main character tries to end it all", "i want to end it all",
     "self_harm"),
]


@pytest.fixture(scope="module")
def detector():
    return Detector(shipped_lexicons(), ["GB"])


def _severities(detector, text: str, audience: str) -> dict[str, int]:
    return {f.category: severity_rank(f.severity) for f in detector.detect(text, audience)}


@pytest.mark.parametrize(("look_alike", "concern", "category"), PAIRS)
def test_a_look_alike_stays_below_high_and_its_concern_is_still_raised(
        detector, look_alike, concern, category):
    for audience in ("general", "young_people"):
        found = _severities(detector, look_alike, audience)
        assert all(rank < HIGH for rank in found.values()), (audience, look_alike, found)
    assert category in _severities(detector, concern, "general"), concern
    assert _severities(detector, concern, "young_people").get(category, -1) >= HIGH, concern


def test_a_pets_scratches_are_no_cover_story_and_the_models_lowest_band_is_raised_for_young_people(
        detector):
    """Wrestling a pet into its carrier is quiet, but "the cat did it" is a known cover story for
    self-harm: scratches blamed on a pet are still read by the text model. Its lowest band
    (low) is raised a step in a young people's space like any other finding: that band holds
    real concerns no word list catches, and a child's should not wait three days."""
    assert not detector.detect("tried to put him in the cat carrier and got scratched to bits")
    cover = "i tell everyone the scratches on my arm are from the cat"
    general = {f.category: f for f in detector.detect(cover, "general")}["self_harm"]
    young = {f.category: f for f in detector.detect(cover, "young_people")}["self_harm"]
    assert general.severity == "low" and general.reasons[0].startswith("text model")
    assert young.severity == "medium"
