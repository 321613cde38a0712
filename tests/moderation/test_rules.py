"""Rules: parsing, validation messages that name the line, the safe regex engine, test-a-rule."""

from __future__ import annotations

import json
import time

import pytest

from steward.jobs import run_to_end
from steward.moderation import rulebook, rules
from steward.moderation.rules import MessageFacts, RuleError, RuleSet, parse_rules
from steward.moderation.scan import test_rules_job as rules_over_history


def facts(text: str, **kw) -> MessageFacts:
    base = dict(links=0, domains=(), account_age_days=100.0, prior_posts=50, space="general",
                platform="slack")
    base.update(kw)
    return MessageFacts(text, **base)


def test_example_rules_parse_and_match():
    ruleset = parse_rules(rules.example_rules())
    assert len(ruleset.rules) == 6
    hit = ruleset.match(facts("Work from home, no experience needed!"))
    assert [r.name for r in hit] == ["Money-making offers"]
    assert ruleset.match(facts("See you at the picnic")) == []
    # Whole words only: "homework" is not "work from home".
    assert ruleset.match(facts("homework from home")) == []


def test_conditions_all_have_to_hold():
    ruleset = parse_rules("""
rules:
  - name: New accounts with links on Discord
    min_links: 1
    author_account_age_days_under: 7
    platforms: [discord]
    priority: 4
""")
    rule = ruleset.rules[0]
    young = dict(links=1, domains=("x.org",), account_age_days=2.0, platform="discord")
    assert ruleset.match(facts("look", **young)) == [rule]
    assert ruleset.match(facts("look", **(young | {"platform": "slack"}))) == []
    assert ruleset.match(facts("look", **(young | {"account_age_days": 30.0}))) == []
    assert ruleset.match(facts("look", **(young | {"links": 0}))) == []


def test_domains_include_subdomains():
    ruleset = parse_rules("rules:\n  - name: short links\n    link_domains: [bit.ly]\n")
    assert ruleset.match(facts("x", links=1, domains=("eu.bit.ly",)))
    assert not ruleset.match(facts("x", links=1, domains=("notbit.ly",)))


@pytest.mark.parametrize(("source", "line", "words"), [
    ("rules:\n  - name: a\n    text_includes: [x\n", 4, "not valid YAML"),
    ("rules:\n  - name: a\n    text_include: [spam]\n", 3, "unknown field 'text_include'"),
    ("rulez:\n  - name: a\n", 1, "unknown top-level field"),
    ("rules:\n  - name: a\n    text_regex: '(a)\\1'\n", 3, "back-reference"),
    ("rules:\n  - name: a\n    text_regex: '(?=x)y'\n", 3, "cannot be used"),
    ("rules:\n  - name: a\n    text_regex: '.*'\n", 3, "would match every message"),
    ("rules:\n  - name: a\n    priority: 3\n", 2, "no condition"),
    ("rules:\n  - name: a\n    text_includes: [x]\n    priority: 9\n", 4, "1 (low) to 5"),
    ("rules:\n  - name: a\n    text_includes: [x]\n    action: ban\n", 4, "queue or report"),
    ("rules:\n  - name: a\n    text_includes: [x]\n  - name: A\n    text_includes: [y]\n",
     4, "a second rule"),
    ("rules:\n  - text_includes: [x]\n", 2, "needs a 'name'"),
])
def test_bad_rules_name_the_line_and_problem(source, line, words):
    with pytest.raises(RuleError) as err:
        parse_rules(source, "my-rules.yaml")
    message = str(err.value)
    assert message.startswith(f"my-rules.yaml, line {line}")
    assert words in message


def test_catastrophic_pattern_runs_in_linear_time():
    ruleset = parse_rules("rules:\n  - name: nested\n    text_regex: '(a+)+$'\n")
    start = time.perf_counter()
    assert ruleset.match(facts("a" * 30_000 + "!")) == []
    assert time.perf_counter() - start < 0.5


def test_bad_rules_leave_previous_rules_in_force(workspace):
    rulebook.save_rules(workspace, "rules:\n  - name: keep me\n    text_includes: [casino]\n")
    for bad in ("rules: [", "rules:\n  - name: x\n    colour: red\n",
                "rules:\n  - name: x\n    text_regex: '(x)\\1'\n"):
        with pytest.raises(RuleError):
            rulebook.save_rules(workspace, bad)
    assert [r.name for r in rules.load_rules(workspace).rules] == ["keep me"]


def test_rule_matching_the_whole_history_is_refused(demo_ws):
    everything = "rules:\n  - name: vowels\n    text_regex: '[aeiou]'\n"
    with pytest.raises(RuleError, match="would match every message"):
        rulebook.save_rules(demo_ws, everything)
    assert rules.load_rules(demo_ws).rules == []


def test_test_a_rule_counts_and_samples_stored_history(demo_ws):
    # A phrase from one of the demo's planted spam messages (which ones are planted varies).
    from steward.store.models import Message

    with demo_ws.session() as s:
        text = s.get(Message, demo_ws.get_setting("demo.truth")["spam_messages"][0]).text
    phrase = " ".join(text.split()[:2]).lower()
    source = (f"rules:\n  - name: meds\n    text_includes: [{json.dumps(phrase)}]\n"
              "  - name: never\n    text_includes: [xylophone quartet]\n")
    result = run_to_end(rules_over_history(demo_ws, source, samples=3))
    meds, never = result["rules"]
    assert result["scanned"] > 5000
    assert meds.caught > 0 and len(meds.samples) == min(3, meds.caught)
    assert all(phrase in " ".join(s["text"].split()).lower() for s in meds.samples)
    assert all(s["platform_id"] for s in meds.samples)
    assert never.caught == 0 and never.samples == []
    # Testing does not switch the rule on.
    assert rules.load_rules(demo_ws).rules == []


def test_empty_rules_file_is_no_rules():
    assert len(parse_rules("")) == 0
    assert len(parse_rules("# nothing yet\nrules:\n")) == 0
    assert RuleSet([]).match(facts("anything")) == []
