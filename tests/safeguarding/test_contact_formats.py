"""Contact details in each written shape (contact_formats.py, detectors.contact_kinds), each
beside the look-alikes of that shape that must stay quiet. Written from the formats (Ofcom's
numbering plan, Royal Mail's postcode format, the ways "@" and "." are spelt out, the apps'
handles and links), not from any evaluation set's lines; the numbers are Ofcom drama numbers."""

from __future__ import annotations

import pytest

from steward.safeguarding.contact_formats import digitised
from steward.safeguarding.detectors import Detector
from steward.safeguarding.lexicon import parse_lexicon, shipped_lexicons
from steward.safeguarding.signposting import default_helplines


@pytest.fixture(scope="module")
def plain():
    """Patterns only: no word list, no text model."""
    return Detector([parse_lexicon("[low]\nplaceholder phrase\n", "contact_details", "t.txt")],
                    ["GB"], [h["number"] for h in default_helplines()], text_model=None)


@pytest.fixture(scope="module")
def shipped():
    return Detector(shipped_lexicons(), ["GB"], [h["number"] for h in default_helplines()],
                    text_model=None)


@pytest.mark.parametrize(("text", "kind"), [
    # UK mobile, Ofcom numbering plan: 07 + 9 digits, grouped 5+6, 4+3+4, 3+3+3+2
    ("text me 07700 900123", "phone number"),
    ("07700900123", "phone number"),
    ("077 009 001 23", "phone number"),
    # the country code in place of the leading 0: +44, 0044, and "(0)" kept in
    ("+44 7700 900123", "phone number"),
    ("0044 7700 900 123", "phone number"),
    ("+44 (0)7700 900123", "phone number"),
    # dots, dashes and brackets between the groups
    ("07700.900.123", "phone number"),
    ("(07700) 900-123", "phone number"),
    # groups split by emoji
    ("07700 📱 900 📱 123", "phone number"),
    # digits spelt out, "double"/"triple", and words mixed with digits
    ("oh seven seven oh oh nine oh oh one two three", "phone number"),
    ("zero seven seven double oh nine double oh one two three", "phone number"),
    ("07seven00 nine00 one23", "phone number"),
    ("07700 nine hundred one two three", "phone number"),
    ("zero seven seven double oh, nine double oh, one two three", "phone number"),  # commas
    ("zero seven 700 900 123", "phone number"),  # two digit words, then digits
    ("0 seven 7 0 0 9 0 0 1 2 3", "phone number"),  # a digit word between digits
    # slashes between the groups; a mobile number split by a word or across two lines
    ("ring me 07700/900/123", "phone number"),
    ("+44/7700/900123", "phone number"),
    ("my number: 07700 then 900123", "phone number"),
    ("my number is 07700\n900123", "phone number"),
    # international numbers with other country codes, grouped with spaces
    ("call me +1 415 555 2671", "phone number"),
    ("my number is +353 87 123 4567", "phone number"),
    # letters standing for digits: O/o for 0, I/l for 1
    ("O77OO 9OO123", "phone number"),
    ("o7700 9oo l23", "phone number"),
    ("O7700 9OOI23", "phone number"),
    # landlines: 01 and 02 geographic numbers
    ("0113 496 0123 is my home phone", "phone number"),
    ("020 7946 0018 thats my house", "phone number"),
    # e-mail with "@" and "." in brackets, words or spaced out
    ("jess(at)hotmail(dot)co(dot)uk", "email address"),
    ("jess [at] outlook [dot] com", "email address"),
    ("jess(@)gmail(.)com", "email address"),
    ("jess22 [@] mysite [.] co [.] uk", "email address"),
    ("jess @ gmail . com", "email address"),
    ("jess_22 @ yahoo.co.uk", "email address"),
    ("jess.smith at gmail dot com", "email address"),
    ("email me at jess22 at gmail", "email address"),
    ("e: jess@gmail", "email address"),  # "@" then a provider, no ".com"
    ("jess at gmail period com", "email address"),
    ("my email is jessrose at icloud", "email address"),
    ("my email is jess at mysite dot co dot uk", "email address"),
    # a space between every letter; "gmail" split or sounded out
    ("j e s s @ g m a i l . c o m", "email address"),
    ("j e s s 2 2 at g m a i l dot c o m", "email address"),
    ("jess at g mail dot com", "email address"),
    ("jess22 at gee mail dot com", "email address"),
    ("email me jess at g mail", "email address"),
    # full-width and styled letters and digits (NFKC folds them)
    ("ｊｅｓｓ＠ｇｍａｉｌ．ｃｏｍ", "email address"),
    ("ring me ０７７００ ９００１２３", "phone number"),
    ("ring me 𝟎𝟕𝟕𝟎𝟎 𝟗𝟎𝟎𝟏𝟐𝟑", "phone number"),
    # handles: the app's name then the handle, with or without a mark between
    ("add me on snap jess_x22", "social handle"),
    ("kik me jess_x", "social handle"),
    ("wickr: jess22", "social handle"),
    ("dm me on insta lily.rose", "social handle"),
    ("telegram @jessr22", "social handle"),
    ("snap 👻 lily_rose22", "social handle"),  # an emoji or arrow between
    ("ig » lily_rose22", "social handle"),
    # the handle before the app's name
    ("@lily.rose on tiktok", "social handle"),
    ("im jess_x22 on snap", "social handle"),
    # "my @ is …", Discord's name#1234 tags and numeric user ids
    ("my @ is jess_22", "social handle"),
    ("my discord is jess#1234", "social handle"),
    ("discord: jess#1234", "social handle"),
    ("discord id 123456789012345678", "social handle"),
    # the apps' own links to a person
    ("snapchat.com/add/jessrose", "social handle"),
    ("t.me/jessr22", "social handle"),
    ("wa.me/447700900123", "social handle"),
    # a profile link with a name of letters only, offered as one's own
    ("add me t.me/lilyrose", "social handle"),
    ("follow me instagram.com/lilyrose", "social handle"),
    ("my tiktok is tiktok.com/@lilyrose", "social handle"),
    # Snapchat's snapcode; an app's name, a colon and a name of letters with only emoji after
    ("my snapcode is lily_rose22", "social handle"),
    ("ig: lilyrose 💕", "social handle"),
    ("discord: lilyrose", "social handle"),
    # house number + name + street type, lower case, the longer street types
    ("flat 3, 22 park view", "street address"),
    ("4 mill rise", "street address"),
    # where someone lives as a house number after a cue
    ("i live at number 14", "street address"),
    ("we live at no. 7", "street address"),
    ("its meadow lane, number 14", "street address"),  # the street first
    ("my house number is 12", "street address"),
    ("our flat is number 4b", "street address"),
    ("we live in the flats above the co-op on the high street, number 7", "street address"),
    # Royal Mail: an outward code alone after "i live in" or "postcode"
    ("i live in LS6", "postcode"),
    ("my postcode is ls6", "postcode"),
    ("postcode: cf10 1aa", "postcode"),
    # a whole postcode run together in lower case
    ("come to ls62qt", "postcode"),
])
def test_each_shape_is_caught(plain, text, kind):
    assert kind in plain.contact_kinds(text)
    found = {f.category for f in plain.detect(text)}
    assert "contact_details" in found  # the quick candidate check lets it through


