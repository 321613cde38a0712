"""Promotion, bait and contact signals: each fires on the spam it names, stays quiet on the
everyday look-alike, and reads styled or look-alike letters as plain ones."""

from __future__ import annotations

import pytest

from steward.moderation import heuristics as h
from steward.moderation import signals
from steward.moderation.text import plain, unleet

# What the issue lists of link-free comment spam: a new track or vlog, "a sub would mean a
# lot", "like my video", giveaways to subscribers, chain text and "type amen".
SELF_PROMOTION_AND_CHAIN_TEXT = [
    ("small producer here, just released my new single, go stream it", "promotion"),
    ("my debut mixtape is out now on every platform 🔥", "promotion"),
    ("I make original beats, hit me up if you need one", "promotion"),
    ("go watch my latest vlog pls", "promotion"),
    ("a subscribe would mean a lot to me, trying to grow", "promotion"),
    ("it would mean the world if u gave it a listen", "promotion"),
    ("please like my new video, took me ages", "call_to_action"),
    ("shoutout to everyone who follows me this week", "call_to_action"),
    ("road to 1k subs, every one counts 🙏", "call_to_action"),
    ("please support a small youtuber, new video every friday", "promotion"),
    ("I do YouTube gaming videos, come say hi", "promotion"),
    ("share it to 10 groups or you'll have bad dreams", "bait"),
    ("giving away 3 iPhones to random subscribers this week", "giveaway"),
    ("paste this on 10 other videos or you'll be single forever", "bait"),
    ("if you don't share this your account will be deleted tomorrow", "bait"),
    ("skip this and bad luck will follow you all year", "bait"),
    ("type amen if you believe", "bait"),
]


@pytest.mark.parametrize(("text", "name"), [
    ("Loans approved in an hour, bad credit ok, apply with us", "hard_sell"),
    ("Cheap assignment writing service, native writers, 24h delivery", "hard_sell"),
    ("Get real followers and likes for your page, from £5", "hard_sell"),
    ("Meet local singles tonight, no card needed", "dating"),
    ("Hot girls near you want to chat right now", "dating"),
    ("Your account will be disabled today, verify your login here to keep it", "phishing"),
    ("Enter your seed phrase to sync the wallet", "phishing"),
    ("Message me on WhatsApp for the full plan", "private_contact"),
    ("DM me for prices, I do logos and flyers", "private_contact"),
    ("Hi dear, I came across your profile and you seem kind", "private_contact"),
    *SELF_PROMOTION_AND_CHAIN_TEXT,
])
def test_signal_fires_with_a_reason(text, name):
    found = signals.text_signals(text)
    assert name in found.names
    assert all(found.reasons)


@pytest.mark.parametrize("text", [
    "DM me if you can do a shift at the stall on Saturday",
    "Message me for details of the walk, we meet at the church hall at ten",
    "Can someone explain what a seed phrase is? My son keeps talking about crypto",
    "The food bank's account has been moved to the new bank, details in the newsletter",
    "Lovely to meet everyone at the singles badminton night, same time next week",
    "Our shop has 20% off for volunteers this month, just show your badge",
])
def test_everyday_look_alikes_fire_no_new_signal(text):
    new = {"hard_sell", "dating", "phishing", "private_contact"}
    assert not new & set(signals.text_signals(text).names)


@pytest.mark.parametrize(("text", "name"), [
    ("i invested $1 500 and got a return of $15 500 in 7 days, thank you", "money"),
    ("just received my withdrawal of $40k smoothly", "money"),
    ("all thanks to @emilia_investlife for my first payout", "money"),
    ("Scammed on a crypto site? Our fund recovery service gets your money back", "money"),
    ("i m paying 5 grands to the first (7) people to dm me", "giveaway"),
    ("Launching soon! Follow, RT + drop your $SOL wallet", "giveaway"),
    ("Message me on wa.me/+12134626461 for the stock picks", "private_contact"),
    ("please support my small channel, I post gaming videos", "promotion"),
    ("help me reach 500 subs, thank you all", "call_to_action"),
])
def test_comment_spam_signals(text, name):
    """Investment testimonials, "paying the first N people", wallet drops and channel plugs:
    what the comment sources' spam says that the earlier signals missed."""
    assert name in signals.text_signals(text).names


