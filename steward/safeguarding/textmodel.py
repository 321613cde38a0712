"""The safeguarding text model: a linear classifier per category over hashed word and
character n-grams, beside the lexicons, so that new wording of a concern is still noticed.

Features of a text (already normalised by `lexicon.normalise`): its words, its pairs of
neighbouring words and the 2- to 5-character pieces of each word padded with spaces, each
hashed (CRC-32) into a fixed number of columns, so no vocabulary is needed; each present
feature counts 1/√(number of features). A score is the logistic of intercept + Σ weights.
Function words (`common_words.txt`: "the", "should", "need", "just", "think"…) give no feature
of their own and no pair of two of them, so they cannot drive a score; and a model-only flag
needs two or more other words in the text that the training messages hold, or one and two more
("+1, I'd come to that" is too little to go on, and so is it with a name or a key mash added),
and at least one of them among the words that pushed it up.

A model may also weigh the text's meaning: its embedding (`steward.embedding`, static word
vectors from a public sentence model), times `embedding_scale`, as `embedding_coef` more
columns, so that "saving up my tablets" can score like "saving up my pills". Only the texts the
prescreen wakes are embedded.

The coefficients ship in `resources/safeguarding/model/` as numpy arrays (`model.npz`, read
without pickle) with their metadata (`model.json`: categories, thresholds per severity, the
prescreen's settings, the embedding's scale); `steward.safeguarding.train_model` writes them.
Scoring needs only numpy: scikit-learn is for training. Everything is loaded on first use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zlib import crc32

import numpy as np

from steward import embedding
from steward.errors import StewardError
from steward.resources import resource_path
from steward.safeguarding.wordhash import FoundWords, HashSet, Words, hashes_of, word_hashes

MODEL_FILE = "model.npz"
META_FILE = "model.json"
COMMON_FILE = "common_words.txt"
WORD_FEATURES = 2**17  # columns for words and word pairs
CHAR_FEATURES = 2**17  # columns for character pieces, after the word columns
FEATURES = WORD_FEATURES + CHAR_FEATURES
WORD_CACHE = 200_000  # words whose feature columns are remembered (words repeat a lot)
MAX_CHARS = 4_000  # a longer text is scored on its beginning (the lexicons read it all)
MIN_CONTENT_WORDS = 2  # a model-only flag needs this many words outside `common_words.txt`
MAX_WORD = 40  # a longer "word" (a link, a key mash) gives character pieces of its start
# Common words left out of a flag's explanation (they carry weight, but explain nothing).
_PLAIN = """a an and are as at be been but by do for from had has have he her him his i if im
in is it its me my no not of on or our she so that the them they this to up us was we were
what when will with you your see say said wait think need just know really thing things"""
PLAIN_WORDS = frozenset(_PLAIN.split())


def word_column(term: str) -> int:
    """The column of a word or a word pair ("cut myself")."""
    return crc32(term.encode("utf-8")) % WORD_FEATURES


def _word_columns(word: bytes) -> tuple[int, ...]:
    padded = b" " + word[:MAX_WORD] + b" "
    pieces = {padded[i:i + n] for n in (2, 3, 4, 5) for i in range(len(padded) - n + 1)}
    return (crc32(word) % WORD_FEATURES,
            *(WORD_FEATURES + crc32(p) % CHAR_FEATURES for p in pieces))


def common_words() -> frozenset[str]:
    """The most frequent English words (`common_words.txt`): no feature of their own."""
    path = resource_path("safeguarding", "model", COMMON_FILE)
    if not path.exists():
        return frozenset()
    return frozenset(w for line in path.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("#") for w in line.split())


class Featuriser:
    """The feature columns of normalised texts; remembers the columns of words it has seen.

    Given `common` words, a common word gives no column of its own and no character pieces,
    and a pair of two common words gives none either (the "content" view of a text)."""

    def __init__(self, common: frozenset[str] = frozenset()):
        self.cache: dict[bytes, tuple[int, ...]] = {w.encode("utf-8"): () for w in common}
        self.common = frozenset(self.cache)

    def columns(self, text: str) -> list[int]:
        words = text[:MAX_CHARS].encode("utf-8").split()
        cache = self.cache
        if len(cache) > WORD_CACHE:
            cache.clear()
            cache.update(dict.fromkeys(self.common, ()))
        found: set[int] = set()
        for word in words:
            known = cache.get(word)
            if known is None:
                known = cache[word] = _word_columns(word)
            found.update(known)
        common = self.common
        pairs = zip(words, words[1:], strict=False)
        found.update(crc32(a + b" " + b) % WORD_FEATURES for a, b in pairs
                     if a not in common or b not in common)
        return sorted(found)

    def matrix(self, texts: list[str]):
        """The feature rows as a scipy CSR matrix (for training)."""
        from scipy.sparse import csr_matrix

        rows = [self.columns(t) for t in texts]
        indptr = np.cumsum([0, *(len(r) for r in rows)])
        data = np.concatenate([np.full(len(r), 1 / np.sqrt(max(len(r), 1))) for r in rows])
        indices = np.fromiter((c for r in rows for c in r), dtype=np.int64, count=indptr[-1])
        return csr_matrix((data.astype(np.float32), indices, indptr), shape=(len(texts), FEATURES))


@dataclass(frozen=True)
class Prescreen:
    """A quick linear model over whole words (count / √length) that says which messages are
    worth scoring with the full model: the scan reads every message, and the full model's
    character pieces cost too much to compute for all of them. Words are looked up by their
    hash (`word_hashes`), so a batch is scored in numpy."""

    words: np.ndarray  # vocabulary (str)
    weights: np.ndarray  # one weight per word
    intercept: float
    threshold: float  # the logit a message needs to be scored

    def logits(self, words: str) -> np.ndarray:
        """The logit of each text in `words`: normalised texts joined by " \\x00 " (as
        `lexicon.normalise_many` makes them)."""
        return self._logits(word_hashes(words))[0]

    def _logits(self, hashed: Words,
                known_at: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The logits, the sum of the weights of each text's known words, and which words
        (of `word_hashes`) are known. `known_at`, when given, is each word's position in
        `table` (−1 for a word not in it)."""
        hashes, texts, count, _heads = hashed
        if known_at is None:
            seen, at = self.lookup.find(hashes)
        else:
            seen, at = known_at >= 0, known_at
        weights = self.table[1]
        found = np.where(seen, weights[at], 0.0) if weights.size else np.zeros(hashes.size)
        sums = np.bincount(texts, weights=found, minlength=count)
        lengths = np.bincount(texts, minlength=count)
        return self.intercept + sums / np.sqrt(np.maximum(lengths, 1)), sums, seen

    @property
    def lookup(self) -> HashSet:
        """The vocabulary's hashes (`table`) as a set; a word's position is its weight's."""
        lookup = self.__dict__.get("_lookup")
        if lookup is None:
            lookup = HashSet(self.table[0])
            object.__setattr__(self, "_lookup", lookup)
        return lookup

    @property
    def table(self) -> tuple[np.ndarray, np.ndarray]:
        """The vocabulary's hashes, sorted, and their weights in the same order."""
        table = self.__dict__.get("_table")
        if table is None:
            hashes = word_hashes(" " + " ".join(map(str, self.words)) + " ")[0]
            order = np.argsort(hashes)
            table = (hashes[order], np.asarray(self.weights, dtype=np.float64)[order])
            if np.any(table[0][1:] == table[0][:-1]):
                raise StewardError("two prescreen words share a hash; retrain the model")
            object.__setattr__(self, "_table", table)
        return table

    def woken(self, words: str, data: np.ndarray | None = None,
              common: HashSet | None = None, hashed: tuple | None = None,
              known_at: np.ndarray | None = None, plain: np.ndarray | None = None
              ) -> np.ndarray:
        """The positions of the texts worth scoring: over the cut, with words seen in
        training that lean towards a concern (a text of words the model never saw, such as
        names, links or key mashes, would be scored on their character pieces alone).

        Given the hashes of the `common` words, also only texts the model could flag
        (`TextModel.enough_words`): two distinct words of its vocabulary that are not
        common, or one and two more words that are neither (`plain`, when given, says which
        words of the batch are common; `known_at` is as for `_logits`)."""
        hashed = word_hashes(words, data) if hashed is None else hashed
        logits, sums, seen = self._logits(hashed, known_at)
        picked = np.flatnonzero((logits >= self.threshold) & (sums > 0))
        if (common is None and plain is None) or not picked.size:
            return picked
        hashes, texts, _count, _heads = hashed
        mask = np.zeros(logits.size, dtype=bool)
        mask[picked] = True
        mine = mask[texts]
        hashes, texts, seen = hashes[mine], texts[mine], seen[mine]
        plain = common.find(hashes)[0] if plain is None else plain[mine]
        hashes, texts, seen = hashes[~plain], texts[~plain], seen[~plain]
        order = np.lexsort((hashes, texts))  # each (text, word) once
        hashes, texts, seen = hashes[order], texts[order], seen[order]
        first = np.r_[True, (hashes[1:] != hashes[:-1]) | (texts[1:] != texts[:-1])]
        known = np.bincount(texts[first & seen], minlength=logits.size)[picked]
        other = np.bincount(texts[first & ~seen], minlength=logits.size)[picked]
        enough = (known >= MIN_CONTENT_WORDS) | ((known >= 1) & (other >= 2))
        return picked[enough]