@pytest.mark.parametrize("text", [
    # prices, times, dates, scores, years, quantities
    "tickets are £7.50 each", "see you at 7:30", "its on 12/05/2025", "the match finished 3-1",
    "back in 2019 we had 120 people", "7 days a week 24 hours", "page 12 to page 45",
    "see you at the o2 on 12 07 2025 at 7 30",  # "o2" is no "02" in a phone number here
    "bank holiday on 25/12 and 26/12, back on 02/01/2026",
    # slashes in dates, prices, fractions, references and links; numbers split by words
    "its on 12/05/2025 at 3pm", "£12.99/£15.99", "ref 0123/456/7890", "fraction 0123/4567",
    "see example.com/0123/456789/0", "between 0930 and 1700", "open 0900 till 1730 daily",
    "one two 300 people", "top three one two 2024", "nil nil 2 1",
    "one, two, three, four, five, six, seven, eight, nine, ten", "thanks @gmail for nothing",
    "we scored 1, 2, 3 then seven, eight, 07700", "discord: great server tonight",
    "we won 3 one 2 in the final", "stop looking at hotmail period and go outside",
    "oh snap 😂 v2.1 is out", "steam 🎮 half_life2 is on sale", "signal 📶 was_bad2day",
    "thanks (@) everyone", "see you (@) 7 (.) bring snacks",
    # order and reference numbers
    "order number 4829301 has shipped", "order #4829301234 arriving", "ref: 0012 3456 7890",
    # digit words that are no number
    "one two three four five six seven eight nine ten",
    "i was born in two thousand and nine", "oh no oh no oh no one more time",
    "double double toil and trouble", "l0l that was 1oo% funny",
    # "at" and "dot" in ordinary sentences
    "look at that", "dot dot dot", "i was at home, dot was there", "at gmail they said no",
    "i'm at gmail every day lol", "sign up at barnardos dot org dot uk",
    # "snap", "insta", "signal", "steam" and "street" as words
    "oh snap i forgot", "that was a snap decision", "we played snap all afternoon",
    "insta noodles for tea again", "my snap streak is 200 days", "signal was bad on the train",
    "the signal is bad at 3 bars", "gain steam. - the article", "the street was so busy",
    "walking down the street", "my insta feed is full of cats", "add me to the group chat",
    # profile links that are no member's own: a brand's, a post, a group; an app with a colon
    # and words after it; spaced letters and "mail" that are no address
    "check instagram.com it's down", "follow barnardos on instagram.com/barnardos",
    "we posted on instagram.com/p/abc123 last week",
    "add me to the group, the link is instagram.com/reels/abc", "sc: great game today",
    "ig: no idea what you mean lol", "the g mail app is down again", "a b c d e f g",
    "i got an A in maths . well done", "b e s t . d a y . e v e r", "hot mail is so old school",
    # styled and full-width text with numbers that are no phone number
    "𝐜𝐡𝐞𝐜𝐤 𝐭𝐡𝐢𝐬 𝐨𝐮𝐭 𝟐𝟎𝟐𝟒", "ｔｉｃｋｅｔｓ £７.５０ ｏｎ １２/０５/２０２５", "see you at ７:３０",
    "𝐬𝐧𝐚𝐩 𝐬𝐭𝐫𝐞𝐚𝐤 𝐢𝐬 𝟐𝟎𝟎 𝐝𝐚𝐲𝐬",
    # "i live in" and "postcode" without a postcode; school years are no postcode
    "i live in hope", "i live in year 9 lol", "my postcode game is strong",
    # numbers before "walk", "view" or "place" that are no address
    "2 mile walk to the shops", "a 5 star view", "came 2nd place", "3 in a row",
    "i live at home with 2 dogs",
    # handles that are not a person's: an e-mail's "@", a tag of a thing
    "i gave my @openclaw a speaker",
    # a version on a platform; a code that is no postcode area's
    "v2.1 on steam", "the update 1.2 is on discord", "my code is ab12cd",
])
def test_look_alikes_stay_quiet(plain, text):
    assert plain.contact_kinds(text) == []