@pytest.mark.parametrize("text", [
    "The cake sale made a profit of £200, thank you all",
    "Your £10 = £12.50 with Gift Aid",
    "Please support my JustGiving page for the marathon",
    "The drug and alcohol recovery service meets on Tuesdays at the hub",
    "Message #finance for expenses, receipts by Friday",
    "Found a wallet by the hall, I'll drop the wallet at reception",
    "We're giving a free hamper to the first 20 people who sign up",
])
def test_charity_look_alikes_of_comment_spam_fire_nothing(text):
    assert not signals.text_signals(text).names


@pytest.mark.parametrize("text", [
    "Our choir's new single is out now, every penny goes to the hospice",
    "We're giving away free school uniforms to everyone who messages the office",
    "Please share this with your friends, the appeal closes on Friday",
    "If you don't send the form back we can't book your place",
    "It would mean a lot if you came to the coffee morning",
    "Thank you to everyone who follows our page and shares the appeal",
    "The team just posted a new video of the fun run on the website",
    "Can you like and share the appeal post? Every share helps",
    "Say amen to that, what a lovely service this morning",
    "Support small businesses and artists at the Christmas market on Saturday",
    "We're trying to reach 500 volunteers by the summer",
    "Our goal is to reach 1,000 followers on the page by Christmas",
])
def test_charity_look_alikes_of_self_promotion_fire_nothing(text):
    assert not signals.text_signals(text).names


def test_styled_and_look_alike_letters_read_plain():
    assert plain("𝐬𝐮𝐛𝐬𝐜𝐫𝐢𝐛𝐞 to my ｃｈａｎｎｅｌ") == "subscribe to my channel"
    assert plain("ѕubѕсribe") == "subscribe"  # Cyrillic ѕ and с
    assert plain("Caffi'r Cwm, ŵyn bach") == "Caffi'r Cwm, wyn bach"
    assert plain("plain ascii") == "plain ascii"
    styled = signals.text_signals("𝐬𝐮𝐛𝐬𝐜𝐫𝐢𝐛𝐞 to my 𝐜𝐡𝐚𝐧𝐧𝐞𝐥 please")
    assert "call_to_action" in styled.names


def test_a_new_signal_alone_needs_the_model_to_queue():
    """A signal is a reason, not a verdict: one signal on a text the model finds ordinary
    stays under the queue threshold."""
    post = h.PostFacts.of("DM me for prices, I do logos and flyers", None, 1)
    assert "private_contact" in post.signals.names
    assert h.combine(0.05, post, frozenset()).priority == 0
    assert h.combine(0.6, post, frozenset()).priority > 0


def test_the_model_reads_styled_letters_as_plain_ones():
    from steward.moderation.model import seed_model

    p = seed_model().probabilities(["𝐒𝐮𝐛𝐬𝐜𝐫𝐢𝐛𝐞 to my ｃｈａｎｎｅｌ for 𝐟𝐫𝐞𝐞 gift cards",
                                    "Subscribe to my channel for free gift cards"])
    assert abs(p[0] - p[1]) < 1e-6


def test_earlier_held_posts_do_not_hold_an_ordinary_message():
    """One held post must not hold every later "Great news, well done!" from the same member:
    the author's earlier held posts count only when the text shows something of its own."""
    ordinary = h.PostFacts.of("Great news, well done!", 400.0, 500, earlier_held=12)
    assert h.combine(0.36, ordinary, frozenset()).priority == 0
    pitch = h.PostFacts.of("Loans approved in minutes, bad credit ok", 400.0, 500,
                           earlier_held=12)
    held = h.combine(0.36, pitch, frozenset())
    assert held.priority > 0
    assert any("earlier posts by this author" in r for r in held.reasons)


