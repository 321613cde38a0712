"""Moderation rules: a YAML file per workspace, in the spirit of Reddit's AutoModerator.

    rules:
      - name: Money-making spam
        text_includes: [work from home, "earn £"]   # words or phrases, whole words, any case
        text_regex: 'double your (crypto|bitcoin)'  # google-re2 syntax (linear time)
        link_domains: [bit.ly]                      # a link to this domain or a subdomain
        min_links: 2                                # at least this many links
        author_account_age_days_under: 7
        author_posts_under: 5
        spaces: [general]                           # space names
        platforms: [discord, slack]
        action: queue                               # queue (default) or report
        priority: 3                                 # 1 low … 5 urgent
        label: Possible money spam

Conditions are all required (AND); a list inside a condition means any of them (OR). `report`
counts hits in the scan summary without queueing. All text conditions of all rules are compiled
into one google-re2 set, so a scan costs one pass per message, whatever the number of rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import re2
import yaml

from steward.errors import BadInput
from steward.moderation import text as textfacts

SETTING = "moderation.rules_yaml"
ACTIONS = ("queue", "report")
LIST_FIELDS = ("text_includes", "link_domains", "spaces", "platforms")
INT_FIELDS = ("min_links", "author_account_age_days_under", "author_posts_under", "priority")
FIELDS = ("name", "text_regex", "action", "label", "enabled", *LIST_FIELDS, *INT_FIELDS)
CONDITIONS = ("text_includes", "text_regex", "link_domains", "min_links",
              "author_account_age_days_under", "author_posts_under", "spaces", "platforms")
# Strings no sensible rule should match: a rule that matches them would match everything.
EVERYTHING_SAMPLE = 2000
_INNOCENT = ("", " ", "ok", "Thanks!", "See you on Thursday.", "hello everyone")


class RuleError(BadInput):
    """A rules file that cannot be used; names the line and the problem."""


@dataclass(frozen=True)
class Rule:
    name: str
    line: int
    action: str = "queue"
    priority: int = 2
    label: str = ""
    text_includes: tuple[str, ...] = ()
    text_regex: str | None = None
    link_domains: tuple[str, ...] = ()
    min_links: int | None = None
    author_account_age_days_under: int | None = None
    author_posts_under: int | None = None
    spaces: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    enabled: bool = True

    @property
    def text_patterns(self) -> list[str]:
        """The re2 patterns for this rule's text conditions (each must match)."""
        patterns = []
        if self.text_includes:
            words = "|".join(_phrase_pattern(w) for w in self.text_includes)
            patterns.append(f"(?i)(?:^|[^\\w])(?:{words})(?:[^\\w]|$)")
        if self.text_regex:
            patterns.append(self.text_regex)
        return patterns


@dataclass(frozen=True)
class MessageFacts:
    """What a rule can look at for one message."""

    text: str
    links: int
    domains: tuple[str, ...]
    account_age_days: float | None
    prior_posts: int
    space: str
    platform: str


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._active = [r for r in self.rules if r.enabled]
        self._patterns: list[int] = []  # pattern index in the set -> rule index
        self._needs: list[int] = []  # text patterns each rule needs
        self._set = None
        patterns = []
        for i, rule in enumerate(self._active):
            own = rule.text_patterns
            self._needs.append(len(own))
            for p in own:
                self._patterns.append(i)
                patterns.append(p)
        self.patterns = tuple(patterns)  # every text pattern, in set order
        self._textless = any(n == 0 for n in self._needs)
        if patterns:
            self._set = re2.Set.SearchSet(_options())
            for p in patterns:
                self._set.Add(p)
            self._set.Compile()

    def __len__(self) -> int:
        return len(self._active)

    @property
    def needs_every_message(self) -> bool:
        """True when some rule has no text condition, so every message must be checked."""
        return self._textless

    def text_hits(self, text: str) -> tuple[int, ...]:
        """Which text patterns a text meets (one google-re2 pass for all rules)."""
        if self._set is None or not text:
            return ()
        return tuple(self._set.Match(text) or ())

    def match(self, facts: MessageFacts, hits: tuple[int, ...] | None = None) -> list[Rule]:
        """The rules this message meets, in file order. `hits`: `text_hits(facts.text)` if
        already known (a scan works them out once per distinct text)."""
        if not self._active:
            return []
        found = self.text_hits(facts.text) if hits is None else hits
        if not found and not self._textless:
            return []
        met = [0] * len(self._active)
        for k in found:
            met[self._patterns[k]] += 1
        return [
            rule for i, rule in enumerate(self._active)
            if met[i] == self._needs[i] and _other_conditions(rule, facts)
        ]


def _options():
    opts = re2.Options()
    opts.max_mem = 64 << 20
    return opts


def _phrase_pattern(phrase: str) -> str:
    return r"\s+".join(re2.escape(part) for part in phrase.split())


def _other_conditions(rule: Rule, f: MessageFacts) -> bool:
    if rule.min_links is not None and f.links < rule.min_links:
        return False
    if rule.link_domains and not any(
        textfacts.domain_matches(d, listed) for d in f.domains for listed in rule.link_domains
    ):
        return False
    if rule.author_account_age_days_under is not None and (
        f.account_age_days is None or f.account_age_days >= rule.author_account_age_days_under
    ):
        return False
    if rule.author_posts_under is not None and f.prior_posts >= rule.author_posts_under:
        return False
    if rule.spaces and f.space.lower() not in {s.lower() for s in rule.spaces}:
        return False
    return not (rule.platforms and f.platform.lower() not in {p.lower() for p in rule.platforms})


# --- parsing and validation -----------------------------------------------------------------


