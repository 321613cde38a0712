"""The spam model's features: the fast scoring path sums exactly what training reads."""

from __future__ import annotations

import unicodedata

import numpy as np

from steward.moderation import features
from steward.moderation.model import seed_model
from steward.moderation.text import _LOOKALIKES, plain

TEXTS = [
    "", " ", "a", "ok", "Thanks!!", "\x00hidden\x00nul", "  spaced \n\t out  ",
    "Check out my channel 🔥🔥 subscribe for beats", "𝐬𝐮𝐛𝐬𝐜𝐫𝐢𝐛𝐞 to me", "ѕubѕсribe nоw",
    "Café crème brûlée at 10:30, call 07700 900123", "visit www . example . com today",
    "https://bit.ly/x and more at example.org/page", "Ｆｕｌｌ ｗｉｄｔｈ",
    "Привет всем, заработок без вложений", "مرحبا بالجميع", "日本語のテキスト",
    "x" * 5000, "word " * 900, "a\u200eb\u202fc\xa0d",
]


def test_scoring_sums_the_features_training_reads():
    weights = seed_model()._effective()
    fast = features.linear(TEXTS, weights)
    x = features.matrix(TEXTS)
    assert np.allclose(fast, x @ weights.astype(np.float64), rtol=1e-5, atol=1e-5)
    # one text at a time reads the same as in a batch
    alone = np.array([features.linear([t], weights)[0] for t in TEXTS])
    assert np.allclose(alone, fast, rtol=1e-5, atol=1e-5)
    assert features.linear([], weights).shape == (0,)


def test_plain_drops_every_combining_mark_and_folds_look_alikes():
    def slow(text: str) -> str:
        text = unicodedata.normalize("NFKD", text.translate(_LOOKALIKES))
        return "".join(c for c in text if not unicodedata.combining(c))

    sample = "".join(chr(i) for i in range(0x80, 0x3000)) + "ẞ𝐛ｃé̃ǅ"
    assert plain(sample) == slow(sample)
    assert plain("сhесk ѕubѕсribe") == "check subscribe"
    assert plain("plain ascii stays") == "plain ascii stays"


def test_documents_summed_as_runs_of_the_batch_at_its_edges():
    """Scoring sums each document's n-grams as one run of the batch: empty texts at either
    end or side by side, a text that is only a NUL or a space, and one-letter words read as
    they do alone."""
    weights = seed_model()._effective()
    batches = [["", "", "ab cd", ""], ["\x00", "x y z", "", " "], ["word"], ["", ""],
               ["a", "b", "c"], ["🔥", "ok ok ok", "\x00\x00"]]
    for batch in batches:
        fast = features.linear(batch, weights)
        x = features.matrix(batch)
        assert np.allclose(fast, x @ weights.astype(np.float64), rtol=1e-6, atol=1e-6), batch
        alone = [features.linear([t], weights)[0] for t in batch]
        assert np.allclose(fast, alone, rtol=1e-6, atol=1e-6), batch


def test_a_large_batch_scored_in_chunks_as_in_one_go(monkeypatch):
    """`linear` scores a scan's batch CHUNK texts at a time: every sum is the one the whole
    batch gives, to the last bit."""
    weights = seed_model()._effective()
    whole = features.linear(TEXTS, weights)
    monkeypatch.setattr(features, "CHUNK", 3)
    assert np.array_equal(features.linear(TEXTS, weights), whole)
