"""Chapter 08's counting baselines: unigram and interpolated Kneser-Ney n-grams on the Tang corpus.

Usage::

    python scripts/tang_baselines.py        # writes lstm_ref/data/tang_baselines.json (~1 min)

Fits every model on the training poems and scores the validation poems only: n = 2..5 and the
discount D on a grid. The selected model (lowest validation loss) is what chapter 08 compares the
LSTM with on the test split; the test split is not read here.
"""
import json
import pathlib
import sys

import numpy as np

import lstm_ref as lr

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "lstm_ref" / "data" / "tang_baselines.json"
ORDERS = (2, 3, 4, 5)
DISCOUNTS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def sequences(vocab, poems):
    return [vocab.encode("\n" + "".join(p["lines"]) + "\n") for p in poems]


def main():
    train = lr.load_tang_corpus("train")
    vocab = lr.TangVocab.from_poems(train)
    S = sequences(vocab, train)
    SV = sequences(vocab, lr.load_tang_corpus("validation"))
    nll, n = lr.UnigramLM(len(vocab)).fit(S).poem_nll(SV)
    out = {"package_version": lr.__version__, "corpus_sha256": lr.tang_corpus_info()["sha256"],
           "vocab_size": len(vocab), "unigram_val": float(nll.sum() / n.sum()), "kn_val": {}}
    for order in ORDERS:
        m = lr.KneserNeyLM(order, len(vocab)).fit(S)
        out["kn_val"][str(order)] = {}
        for D in DISCOUNTS:
            nll, n = m.poem_nll(SV, D)
            out["kn_val"][str(order)][str(D)] = float(nll.sum() / n.sum())
        print(order, out["kn_val"][str(order)], flush=True)
    best = min(((float(v), int(o), float(d)) for o, row in out["kn_val"].items()
                for d, v in row.items()))
    out["selected"] = {"order": best[1], "discount": best[2], "val": best[0]}
    OUT.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(out["selected"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
