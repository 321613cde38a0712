"""Detection quality on the safeguarding sets in `tests/eval/safeguarding*/`, against floors in
the committed `quality_baseline.json`. `safeguarding` and `safeguarding_fresh` have been tuned on
since 2026-12-02 and are regression sets; any other set there is an evaluation set.

A floor may be raised, never lowered: `test_baseline_floors_never_move_down` compares every
committed version of the baseline with the one after it (and the working copy with the last
commit). A quality drop is fixed, or stated — not absorbed: a figure below its floor must be
listed under "known_below" in the baseline with what was measured and why (and said in the
README); the floor itself stays, and once the figure is back the entry must go.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.safeguarding.eval_sets import ROOT, eval_files, evaluate, report

BASELINE = Path(__file__).with_name("quality_baseline.json")


def _baseline() -> dict:
    return json.loads(BASELINE.read_text(encoding="utf-8"))["sets"]


def _cases():
    return [(path, audience) for path in eval_files()
            for audience in _baseline().get(path.parent.name, {})]


def test_every_evaluation_set_has_floors():
    assert {p.parent.name for p in eval_files()} <= set(_baseline())


def _known_below() -> dict:
    return json.loads(BASELINE.read_text(encoding="utf-8")).get("known_below", {})


# Sets that have been tuned on (2026-12-02; tests/eval/README.md): their figures guard against
# regressions only. Any other set here is an evaluation set nobody tuned on.
TUNING_SETS = ("safeguarding", "safeguarding_fresh")


@pytest.mark.parametrize(("path", "audience"),
                         [c for c in _cases() if c[0].parent.name in TUNING_SETS],
                         ids=lambda v: v.parent.name if isinstance(v, Path) else v)
def test_tuning_set_regression_meets_its_floors(path, audience):
    _meets_its_floors(path, audience)


@pytest.mark.parametrize(("path", "audience"),
                         [c for c in _cases() if c[0].parent.name not in TUNING_SETS],
                         ids=lambda v: v.parent.name if isinstance(v, Path) else v)
def test_evaluation_set_meets_its_floors(path, audience):
    _meets_its_floors(path, audience)


def _meets_its_floors(path, audience):
    name = path.parent.name
    floors = _baseline()[name][audience]
    figures = evaluate(path, audience)
    print("\n" + report(figures, f"{name}, {audience} space"))
    below = {}
    for kind, measure in (("recall", figures.recall), ("high_share", figures.high_share)):
        for category, floor in floors[kind].items():
            if measure(category) < floor:
                below[f"{name}/{audience}/{kind}/{category}"] = (round(measure(category), 3),
                                                                 floor)
    if figures.lookalike_high_share() > floors["lookalikes_high_share_max"]:
        below[f"{name}/{audience}/lookalikes_high_share"] = (
            round(figures.lookalike_high_share(), 4), floors["lookalikes_high_share_max"])
    known = {k for k in _known_below() if k.startswith(f"{name}/{audience}/")}
    assert set(below) <= known, f"below its floor and not stated: {below}"
    assert known <= set(below), f"back at its floor: remove from known_below: {known - set(below)}"


def _versions() -> list[dict]:
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    name = str(BASELINE.relative_to(ROOT))
    commits = subprocess.run([git, "log", "--format=%H", "--reverse", "--", name], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    versions = [json.loads(subprocess.run([git, "show", f"{c}:{name}"], cwd=ROOT,
                                          capture_output=True, text=True, check=True).stdout)
                for c in commits]
    return [*versions, json.loads(BASELINE.read_text(encoding="utf-8"))]


def lowered(old: dict, new: dict) -> list[str]:
    """Every floor of `old` that `new` lowers (or drops), and every ceiling it raises."""
    out = []
    for name, audiences in old["sets"].items():
        for audience, floors in audiences.items():
            mine = new["sets"].get(name, {}).get(audience)
            if mine is None:
                out.append(f"{name}/{audience} dropped")
                continue
            for kind in ("recall", "high_share"):
                for category, floor in floors[kind].items():
                    if mine[kind].get(category, -1) < floor:
                        out.append(f"{name}/{audience} {kind} {category}")
            if mine["lookalikes_high_share_max"] > floors["lookalikes_high_share_max"]:
                out.append(f"{name}/{audience} look-alikes")
    return out


def test_baseline_floors_never_move_down():
    versions = _versions()
    for old, new in zip(versions, versions[1:], strict=False):
        assert not lowered(old, new)


def test_the_never_lower_check_works():
    base = json.loads(BASELINE.read_text(encoding="utf-8"))
    worse = json.loads(json.dumps(base))
    name, audiences = next(iter(worse["sets"].items()))
    floors = next(iter(audiences.values()))
    category = next(iter(floors["recall"]))
    floors["recall"][category] -= 0.01
    floors["lookalikes_high_share_max"] += 0.01
    assert len(lowered(base, worse)) == 2 and not lowered(worse, base)
