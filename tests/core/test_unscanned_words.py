"""How the Overview says what no scan has read yet."""

from steward.overview import describe_unscanned


def test_unscanned_counts_in_words():
    assert describe_unscanned({"moderation": 0, "safeguarding": 0}) == ""
    both = describe_unscanned({"moderation": 401_234, "safeguarding": 401_234})
    assert both.startswith("401,234 messages not yet checked by the moderation and "
                           "safeguarding scans")
    one = describe_unscanned({"moderation": 0, "safeguarding": 1})
    assert one.startswith("Not yet checked: 1 message by the safeguarding scan.")
    assert "moderation" not in one