def parse_rules(source: str, where: str = "rules") -> RuleSet:
    """Parse and check a rules file; raise `RuleError` naming the line and the problem."""
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise RuleError(f"{where}{line}: not valid YAML ({problem})") from None
    if root is None:
        return RuleSet([])
    if not isinstance(root, yaml.MappingNode):
        raise RuleError(f"{where}, line {_line(root)}: expected 'rules:' followed by a list")
    items = None
    for key, value in root.value:
        if key.value != "rules":
            raise RuleError(f"{where}, line {_line(key)}: unknown top-level field "
                            f"{key.value!r} (only 'rules' is allowed)")
        items = value
    if items is None or (isinstance(items, yaml.ScalarNode) and items.value in ("", "null")):
        return RuleSet([])
    if not isinstance(items, yaml.SequenceNode):
        raise RuleError(f"{where}, line {_line(items)}: 'rules' must be a list of rules")
    rules, names = [], set()
    for node in items.value:
        rule = _rule(node, where)
        if rule.name.lower() in names:
            raise RuleError(f"{where}, line {rule.line}: a second rule named {rule.name!r}")
        names.add(rule.name.lower())
        rules.append(rule)
    return RuleSet(rules)


def _line(node) -> int:
    return node.start_mark.line + 1


def _rule(node, where: str) -> Rule:
    line = _line(node)
    if not isinstance(node, yaml.MappingNode):
        raise RuleError(f"{where}, line {line}: each rule must be a set of 'field: value' lines")
    values: dict = {}
    lines: dict = {}
    for key, value in node.value:
        name = key.value
        if name not in FIELDS:
            close = [f for f in FIELDS if f.startswith(name[:4])]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise RuleError(f"{where}, line {_line(key)}: unknown field {name!r}{hint}")
        values[name] = yaml.SafeLoader(yaml.serialize(value)).get_single_data()
        lines[name] = _line(key)
    label = repr(values.get("name")) if values.get("name") else "without a name"
    at = lambda f: f"{where}, line {lines.get(f, line)}: rule {label}"  # noqa: E731

    if not isinstance(values.get("name"), str) or not values["name"].strip():
        raise RuleError(f"{where}, line {line}: a rule needs a 'name'")
    kwargs: dict = {"name": values["name"].strip(), "line": line}
    for f in LIST_FIELDS:
        if f in values:
            v = values[f]
            v = [v] if isinstance(v, str) else v
            if not isinstance(v, list) or not v or not all(
                isinstance(x, str) and x.strip() for x in v
            ):
                raise RuleError(f"{at(f)}: '{f}' must be a word or a list of words")
            kwargs[f] = tuple(x.strip() for x in v)
    for f in INT_FIELDS:
        if f in values:
            v = values[f]
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise RuleError(f"{at(f)}: '{f}' must be a whole number, 0 or more")
            kwargs[f] = v
    if "priority" in kwargs and not 1 <= kwargs["priority"] <= 5:
        raise RuleError(f"{at('priority')}: 'priority' must be 1 (low) to 5 (urgent)")
    if "action" in values:
        if values["action"] not in ACTIONS:
            raise RuleError(f"{at('action')}: 'action' must be queue or report, "
                            f"not {values['action']!r}")
        kwargs["action"] = values["action"]
    if "label" in values:
        if not isinstance(values["label"], str):
            raise RuleError(f"{at('label')}: 'label' must be text")
        kwargs["label"] = values["label"].strip()
    if "enabled" in values:
        if not isinstance(values["enabled"], bool):
            raise RuleError(f"{at('enabled')}: 'enabled' must be true or false")
        kwargs["enabled"] = values["enabled"]
    if "text_regex" in values:
        pattern = values["text_regex"]
        if not isinstance(pattern, str) or not pattern:
            raise RuleError(f"{at('text_regex')}: 'text_regex' must be a pattern in quotes")
        _check_regex(pattern, at("text_regex"))
        kwargs["text_regex"] = pattern
    rule = Rule(**kwargs)
    if not any(getattr(rule, c) not in (None, ()) for c in CONDITIONS):
        raise RuleError(f"{at('name')}: has no condition, so it would match every message")
    if rule.text_patterns and not any(
        getattr(rule, c) not in (None, ()) for c in CONDITIONS if not c.startswith("text_")
    ):
        everything = [s for s in _INNOCENT if all(re2.search(p, s) for p in rule.text_patterns)]
        if everything:
            raise RuleError(f"{at('text_regex' if rule.text_regex else 'text_includes')}: "
                            f"would match every message (it matches {everything[0]!r})")
    return rule


def _check_regex(pattern: str, at: str) -> None:
    try:
        re2.compile(pattern, _options())
    except re2.error as err:
        why = "it uses a feature a safe (linear-time) engine cannot run, such as a " \
              "back-reference or look-around" if _needs_backtracking(pattern) else str(err)
        raise RuleError(f"{at}: 'text_regex' cannot be used: {why}") from None


def _needs_backtracking(pattern: str) -> bool:
    return bool(re.search(r"\\[1-9]|\(\?[=!<]", pattern))


# --- the workspace's rules ------------------------------------------------------------------


def rules_text(ws) -> str:
    """The workspace's rules file (empty when none was saved)."""
    return ws.get_setting(SETTING, "") or ""


def load_rules(ws) -> RuleSet:
    """The rules in force in this workspace."""
    return parse_rules(rules_text(ws))


def example_rules() -> str:
    """The example rules file shipped with Steward."""
    from steward.resources import resource_path

    return resource_path("moderation", "example_rules.yaml").read_text(encoding="utf-8")
