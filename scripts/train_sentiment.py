"""Train chapter 07's shipped sentiment models and baselines (make weights-sentiment).

    python scripts/train_sentiment.py baselines   # counting baselines -> lstm_ref/data/sentiment_baselines.json
    python scripts/train_sentiment.py rnn         # (Bi)LSTM search -> sentiment_*.npz, sentiment_rnn.json

Protocol (both parts): every choice (n-gram orders, smoothing, regularisation, encoder, size,
dropout, learning rate, epoch) is made on the validation split; the chosen models are then scored
once on the test split, and their per-review test predictions are written to the JSON file so that
the chapter can compare models on the same reviews (McNemar's test) without retraining.

The recurrent models run in float32 with one BLAS thread (about 30 minutes on one core in all).
"""
import argparse
import hashlib
import json
import pathlib
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import lstm_ref as lr  # noqa: E402

DATA = ROOT / "lstm_ref" / "data"
SEED = 0
EPOCHS = 4
BATCH = 64
MAX_LEN = 200
EMBED = 64
# (encoder, hidden size, dropout, learning rate): pooling, size, dropout and learning rate, each
# varied around one centre (bilstm-ends, H = 128, dropout 0.3, lr 2e-3)
GRID = [
    ("lstm-last", 128, 0.3, 2e-3),
    ("bilstm-ends", 128, 0.3, 2e-3),
    ("bilstm-mean", 128, 0.3, 2e-3),
    ("bilstm-max", 128, 0.3, 2e-3),
    ("bilstm-ends", 64, 0.3, 2e-3),
    ("bilstm-ends", 128, 0.0, 2e-3),
    ("bilstm-ends", 128, 0.3, 5e-3),
]
# short negation probes (text, the label a reader gives it); the chapter shows each model's P(positive)
PROBES = [("不错", 1), ("不好", 0), ("不太满意", 0), ("很满意", 1), ("不是很好", 0), ("没有想象的好", 0),
          ("一点都不差", 1), ("不推荐", 0)]
BASELINE_GRID = {
    "NB, unigrams": [dict(kind="nb", orders=(1,), alpha=a, binary=b) for a in (0.1, 0.3, 1.0) for b in (False, True)],
    "NB, unigrams + bigrams": [dict(kind="nb", orders=(1, 2), alpha=a, binary=b)
                               for a in (0.1, 0.3, 1.0) for b in (False, True)],
    "logistic regression, uni+bigrams": [dict(kind="lr", orders=(1, 2), l2=l2, nb_scale=nb)
                                         for nb in (False, True) for l2 in (1e-4, 1e-3, 1e-2)],
}


def data_hash():
    return hashlib.sha256((DATA / "sentiment_zh.tsv.gz").read_bytes()).hexdigest()


def bits(pred):
    return "".join(str(int(p)) for p in pred)


def make_baseline(spec):
    spec = dict(spec)
    kind = spec.pop("kind")
    return lr.NaiveBayes(**spec) if kind == "nb" else lr.LogisticRegression(**spec)