def test_a_channels_bare_link_is_no_offer(plain):
    """A link with a name of letters only is read only after an offer ("add me", "my …"): the
    quick candidate check lets a channel's bare link pass by."""
    assert plain.detect("community testing open now at t.me/antnetworx") == []


@pytest.mark.parametrize("text", [
    "Childline is 0800 1111", "call Samaritans on 116 123", "text SHOUT to 85258",
])
def test_helplines_are_no_member_contact_details(shipped, text):
    assert "contact_details" not in {f.category for f in shipped.detect(text)}


@pytest.mark.parametrize("text", [
    "the office number is 0113 496 0000 if anyone needs it",
    "email info@charity.org.uk for tickets, registered charity 1234567",
    "the venue is at 14 Church Road, bring a packed lunch",  # an event's venue
])
def test_an_organisations_contact_details_stay_low(shipped, text):
    (finding,) = [f for f in shipped.detect(text, "young_people", "open")
                  if f.category == "contact_details"]
    assert finding.severity == "low"


@pytest.mark.parametrize("text", [
    "ychwanega fi ar snap",  # Welsh: "add me on snap"
    "fy nghod post i yw CF10",  # Welsh: "my postcode is"
    "dwi n byw yn y pentref, rhif 4",  # Welsh: "I live in the village, number 4"
    "my wickr is jessrose",
])
def test_cue_phrases_in_the_word_lists(shipped, text):
    assert "contact_details" in {f.category for f in shipped.detect(text)}


@pytest.mark.parametrize("text", ["add me on snap sam_x12", "jake_b [at] example [dot] net"])
def test_a_word_list_ranking_a_contact_detail_higher_stands(shipped, text):
    """The formats name the kind shared (a handle, an e-mail address: low on their own); a word
    list's finding of the same words that ranks higher is kept, with the kind named."""
    found = {f.category: f for f in shipped.detect(text, "general", "closed")}
    finding = found["contact_details"]
    assert finding.severity == "medium"
    assert any(r.startswith("shares a ") for r in finding.reasons)
    assert any("pattern" in r for r in finding.reasons)
    young = {f.category: f for f in shipped.detect(text, "young_people", "closed")}
    assert young["contact_details"].severity == "high"


def test_a_staff_member_sharing_the_office_number_raises_nothing(shipped):
    """Staff and bots: contact details are not looked for (the scan's setting)."""
    assert shipped.detect("ring me at the office on 0113 496 0123", "general", "closed",
                          contact_details=False) == []


@pytest.mark.parametrize(("text", "digits"), [
    ("oh seven seven double oh nine", "0 7 7 00 9"),
    ("O77OO 9OO123", "07700 900123"),
    ("07700 📱 900", "07700 900"),
    ("see you at 7:30, 3-1", "see you at 7:30, 3-1"),  # colons, commas and plain dashes stay
    ("double trouble", "double trouble"),
])
def test_digitised(text, digits):
    assert digitised(text) == digits