def test_fingerprints_of_a_batch_are_each_texts_fingerprint():
    """The scan folds case and spacing for a whole batch in one go: each text reads as it
    does alone, whatever its edges, letters whose lower case depends on their neighbours
    (final sigma) or white space Python splits on, and texts holding a NUL of their own."""
    import random

    from steward.moderation.text import fingerprint, fingerprints

    rng = random.Random(1)
    alphabet = ["a", "B", " ", "\t", "\n", "Σ", "İ", "\u00a0", "\x1f", "é", "ß", "\u2028", "\x00"]
    batches = [[], [""], ["", ""], ["  Check  OUT my\tchannel ", "\nthanks\n"], ["ΑΣ", "Σα"]]
    batches += [["".join(rng.choice(alphabet) for _ in range(rng.randrange(7)))
                 for _ in range(rng.randrange(1, 6))] for _ in range(2000)]
    for batch in batches:
        assert fingerprints(batch) == [fingerprint(t) for t in batch], batch


@pytest.mark.parametrize(("text", "name"), [
    ("ch3ck 0ut my ch4nnel", "promotion"),
    ("subscr1be to me, new vids every day", "call_to_action"),
    ("fr33 g1ftcard for the first to reply", "giveaway"),
    ("v1sit my pr0file for more", "promotion"),
    ("$ub to me pls, every one counts", "call_to_action"),
    ("fo11ow me for daily tips", "call_to_action"),
    ("3arn m0ney fr0m h0me, ask me how", "money"),
])
def test_leetspeak_spam_fires(text, name):
    """Digits and symbols written for letters read as the letters, and the reason quotes the
    words as written."""
    found = signals.text_signals(text)
    assert name in found.names
    reason = found.reasons[found.names.index(name)]
    assert any(c in reason for c in "01345$"), reason


@pytest.mark.parametrize("text", [
    "ticket £5 for 2 ppl, pay on the door",
    "meet at 5pm in room 4b",
    "text 07700 900123 if you are running late",
    "js2 group meets after lunch",
    "y6 leavers assembly is on the 24th",
    "covid19 update: masks in the hall again",
    "open 24/7, free parking, b4 you come check the map",
    "gr8 work everyone, see you at 10am on the 2nd",
    "email jo@example.org or message @jo, £5 each or 3 for £12",
    "our postcode is LS7 4AB, the mp3 of the talk is on the site",
])
def test_charity_look_alikes_of_leetspeak_stay_as_written(text):
    assert unleet(text) == text
    assert not signals.text_signals(text).names


def test_leetspeak_folding_keeps_length_and_everyday_tokens():
    assert unleet("ch3ck 0ut my ch4nnel, subscr1be") == "check out my channel, subscribe"
    assert unleet("fr33 g1ftcard, v1sit my pr0file, $ub") == "free giftcard, visit my profile, sub"
    assert unleet("drop your $SOL wallet, $500, h2o y2k") == "drop your $SOL wallet, $500, h2o y2k"
    # the words as written still count: "sub4sub" is a signal's own word
    assert "call_to_action" in signals.text_signals("sub4sub anyone? fr33 follows").names


def test_the_scan_reads_leetspeak_folded():
    """The scan's one-pass prescreen over plain ASCII text must hand leetspeak to the signals
    folded (a text that matches no signal as written would otherwise skip them)."""
    from steward.moderation import scan
    from steward.moderation.rules import parse_rules

    matcher = scan._TextMatcher(parse_rules("rules:\n  - name: money\n"
                                            "    text_includes: [earn money]\n"))
    for text in ("ch3ck 0ut my ch4nnel and subscr1be", "meet at 5pm in room 4b",
                 "sub4sub", "thanks!"):
        assert matcher.match(text, ())[1] == signals.text_signals(text), text
    assert set(matcher.match("ch3ck 0ut my ch4nnel and subscr1be", ())[1].names) == {
        "promotion", "call_to_action"}