def run_baselines(out):
    tr, ytr = lr.load_sentiment("train")
    va, yva = lr.load_sentiment("validation")
    results = {"data_sha256": data_hash(), "version": lr.__version__, "probes": [list(p) for p in PROBES],
               "models": {}}
    chosen = {"majority": (lr.MajorityClassifier().fit(tr, ytr), {"kind": "majority"}, None)}
    for name, grid in BASELINE_GRID.items():
        best = None
        search = []
        for spec in grid:
            t0 = time.time()
            m = make_baseline(spec).fit(tr, ytr)
            acc = float(np.mean(m.predict(va) == yva))
            search.append({"config": {k: list(v) if isinstance(v, tuple) else v for k, v in spec.items()},
                           "val_accuracy": acc, "seconds": round(time.time() - t0, 1)})
            print(f"{name}: {spec} validation {acc:.4f}", flush=True)
            if best is None or acc > best[2]:
                best = (m, search[-1]["config"], acc)
        chosen[name] = (best[0], best[1], search)
    te, yte = lr.load_sentiment("test")                     # touched once, after every choice
    for name, (m, config, search) in chosen.items():
        pv, pt = m.predict(va), m.predict(te)
        probe_p = ([float(m.label)] * len(PROBES) if name == "majority" else
                   (0.5 * (1 + np.tanh(0.5 * m.decision_function([t for t, _ in PROBES])))).tolist())
        results["models"][name] = {"config": config, "search": search, "probe_p_positive": probe_p,
                                   "val_accuracy": float(np.mean(pv == yva)),
                                   "test_accuracy": float(np.mean(pt == yte)), "test_predictions": bits(pt)}
        print(f"{name}: chosen {config}; validation {np.mean(pv == yva):.4f}, test {np.mean(pt == yte):.4f}")
    pathlib.Path(out).write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def run_rnn(out, grid, epochs, limit=None):
    tr, ytr = lr.load_sentiment("train")
    if limit:                                               # smoke test: a random subset
        keep = np.random.default_rng(SEED).permutation(len(tr))[:limit]
        tr, ytr = [tr[i] for i in keep], ytr[keep]
    va, yva = lr.load_sentiment("validation")
    vocab = lr.SentimentVocab(tr, min_count=2)
    runs, models = [], []
    for k, (encoder, H, dropout, rate) in enumerate(grid):
        model = lr.SentimentRNN(vocab, EMBED, H, encoder, dropout, seed=SEED, max_len=MAX_LEN)
        t0 = time.time()
        print(f"[{k + 1}/{len(grid)}] {model.config()} lr={rate}", flush=True)
        hist = lr.fit_sentiment(model, tr, ytr, va, yva, epochs, batch_size=BATCH, lr=rate, seed=SEED,
                                progress=True, log=lambda s: print("   ", s, flush=True))
        runs.append({"config": {**model.config(), "lr": rate, "batch_size": BATCH, "epochs": epochs},
                     "val_accuracy_per_epoch": hist["val_accuracy"], "train_loss_per_epoch": hist["train_loss"],
                     "best_epoch": hist["best_epoch"], "val_accuracy": max(hist["val_accuracy"]),
                     "seconds": round(time.time() - t0, 1)})
        models.append(model)
    # per family (LSTM, BiLSTM [h→_T, h←_1], BiLSTM pooled) the best run on validation; overall best too
    families = {"LSTM, last state": ["lstm-last"], "BiLSTM, [h→_T, h←_1]": ["bilstm-ends"],
                "BiLSTM, pooled": ["bilstm-mean", "bilstm-max"]}
    te, yte = lr.load_sentiment("test")                     # touched once, after every choice
    shipped = {}
    for fam, encoders in families.items():
        ks = [k for k, r in enumerate(runs) if r["config"]["encoder"] in encoders]
        k = max(ks, key=lambda i: (runs[i]["val_accuracy"], -i))
        pt = models[k].predict(te)
        fname = f"sentiment_{runs[k]['config']['encoder']}.npz"
        np.savez_compressed(pathlib.Path(out).parent / fname, **models[k].state_dict())
        shipped[fam] = {"run": k, "file": fname, "config": runs[k]["config"],
                        "val_accuracy": runs[k]["val_accuracy"], "test_accuracy": float(np.mean(pt == yte)),
                        "test_predictions": bits(pt)}
        print(f"{fam}: run {k}, validation {runs[k]['val_accuracy']:.4f}, test {np.mean(pt == yte):.4f}")
    best = max(shipped, key=lambda f: (shipped[f]["val_accuracy"], f))
    card = {"data_sha256": data_hash(), "version": lr.__version__, "vocab": vocab.chars,
            "protocol": "every choice on validation; shipped models scored once on test",
            "runs": runs, "shipped": shipped, "best": best}
    pathlib.Path(out).write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("part", choices=["baselines", "rnn", "all"])
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--runs", type=int, default=len(GRID), help="only the first RUNS configurations (smoke test)")
    ap.add_argument("--out-dir", default=str(DATA))
    ap.add_argument("--limit", type=int, help="train on this many random reviews only (smoke test)")
    args = ap.parse_args(argv)
    out = pathlib.Path(args.out_dir)
    if args.part in ("baselines", "all"):
        run_baselines(out / "sentiment_baselines.json")
    if args.part in ("rnn", "all"):
        run_rnn(out / "sentiment_rnn.json", GRID[: args.runs], args.epochs, args.limit)


if __name__ == "__main__":
    main()