@dataclass(frozen=True)
class ModelScore:
    category: str
    score: float  # probability-like, 0..1
    severity: str
    words: tuple[str, ...]  # the words that pushed the score up most


class TextModel:
    """Scores normalised texts per category; `flags` keeps those above a category's threshold.

    The metadata (categories, thresholds) is read at once, the arrays on first use."""

    def __init__(self, folder: Path):
        self.folder = folder
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            self.categories: list[str] = list(meta["categories"])
            # per category, (lowest score, severity) pairs from the highest severity down
            self.levels = [sorted(((float(v), s) for s, v in meta["thresholds"][c].items()),
                                  reverse=True) for c in self.categories]
            self.prescreen_settings = meta["prescreen"]
            self.embedding_scale = float(meta.get("embedding_scale", 0.0))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise StewardError(f"{folder / META_FILE}: not a usable text model ({error})"
                               ) from None
        self.thresholds = np.array([levels[-1][0] for levels in self.levels])
        self.common = common_words() if meta.get("common_words") else frozenset()
        self.featuriser = Featuriser(self.common)
        self._arrays: tuple[np.ndarray, np.ndarray, Prescreen] | None = None
        self.meaning: np.ndarray | None = None  # embedding dimensions × categories

    def _load(self) -> tuple[np.ndarray, np.ndarray, Prescreen]:
        if self._arrays is None:
            path = self.folder / MODEL_FILE
            try:
                with np.load(path, allow_pickle=False) as arrays:
                    columns, coef = arrays["columns"], arrays["coef"]
                    intercept = arrays["intercept"].astype(np.float64)
                    words, weights = arrays["prescreen_words"], arrays["prescreen_weights"]
                    meaning = (arrays["embedding_coef"] if self.embedding_scale else
                               np.zeros((len(self.categories), 0), dtype=np.float32))
            except (OSError, ValueError, KeyError) as error:
                raise StewardError(f"{path}: not a usable text model ({error})") from None
            if coef.shape != (len(self.categories), len(columns)) or (
                    len(columns) and columns.max() >= FEATURES) or (
                    meaning.shape[0] != len(self.categories)):
                raise StewardError(f"{path}: does not match this version of Steward")
            if self.embedding_scale:
                if meaning.shape[1] != embedding.shipped().dimensions:
                    raise StewardError(f"{path}: does not match the shipped word embeddings")
                self.meaning = (self.embedding_scale * meaning.T).astype(np.float32)
            dense = np.zeros((FEATURES, len(self.categories)), dtype=np.float32)
            dense[columns] = coef.T
            prescreen = Prescreen(words, weights, float(self.prescreen_settings["intercept"]),
                                  float(self.prescreen_settings["threshold"]))
            self._arrays = (dense, intercept, prescreen)
        return self._arrays

    def prescreen(self) -> Prescreen:
        return self._load()[2]

    def woken(self, words: str, data: np.ndarray | None = None, hashed: tuple | None = None,
              found: FoundWords | None = None) -> np.ndarray:
        """The positions of the texts in `words` (normalised texts joined as
        `lexicon.normalise_many` joins them; `data` the same as UTF-8 bytes, `hashed` their
        `word_hashes`) that the prescreen picks and that hold enough words to be flagged
        (`enough_words`). `found`: the batch's words looked up in `word_lists()`."""
        prescreen = self.prescreen()
        if found is not None:
            plain = found["common"] >= 0 if self.common else None
            return prescreen.woken(words, data, None, hashed, found["vocabulary"], plain)
        common = None
        if self.common:
            common = self.__dict__.get("_common_hashes")
            if common is None:
                common = self._common_hashes = HashSet(hashes_of(sorted(self.common)))
        return prescreen.woken(words, data, common, hashed)

    def word_lists(self) -> dict[str, np.ndarray]:
        """The word lists `woken` reads, by hash, for `wordhash.WordLists`: the vocabulary
        (in the order of `Prescreen.table`) and the common words."""
        return {"vocabulary": self.prescreen().table[0],
                "common": hashes_of(sorted(self.common))}

    @property
    def vocabulary(self) -> frozenset[str]:
        """The words of the training messages (but common words)."""
        vocabulary = self.__dict__.get("_vocabulary")
        if vocabulary is None:
            vocabulary = self._vocabulary = frozenset(map(str, self.prescreen().words))
        return vocabulary

    def scores(self, texts: list[str]) -> np.ndarray:
        """Scores (texts × categories), each between 0 and 1; a text that comes up more
        than once ("count me in") is scored once."""
        weights, intercept, _prescreen = self._load()
        distinct = list(dict.fromkeys(texts))
        rows = [self.featuriser.columns(t) for t in distinct]
        lengths = np.array([len(r) for r in rows])
        flat = np.fromiter((c for r in rows for c in r), dtype=np.int64, count=lengths.sum())
        sums = np.zeros((len(rows), len(self.categories)))
        filled = lengths > 0
        if flat.size:
            starts = np.cumsum(lengths) - lengths
            sums[filled] = np.add.reduceat(weights[flat], starts[filled], axis=0)
        logits = intercept + sums / np.sqrt(np.maximum(lengths, 1))[:, None]
        if self.meaning is not None:
            logits += embedding.embed(distinct) @ self.meaning
        position = {t: i for i, t in enumerate(distinct)}
        return 1.0 / (1.0 + np.exp(-logits[[position[t] for t in texts]]))

    def flags(self, texts: list[str]) -> dict[int, list[ModelScore]]:
        """For each text (by position) with a score over its category's threshold, why."""
        if not texts:
            return {}
        scores = self.scores(texts)
        above = scores >= self.thresholds
        if self.common:  # one word besides function words is too little to go on
            # (and one word never seen in training, a name or a key mash, is no evidence)
            thin = [i for i in np.flatnonzero(above.any(axis=1))
                    if not self.enough_words(texts[i])]
            above[thin] = False
        out: dict[int, list[ModelScore]] = {}
        for i, k in zip(*np.nonzero(above), strict=True):
            score = float(scores[i, k])
            severity = next(s for limit, s in self.levels[k] if score >= limit)
            words = self.top_words(texts[i], int(k))
            if not words:  # only common words pushed it up: nothing a lead could act on
                continue
            out.setdefault(int(i), []).append(ModelScore(
                self.categories[k], score, severity, words))
        return out

    def enough_words(self, text: str) -> bool:
        """Two words of the training messages besides common words, or one and two more
        words never seen there (a single unseen word, a name or a key mash, adds nothing)."""
        words = set(text.split()) - self.common
        known = len(words & self.vocabulary)
        return known >= MIN_CONTENT_WORDS or (known >= 1 and len(words) - known >= 2)

    def top_words(self, text: str, k: int, count: int = 3) -> tuple[str, ...]:
        """The words and word pairs of the text with the largest positive weights for
        category `k`, leaving out those made of common words only."""
        words = text.split()
        pairs = map(" ".join, zip(words, words[1:], strict=False))
        plain = PLAIN_WORDS | self.common
        seen = self.vocabulary
        # a word never seen in training explains nothing (its column may be another's)
        terms = [t for t in dict.fromkeys([*words, *pairs])
                 if not plain.issuperset(t.split()) and not seen.isdisjoint(t.split())]
        weights = self._load()[0]
        ranked = sorted(terms, key=lambda t: -weights[word_column(t), k])
        return tuple(t for t in ranked[:count] if weights[word_column(t), k] > 0)


@cache
def shipped_model() -> TextModel | None:
    """The shipped model (None if it is not installed); its arrays load on first use."""
    folder = resource_path("safeguarding", "model")
    return TextModel(folder) if (folder / META_FILE).exists() else None
