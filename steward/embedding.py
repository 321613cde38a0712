"""Word meaning for Steward's text models: static embeddings distilled from a public sentence
model (all-MiniLM-L6-v2, Apache-2.0, with model2vec; `resources/text/README.md`), so that a
model can tell that "tablets" is near "pills" and "not be here" near "end it", which hashed
n-grams cannot.

`embed(texts)` is the mean of the vectors of each text's WordPiece tokens, L2-normalised
(model2vec's way: the vectors carry their frequency weighting already). Text is folded first
(lower case, accents stripped, apostrophes dropped, other punctuation a word break), then each
word is split greedily into the longest pieces of the vocabulary, as BERT's WordPiece does; a
word that cannot be split (a character outside the vocabulary) adds nothing. numpy only; the
table is read (without pickle) on first use. `steward.embedding_distill` rebuilds it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import numpy as np

from steward.errors import StewardError
from steward.resources import resource_path

MAX_CHARS = 4_000  # a longer text is embedded from its beginning
MAX_WORD = 100  # a longer "word" gives no token (as BERT's WordPiece)
WORD_CACHE = 200_000  # words whose token rows are remembered (words repeat a lot)
CHUNK = 256  # texts summed together
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, accents stripped, apostrophes dropped and other punctuation a space."""
    text = text.lower()
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFD", text)
                       if unicodedata.category(c) != "Mn")
    return _NOT_WORD.sub(" ", text.replace("'", "").replace("\u2019", ""))


class Embedding:
    """A table of token vectors (`tokens`, `vectors` in an `.npz`), read on first use."""

    def __init__(self, path: Path):
        self.path = path
        self._rows: dict[str, int] | None = None
        self._vectors: np.ndarray | None = None
        self._words: dict[str, tuple[int, ...]] = {}

    def _load(self) -> tuple[dict[str, int], np.ndarray]:
        if self._rows is None or self._vectors is None:
            try:
                with np.load(self.path, allow_pickle=False) as arrays:
                    tokens, vectors = arrays["tokens"], arrays["vectors"]
            except (OSError, ValueError, KeyError) as error:
                raise StewardError(f"{self.path}: not a usable embedding table ({error})"
                                   ) from None
            if vectors.ndim != 2 or len(tokens) != len(vectors):
                raise StewardError(f"{self.path}: tokens and vectors do not match")
            self._vectors = vectors.astype(np.float32)
            self._rows = {str(t): i for i, t in enumerate(tokens)}
        return self._rows, self._vectors

    @property
    def dimensions(self) -> int:
        return self._load()[1].shape[1]

    def _pieces(self, word: str) -> tuple[int, ...]:
        """The rows of a folded word's longest-first WordPiece tokens (none if it cannot be
        split into tokens of the table)."""
        rows = self._load()[0]
        if len(word) > MAX_WORD:
            return ()
        found, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                row = rows.get(word[start:end] if start == 0 else "##" + word[start:end])
                if row is not None:
                    found.append(row)
                    start = end
                    break
            else:
                return ()
        return tuple(found)

    def rows(self, text: str) -> list[int]:
        """The table rows of the tokens of `text`, in order."""
        words = self._words
        if len(words) > WORD_CACHE:
            words.clear()
        found: list[int] = []
        for word in fold(text[:MAX_CHARS]).split():
            pieces = words.get(word)
            if pieces is None:
                pieces = words[word] = self._pieces(word)
            found.extend(pieces)
        return found

    def tokens(self, text: str) -> list[str]:
        """The tokens of `text` ("tablets", "un", "##alive"), as the table names them."""
        names = {row: token for token, row in self._load()[0].items()}
        return [names[row] for row in self.rows(text)]

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit-length float32 row per text: the mean of its token vectors (zeros for a
        text with no token)."""
        vectors = self._load()[1]
        rows = [self.rows(t) for t in texts]
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
        filled = np.flatnonzero(lengths)
        flat = np.fromiter((i for r in rows for i in r), dtype=np.int64,
                           count=int(lengths.sum()))
        starts = (np.cumsum(lengths) - lengths)[filled]
        ends = np.r_[starts[1:], flat.size]
        # a few hundred texts at a time: their token vectors stay in the cache (5x faster)
        for i in range(0, filled.size, CHUNK):
            first, last = starts[i], ends[min(i + CHUNK, filled.size) - 1]
            out[filled[i:i + CHUNK]] = np.add.reduceat(
                vectors[flat[first:last]], starts[i:i + CHUNK] - first, axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


@cache
def shipped() -> Embedding:
    """The shipped table (`resources/text/embeddings.npz`); its arrays load on first use."""
    return Embedding(resource_path("text", "embeddings.npz"))


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length float32 vectors (texts × dimensions) of the shipped table; texts near in
    meaning have a larger dot product ("pills" and "tablets" more than "pills" and
    "football"). Zeros for a text with no word the table knows (an empty one)."""
    return shipped().embed(texts)
