"""The queue's stored words (labels, reasons, decision reasons) in the reader's language.

The scan, the heuristics and the text signals store their labels and reasons in English, so a
workspace holds the same rows whatever language it is read in. `shown()` translates one where
it is shown, by its own words or by the template it was written from. Each template below is
the exact shape its producer writes (`tests/moderation/test_reasons.py` holds every reason the
demo's scan writes against them, so a new reason without a template fails there).
"""

from __future__ import annotations

from steward.language import N_, stored

TEMPLATES = (
    # labels (scan.py, author.py)
    N_("Possible spam"), N_("Newcomer to welcome"), N_("Reported on {platform}"),
    N_("Asks to join {space}"), N_("Everything from this author"),
    # behaviour (heuristics.py)
    N_("Link posted by {who} ({n} earlier posts)"), N_("an account {age} old"),
    N_("a new member"), N_("{n} hour"), N_("{n} hours"), N_("{n} day"), N_("{n} days"),
    N_("{n} links: more than the {limit} a new member may post"),
    N_("Links to a blocked domain: {domains}"),
    N_("Same text posted in {n} spaces"),
    N_("Flooding: {n} posts within {minutes} minutes"),
    N_("{n} earlier posts by this author held as possible spam"),
    N_("Mentions {n} people"),
    N_("Same text posted by {n} different members"),
    N_("First post here is promotion"),
    N_("Text reads like spam (model {p})"),
    # wording (signals.py): "<signal>: “<the words>”"
    N_("{signal}: “{words}”"),
    N_("Promotes the poster's own channel, page or profile"),
    N_("Asks people to subscribe, follow or like"),
    N_("Giveaway, prize or free offer"),
    N_("Money, crypto or work-from-home offer"),
    N_("Engagement bait or chain text"),
    N_("Asks people to take it to a private chat or a number"),
    N_("Sales pitch for goods or services"),
    N_("Dating or adult come-on"),
    N_("Account or password scare"),
    N_("Link written to dodge filters"),
    N_("Shortened link hides where it goes: {domains}"),
    # rules, reports, membership requests, newcomers (scan.py)
    N_("Rule {name} (line {line})"),
    N_("Reported on {platform}: {why}"), N_("no reason given"),
    N_("Entry requirements: {requirements}"),
    N_("{members} of {cap} places taken"),
    N_("First post {when} in {space}; nobody has welcomed or answered them yet"),
    N_("today"), N_("{n} days ago"),
    N_("Decided with everything else from this author"),
    # the common decision reasons (queue.COMMON_REASONS) and what an undo records
    N_("Spam"), N_("Breaks the group rules"), N_("Fine as it is"), N_("Off-topic"),
    N_("Duplicate post"), N_("Needs a safeguarding lead"), N_("Undo"),
)
# Fields that are stored words themselves ("an account 3 days old"); the rest are names,
# numbers or quoted text, shown as they are.
NESTED = frozenset({"who", "age", "signal", "why", "when"})


def shown(text: str) -> str:
    """A stored label, reason or decision reason in the reader's language."""
    return stored(text, TEMPLATES, NESTED)
