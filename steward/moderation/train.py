"""Train the seed spam model shipped in `resources/moderation/spam_model.npz`.

    python -m steward.moderation.train [--data DIR] [--out FILE]

Data: the SMS Spam Collection v.1 (Almeida, Gómez Hidalgo, Yamakami, 2011; CC BY 4.0), one
`ham|spam<TAB>text` per line, and `resources/moderation/community_seed.tsv`, a few dozen
hand-written community-style posts in the same form (so the model knows forum spam genres and
ordinary charity chatter, not only SMS). Every fifth SMS message is held out for the quality
test and never trained on. The result is plain arrays in an `.npz` file (no pickle).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from steward.moderation.model import SEED_FILE, SpamModel, _classifier, _vectoriser
from steward.resources import resource_path

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "sms-spam-collection"
HELD_OUT_EVERY = 5
EPOCHS = 30


def load_sms(folder: Path) -> list[tuple[int, str]]:
    """(label, text) pairs, label 1 for spam, from the collection's tab-separated file."""
    return load_labelled(Path(folder) / "SMSSpamCollection")


def load_labelled(path: Path) -> list[tuple[int, str]]:
    """(label, text) pairs from `ham|spam<TAB>text` lines."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        label, _, text = line.partition("\t")
        if number == 1 and label == "Label":
            continue
        if label not in ("ham", "spam") or not text:
            raise ValueError(f"{path}, line {number}: expected ham or spam, a tab, then text")
        rows.append((1 if label == "spam" else 0, text))
    return rows


def split(rows: list[tuple[int, str]]) -> tuple[list, list]:
    """(training, held_out): every fifth message is held out."""
    train = [r for i, r in enumerate(rows) if i % HELD_OUT_EVERY]
    held = [r for i, r in enumerate(rows) if i % HELD_OUT_EVERY == 0]
    return train, held


def train(rows: list[tuple[int, str]]) -> SpamModel:
    """Fit a logistic model on hashed words, spam weighted up to balance the classes."""
    labels = np.array([label for label, _ in rows])
    x = _vectoriser().transform([text for _, text in rows])
    spam_share = labels.mean()
    weights = np.where(labels == 1, 0.5 / spam_share, 0.5 / (1 - spam_share))
    clf = _classifier()
    clf.set_params(max_iter=EPOCHS, tol=None)
    clf.fit(x, labels, sample_weight=weights)
    return SpamModel(clf.coef_.reshape(-1), float(clf.intercept_[0]), float(clf.t_))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=resource_path(*SEED_FILE))
    args = parser.parse_args(argv)
    training, held = split(load_sms(args.data))
    community = load_labelled(resource_path("moderation", "community_seed.tsv"))
    model = train(training + community)
    model.save_file(args.out)
    probs = model.probabilities([t for _, t in held])
    truth = np.array([label for label, _ in held])
    caught = probs >= 0.5
    precision = (caught & (truth == 1)).sum() / max(1, caught.sum())
    recall = (caught & (truth == 1)).sum() / max(1, (truth == 1).sum())
    print(f"trained on {len(training)} SMS and {len(community)} community posts; "
          f"held out {len(held)}: precision {precision:.3f}, recall {recall:.3f}; "
          f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
