"""Duplicate matching: the labelled regression set, the demo's planted pairs, reasons, rules,
the command line. (Quality on data from outside the project: test_febrl.py.)"""

import json
import random

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


def test_regression_labelled_set_default_rules(labelled):
    """The labelled set was written together with the matcher, so it guards against breaking
    what was built; it is not a quality figure (FEBRL is, in test_febrl.py)."""
    precision, recall = _quality(matching.DEFAULT_PRESET, labelled)
    print(f"standard: precision {precision:.3f} recall {recall:.3f}")
    assert precision >= 0.95 and recall >= 0.95


def test_regression_labelled_set_presets_trade_precision_for_recall(labelled):
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
    assert score >= 10  # log2 odds: over a thousand to one
    assert reasons[0].startswith("same phone (+")
    assert any(r.startswith("nickname pair Robert/Bob (+") for r in reasons)
    swapped = matching.MatchRecord(3)
    swapped.add_name("Smith Robert")
    _score, reasons = matching.score_pair(a, swapped, matching.preset("standard"))
    assert reasons[0] == "first and last names swapped"
    other = matching.MatchRecord(4)
    other.add_parts("Robert", "Smith")
    other.add_details(date_of_birth="1980-03-04", postcode="LS6 1AA")
    twin = matching.MatchRecord(5)
    twin.add_parts("Robert", "Smith")
    twin.add_details(date_of_birth="1980-04-03", postcode="LS6 2BB")
    _score, reasons = matching.score_pair(other, twin, matching.preset("standard"))
    assert any(r.startswith("dates of birth close (day and month swapped") for r in reasons)
    assert any(r.startswith("postcodes close") for r in reasons)


def test_linkage_uses_every_field_and_names_what_disagrees():
    people = []
    for key, (first, last, dob, postcode) in enumerate([
        ("Asha", "Patel", "1985-04-03", "LS6 1AA"), ("Asha", "Patell", "1985-04-03", "LS61AA"),
        ("Asha", "Patel", "1962-11-20", "YO1 7HH"), ("Tom", "Hughes", "1990-12-31", "YO1 7HH"),
    ]):
        rec = matching.MatchRecord(key, display_name=f"{first} {last}")
        rec.add_parts(first, last)
        rec.add_details(postcode, dob)
        people.append(rec)
    rng = random.Random(3)
    firsts = [
        "Olivia", "Noah", "Amelia", "Leo", "Isla", "Oscar", "Ava", "Arthur", "Mia", "Harry",
        "Ivy", "Jack", "Freya", "Theo", "Lily", "George", "Grace", "Henry", "Ella", "Muhammad",
    ]
    lasts = [
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
        "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
        "Wood", "Jackson", "Clarke", "Khan", "Begum", "Ali", "Shah", "Ahmed", "Okafor", "Nowak",
        "Kowalski", "Murphy", "Kelly",
    ]
    for key in range(4, 300):  # a workspace's worth of other people to learn from
        rec = matching.MatchRecord(key)
        rec.add_parts(rng.choice(firsts), rng.choice(lasts))
        rec.add_details(f"AB{key % 50} 1CD", f"19{50 + key % 50}-{1 + key % 12:02d}-"
                        f"{1 + key % 28:02d}")
        people.append(rec)
    result = matching.match_records(people, matching.preset("broad"))
    pairs = {frozenset((c.person_a, c.person_b)): c for c in result.candidates}
    assert frozenset((0, 1)) in pairs
    best = pairs[frozenset((0, 1))]
    assert set(best.agreeing) >= {"first_name", "last_name", "date_of_birth", "postcode"}
    assert frozenset((0, 2)) not in pairs  # same name, another date of birth and postcode
    assert result.weights["fields"]["date_of_birth"]["agrees"] > 5


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
    assert all(c.reasons and c.probability >= 0.5 for c in result.candidates)


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
    assert matching.preset("standard").method == "linkage"
    with pytest.raises(BadInput, match="between 0 and 1"):
        matching.rules_from_dict({"method": "linkage", "threshold": 3})
    linkage_rules = matching.rules_from_dict({"method": "linkage", "threshold": 0.7})
    matching.save_rules(workspace, linkage_rules)
    assert matching.current_rules(workspace) == linkage_rules


def test_duplicates_command_json(demo_path, capsys, monkeypatch):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    assert main(["duplicates", "--json", "--workspace", str(demo_path)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {"person_a", "person_b", "score", "probability", "reasons", "agreeing",
                     "disagreeing"} <= set(rows[0])
    assert rows == sorted(rows, key=lambda r: -r["score"])
    for side in ("identities_a", "identities_b"):
        assert all(set(i) == {"identity", "source", "id"} and i["id"] for i in rows[0][side])
    assert main(["duplicates", "--limit", "3", "--workspace", str(demo_path)]) == 0
    said = capsys.readouterr().out
    assert "Weights learned on this workspace (agrees/differs): " in said and "phone +" in said
    assert main(["duplicates", "--preset", "nope", "--workspace", str(demo_path)]) == 2
    assert "no matching preset" in capsys.readouterr().err


def test_match_strength_reads_the_chance_or_the_rules_total():
    from steward.hygiene.matching import DuplicateCandidate, match_strength

    def pair(score, chance=None):
        return DuplicateCandidate(1, 2, score, (), probability=chance)

    assert [match_strength(pair(9, c)) for c in (0.99, 0.95, 0.9, 0.8, 0.5)] == [
        "strong", "strong", "likely", "likely", "possible"]
    assert [match_strength(pair(s), threshold=10) for s in (25, 20, 15, 12)] == [
        "strong", "strong", "likely", "possible"]
