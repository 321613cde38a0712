"""The offline spam text model: hashed words and a linear classifier that keeps learning.

The seed model ships in `resources/moderation/spam_model.npz` (trained by
`python -m steward.moderation.train` on the SMS Spam Collection, CC BY 4.0). Each workspace
then learns from its own moderators' decisions with `SGDClassifier.partial_fit` and keeps its
copy, as plain numbers (never a pickle), in the `moderation.model` setting.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from steward.resources import resource_path

N_FEATURES = 2**18
ALPHA = 1e-5
SETTING = "moderation.model"
SEED_FILE = ("moderation", "spam_model.npz")

_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+/\S*", re.IGNORECASE)
_MONEY = re.compile(r"[£$€]\s?\d[\d,.]*|\d[\d,.]*\s?(?:gbp|usd|eur|pounds|dollars)\b", re.I)
_LONG_NUMBER = re.compile(r"\b\d{5,}\b")
_DIGIT = re.compile(r"\d")


def prepare(text: str) -> str:
    """The words the model reads: links dropped (the heuristics and the block list judge those;
    SMS spam is full of them, so the model would hold every shared link against its poster),
    amounts and long numbers folded into marker words."""
    if "/" in text or "ww." in text or "WW." in text:  # every link has one of these
        text = _LINK.sub(" ", text)
    if _DIGIT.search(text):
        text = _MONEY.sub(" moneytoken ", text)
        text = _LONG_NUMBER.sub(" longnumbertoken ", text)
    return text


def _vectoriser():
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        n_features=N_FEATURES, alternate_sign=False, preprocessor=lambda t: prepare(t).lower(),
        norm="l2", dtype=np.float32,
    )


def _classifier():
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="log_loss", alpha=ALPHA, random_state=0)


class SpamModel:
    """Probability that a text is spam, from a hashed bag of words and a logistic model."""

    def __init__(self, coef: np.ndarray, intercept: float, t: float = 1.0, learned: int = 0):
        self.coef = np.asarray(coef, dtype=np.float64).reshape(-1)
        self.intercept = float(intercept)
        self.t = float(t)
        self.learned = int(learned)  # decisions learned from in this workspace
        self._vec = _vectoriser()

    # --- scoring ---------------------------------------------------------------------------

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Spam probability of each text, vectorised in one batch."""
        if not texts:
            return np.zeros(0)
        x = self._vec.transform(texts)
        z = x @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))

    # --- learning --------------------------------------------------------------------------

    def learn(self, texts: Sequence[str], labels: Sequence[int]) -> None:
        """One incremental step on moderators' decisions (1 = spam, 0 = not spam)."""
        if not texts:
            return
        clf = _classifier()
        clf.classes_ = np.array([0, 1])
        clf.coef_ = self.coef.reshape(1, -1).copy()
        clf.intercept_ = np.array([self.intercept])
        clf.t_ = self.t
        clf.n_features_in_ = N_FEATURES
        clf.partial_fit(self._vec.transform(texts).astype(np.float64), np.asarray(labels))
        self.coef = clf.coef_.reshape(-1)
        self.intercept = float(clf.intercept_[0])
        self.t = float(clf.t_)
        self.learned += len(texts)

    # --- keeping it -------------------------------------------------------------------------

    def to_setting(self) -> dict:
        """Plain numbers for the workspace settings: only the non-zero weights."""
        idx = np.flatnonzero(self.coef)
        return {
            "version": 1, "n_features": N_FEATURES, "intercept": self.intercept, "t": self.t,
            "learned": self.learned, "index": idx.tolist(),
            "weight": [round(float(v), 6) for v in self.coef[idx]],
        }

    @classmethod
    def from_setting(cls, value: dict) -> SpamModel:
        if value.get("version") != 1 or value.get("n_features") != N_FEATURES:
            raise ValueError("the stored spam model has an unknown format")
        coef = np.zeros(N_FEATURES)
        coef[np.asarray(value["index"], dtype=np.int64)] = value["weight"]
        return cls(coef, value["intercept"], value.get("t", 1.0), value.get("learned", 0))

    def save_file(self, path) -> None:
        idx = np.flatnonzero(self.coef).astype(np.int32)
        np.savez_compressed(
            path, index=idx, weight=self.coef[idx].astype(np.float32),
            intercept=np.array([self.intercept]), t=np.array([self.t]),
            n_features=np.array([N_FEATURES]),
        )

    @classmethod
    def load_file(cls, path) -> SpamModel:
        with np.load(path, allow_pickle=False) as data:
            if int(data["n_features"][0]) != N_FEATURES:
                raise ValueError(f"{path}: the model was trained with another feature size")
            coef = np.zeros(N_FEATURES)
            coef[data["index"]] = data["weight"]
            return cls(coef, float(data["intercept"][0]), float(data["t"][0]))


def seed_model() -> SpamModel:
    """The model shipped with Steward."""
    return SpamModel.load_file(resource_path(*SEED_FILE))


def workspace_model(ws) -> SpamModel:
    """This workspace's model: the seed plus what it has learned from decisions here."""
    stored = ws.get_setting(SETTING)
    if stored:
        return SpamModel.from_setting(stored)
    return seed_model()


def save_workspace_model(ws, model: SpamModel) -> None:
    ws.set_setting(SETTING, model.to_setting())
