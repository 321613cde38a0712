"""Switching on a new rules file for the workspace.

A new file is tried on the recent messages first (a rule that would catch nearly all of them is
refused), so this sits above both the rules language (`rules`) and the scan that gathers what
rules see (`scan`).
"""

from __future__ import annotations

from steward.moderation.rules import EVERYTHING_SAMPLE, SETTING, RuleError, RuleSet, parse_rules
from steward.moderation.scan import recent_facts
from steward.store import audit
from steward.store.models import Setting


def save_rules(ws, source: str, where: str = "rules") -> RuleSet:
    """Check and switch on a new rules file. On any problem the previous rules stay in force.

    Besides the file's own checks, a rule that catches nearly all of the recent history is
    refused: it would flood the queue.
    """
    ruleset = parse_rules(source, where)
    sample = recent_facts(ws, EVERYTHING_SAMPLE)
    if len(sample) >= 50:
        for rule in ruleset.rules:
            one = RuleSet([rule])
            caught = sum(1 for f in sample if one.match(f))
            if caught >= 0.95 * len(sample):
                raise RuleError(f"{where}, line {rule.line}: rule {rule.name!r} would match "
                                f"every message ({caught} of the last {len(sample)})")
    with ws.transaction() as s:
        s.merge(Setting(key=SETTING, value=source))
        audit.record(s, ws.actor, "moderation.rules_saved", None, None, rules=len(ruleset))
    return ruleset
