"""Duplicate matching: quality on the labelled set, the demo's planted pairs, rules, CLI."""

import json

import pytest

from steward.cli import main
from steward.errors import BadInput
from steward.hygiene import matching
from steward.hygiene.merge import mark_not_same
from steward.hygiene.names import are_nicknames, parse_name
from steward.jobs import run_to_end
from tests.conftest import PASSPHRASE
from tests.hygiene.labelled_set import build


def _quality(preset_name: str, labelled) -> tuple[float, float]:
    result = matching.match_records(labelled.records, matching.preset(preset_name))
    found = {frozenset((c.person_a, c.person_b)) for c in result.candidates}
    hits = len(found & labelled.true_pairs)
    return hits / len(found), hits / len(labelled.true_pairs)


@pytest.fixture(scope="module")
def labelled():
    return build()


def test_labelled_set_is_deterministic_and_corrupted(labelled):
    again = build()
    assert again.true_pairs == labelled.true_pairs
    assert [r.names for r in again.records] == [r.names for r in labelled.records]
    for kind in ("nickname, no email", "first and last names swapped",
                 "typo in surname, phone in another format", "household (not a duplicate)"):
        assert labelled.kinds.get(kind, 0) > 0
    assert len(labelled.true_pairs) > 200


def test_default_rules_precision_and_recall(labelled):
    precision, recall = _quality(matching.DEFAULT_PRESET, labelled)
    print(f"standard: precision {precision:.3f} recall {recall:.3f}")
    assert precision >= 0.95 and recall >= 0.95


def test_presets_trade_precision_for_recall(labelled):
    strict = _quality("strict", labelled)
    standard = _quality("standard", labelled)
    broad = _quality("broad", labelled)
    print(f"strict {strict}, broad {broad}")
    assert strict[0] >= standard[0] >= broad[0]
    assert strict[1] <= standard[1] <= broad[1]


def test_reasons_name_the_evidence():
    a, b = matching.MatchRecord(1), matching.MatchRecord(2)
    a.add_name("Robert Smith")
    b.add_name("Bob Smith")
    a.phones.add("+447700900123")
    b.phones.add("+447700900123")
    score, reasons = matching.score_pair(a, b, matching.preset("standard"))
    assert score >= 20
    assert "same phone" in reasons and "nickname pair Robert/Bob" in reasons
    swapped = matching.MatchRecord(3)
    swapped.add_name("Smith Robert")
    _score, reasons = matching.score_pair(a, swapped, matching.preset("standard"))
    assert reasons == ["first and last names swapped"]


def test_household_members_are_not_proposed():
    parent, child = matching.MatchRecord(1), matching.MatchRecord(2)
    parent.add_name("Sarah Khan")
    child.add_name("Yusuf Khan")
    parent.phones.add("+441134960000")
    child.phones.add("+441134960000")
    result = matching.match_records([parent, child], matching.preset("standard"))
    assert result.candidates == []


def test_names_in_any_script():
    assert parse_name("محمد الأحمد").first == "محمد"
    assert parse_name("王小明") == parse_name("王小明 ")
    assert parse_name("Zoë Chen 🌻").first == "zoe"
    assert parse_name("olivia123") is None and parse_name("🌻🌻") is None
    assert are_nicknames("bob", "robert") and not are_nicknames("bob", "william")
    a, b = matching.MatchRecord(1), matching.MatchRecord(2)
    a.add_name("王小明")
    b.add_name("王小明")
    a.emails.add("wang@example.org")
    b.emails.add("wang@example.org")
    assert matching.match_records([a, b], matching.preset("standard")).candidates


def test_demo_planted_duplicates_are_found(demo_ws):
    truth = {frozenset(pair) for pair in demo_ws.get_setting("demo.truth")["duplicates"]}
    result = run_to_end(matching.find_duplicates(demo_ws))
    found = {frozenset((c.person_a, c.person_b)) for c in result.candidates}
    assert truth and truth <= found
    assert all(c.reasons and c.score >= 10 for c in result.candidates)


def test_not_same_person_is_remembered(demo_ws):
    a, b = demo_ws.get_setting("demo.truth")["duplicates"][0]
    mark_not_same(demo_ws, a, b)
    result = run_to_end(matching.find_duplicates(demo_ws))
    assert frozenset((a, b)) not in {frozenset((c.person_a, c.person_b))
                                     for c in result.candidates}
    with pytest.raises(BadInput, match="themself"):
        mark_not_same(demo_ws, a, a)


def test_rules_are_editable_and_checked(workspace):
    assert matching.current_rules(workspace).name == "standard"
    matching.save_rules(workspace, "broad")
    assert matching.current_rules(workspace).threshold == matching.preset("broad").threshold
    custom = matching.rules_from_dict({"threshold": 12, "rules": [
        {"field": "email", "weight": 12}, {"field": "last_name", "weight": 2}]})
    matching.save_rules(workspace, custom)
    assert matching.current_rules(workspace) == matching.rules_from_dict(custom.as_dict())
    for bad, message in (
        ({"rules": []}, "threshold"),
        ({"threshold": 5, "rules": [{"field": "shoe_size", "weight": 1}]}, "field"),
        ({"threshold": 5, "rules": [{"field": "email", "weight": "ten"}]}, "weight"),
        ({"threshold": 5, "rules": [{"field": "email", "weight": 1, "similarity": 3}]},
         "similarity"),
    ):
        with pytest.raises(BadInput, match=message):
            matching.rules_from_dict(bad)
    with pytest.raises(BadInput, match="no matching preset"):
        matching.preset("loose")


def test_duplicates_command_json(demo_path, capsys, monkeypatch):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    assert main(["duplicates", "--json", "--workspace", str(demo_path)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {"person_a", "person_b", "score", "reasons"} <= set(rows[0])
    assert rows == sorted(rows, key=lambda r: -r["score"])
    assert main(["duplicates", "--preset", "nope", "--workspace", str(demo_path)]) == 2
    assert "no matching preset" in capsys.readouterr().err
