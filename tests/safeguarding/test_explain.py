"""A flag's reasons in plain English, the pattern kept apart."""

from steward.safeguarding.explain import Reason, explain


def test_reasons_in_plain_english():
    reasons = ["“dont want to be here anymore” (pattern “{dont|do not} want to {be here "
               "anymore|live}”)",
               "text model: close to messages about suicide or self-harm, score 0.83 "
               "(words: “hopeless”, “tired”)",
               "posted in a young people space"]
    assert explain("self_harm", reasons) == [
        Reason("The words “dont want to be here anymore”: a sign of suicide or self-harm",
               "{dont|do not} want to {be here anymore|live}"),
        Reason("Reads like messages about suicide or self-harm (how close, from 0 to 1: "
               "0.83); the words that weighed most: “hopeless”, “tired”"),
        Reason("Posted in a young people space"),
    ]


def test_the_same_words_matched_by_several_patterns_read_as_one_reason():
    reasons = ["“better off without me” (pattern “{better|best} off without me”)",
               "“everyone would be better off without me” (pattern “everyone would be "
               "{better|best} off without me”)",
               "“better off without me” (pattern “{be|being} better off without me”)",
               "“better off without me” (pattern “{better|best} off without me”)"]
    assert explain("self_harm", reasons) == [
        Reason("The words “better off without me”: a sign of suicide or self-harm",
               "{better|best} off without me; {be|being} better off without me"),
        Reason("The words “everyone would be better off without me”: a sign of suicide or "
               "self-harm", "everyone would be {better|best} off without me"),
    ]
