"""The offline spam text model: hashed word and character n-grams and a calibrated linear model,
plus what this workspace has learnt from its own moderators.

The seed model ships in `resources/moderation/spam_model.npz` (trained by
`python -m steward.moderation.train` on the corpora named in resources/moderation/README.md):
logistic-regression weights over `features.N_FEATURES` hashed n-grams, a sigmoid calibration
(a, b) and, in a model trained with `--dense-scale`, weights `v` over the text's embedding `e`
(`steward.embedding`; the shipped model has none, see resources/moderation/README.md), so
`p = 1 / (1 + exp(-(a * (w·x + v·e + c) + b)))` is a probability.

Each workspace adds its own layer on top: weights over the same n-grams and a bias, learnt
online from its moderators' remove/approve decisions (a "not spam" decision lowers the score
of texts that share its words and character n-grams). The layer is stored as plain numbers
(never a pickle) in the workspace's `moderation.model` setting and never leaves the workspace.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from steward.moderation import features
from steward.resources import resource_path

N_FEATURES = features.N_FEATURES
SETTING = "moderation.model"
SEED_FILE = ("moderation", "spam_model.npz")
LAYER_VERSION = 2
LEARNING_RATE = 1.0
EPOCHS = 3
L2 = 1e-4
BIAS_RATE = 0.0  # decided items are a selected sample: their share of spam says little

_seed_cache: dict[str, tuple] = {}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


class SpamModel:
    """Probability that a text is spam: the seed model plus this workspace's layer."""

    def __init__(self, coef: np.ndarray, intercept: float, a: float = 1.0, b: float = 0.0,
                 layer: np.ndarray | None = None, layer_bias: float = 0.0, learned: int = 0,
                 dense: np.ndarray | None = None):
        self.coef = np.asarray(coef, dtype=np.float32).reshape(-1)  # seed weights (shared)
        # seed weights over the sentence embedding (None: a model without them)
        self.dense = None if dense is None else np.asarray(dense, np.float32).reshape(-1)
        self.intercept, self.a, self.b = float(intercept), float(a), float(b)
        self.layer = np.zeros(N_FEATURES, np.float32) if layer is None else layer
        self.layer_bias = float(layer_bias)
        self.learned = int(learned)  # decisions learnt from in this workspace
        self._weights: np.ndarray | None = None

    # --- scoring ---------------------------------------------------------------------------

    def _effective(self) -> np.ndarray:
        if self._weights is None:
            self._weights = (self.a * self.coef + self.layer).astype(np.float32)
        return self._weights

    @property
    def bias(self) -> float:
        return self.a * self.intercept + self.b + self.layer_bias

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros(0)
        return features.linear(texts, self._effective()) + self._dense_logits(texts) + self.bias

    def _dense_logits(self, texts: Sequence[str]) -> np.ndarray | float:
        """a * v·e for each text (0 for a model without embedding weights)."""
        if self.dense is None:
            return 0.0
        from steward import embedding

        return embedding.embed(texts).astype(np.float64) @ (self.a * self.dense.astype(np.float64))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Spam probability of each text, the whole batch at once."""
        return _sigmoid(self.logits(texts))

    # --- learning --------------------------------------------------------------------------

    def learn(self, texts: Sequence[str], labels: Sequence[int]) -> None:
        """Online logistic steps on moderators' decisions (1 = spam, 0 = not spam), applied to
        this workspace's layer only; the seed weights never change."""
        if not len(texts):
            return
        d, f, v = features.hashed(list(texts))
        order = np.argsort(d, kind="stable")
        d, f, v = d[order], f[order], v[order]
        y = np.asarray(labels, dtype=np.float64)
        starts = np.searchsorted(d, np.arange(len(texts) + 1))
        base = self.a * self.coef
        fixed = np.zeros(len(texts)) + self._dense_logits(list(texts))  # the layer never moves it
        for _ in range(EPOCHS):
            for i in range(len(texts)):
                fi, vi = f[starts[i]:starts[i + 1]], v[starts[i]:starts[i + 1]]
                z = float(np.dot(base[fi] + self.layer[fi], vi)) + fixed[i] + self.bias
                g = float(_sigmoid(np.array([z]))[0]) - y[i]
                np.add.at(self.layer, fi, (-LEARNING_RATE * g * vi).astype(np.float32))
                self.layer_bias -= LEARNING_RATE * BIAS_RATE * g
            self.layer *= np.float32(1.0 - L2)
        self._weights = None
        self.learned += len(texts)

    # --- keeping it -------------------------------------------------------------------------

    def to_setting(self) -> dict:
        """This workspace's layer as plain numbers: only its non-zero weights."""
        idx = np.flatnonzero(self.layer)
        return {
            "version": LAYER_VERSION, "n_features": N_FEATURES, "bias": self.layer_bias,
            "learned": self.learned, "index": idx.tolist(),
            "weight": [round(float(x), 6) for x in self.layer[idx]],
        }

    @staticmethod
    def setting_is_current(value) -> bool:
        return bool(value) and value.get("version") == LAYER_VERSION \
            and value.get("n_features") == N_FEATURES

    @classmethod
    def from_setting(cls, value: dict) -> SpamModel:
        """The seed model with this workspace's stored layer on top."""
        if not cls.setting_is_current(value):
            raise ValueError("the stored spam model has an unknown format")
        model = seed_model()
        model.layer = np.zeros(N_FEATURES, np.float32)
        model.layer[np.asarray(value["index"], dtype=np.int64)] = value["weight"]
        model.layer_bias = float(value.get("bias", 0.0))
        model.learned = int(value.get("learned", 0))
        return model

    def save_file(self, path) -> None:
        """The seed weights: non-zero indices and values, and the calibration (no pickle)."""
        idx = np.flatnonzero(self.coef).astype(np.int32)
        dense = {} if self.dense is None else {"dense": self.dense}
        np.savez_compressed(
            path, index=idx, weight=self.coef[idx].astype(np.float16),
            intercept=np.array([self.intercept]), calibration=np.array([self.a, self.b]),
            n_features=np.array([N_FEATURES]), **dense,
        )

    @classmethod
    def load_file(cls, path) -> SpamModel:
        with np.load(path, allow_pickle=False) as data:
            if int(data["n_features"][0]) != N_FEATURES:
                raise ValueError(f"{path}: the model was trained with another feature size")
            coef = np.zeros(N_FEATURES, np.float32)
            coef[data["index"]] = data["weight"].astype(np.float32)
            a, b = (float(x) for x in data["calibration"])
            dense = data["dense"].astype(np.float32) if "dense" in data.files else None
            return cls(coef, float(data["intercept"][0]), a, b, dense=dense)


def seed_model() -> SpamModel:
    """The model shipped with Steward (read once per process, then copied)."""
    path = resource_path(*SEED_FILE)
    key = str(path)
    if key not in _seed_cache:
        m = SpamModel.load_file(path)
        _seed_cache.clear()
        _seed_cache[key] = (m.coef, m.intercept, m.a, m.b, m.dense)
    coef, intercept, a, b, dense = _seed_cache[key]
    return SpamModel(coef, intercept, a, b, dense=dense)


def workspace_model(ws) -> SpamModel:
    """This workspace's model: the seed plus what it has learnt from decisions here."""
    stored = ws.get_setting(SETTING)
    if SpamModel.setting_is_current(stored):
        return SpamModel.from_setting(stored)
    return seed_model()


def save_workspace_model(ws, model: SpamModel) -> None:
    ws.set_setting(SETTING, model.to_setting())
