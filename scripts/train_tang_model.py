"""Train chapter 08's Tang-poem LSTM on the whole regulated corpus and ship it.

Usage::

    make weights-tang                       # what ships (about an hour on two cores)
    python scripts/train_tang_model.py --epochs 1 --max-poems 256 --out-dir /tmp/tang  # smoke run

Model: Embedding(V, 128) -> LSTM(128, 256) -> dropout -> LSTM(256, 256) -> dropout -> a
class-factored softmax over V characters in 80 frequency classes (``lstm_ref.TangLSTM``), float32.
Data: the training poems of ``lstm_ref.load_tang_corpus``; every poem is one sequence
"\\n" + body + "\\n" from a zero state, poems of one length batched together, batches shuffled
with a seed per epoch. Adam, gradient-norm clipping at 1, the learning rate multiplied by
``lr_decay`` after every epoch.

Selection: the validation loss (nats per character, float64, dropout off) is measured
``evals_per_epoch`` times per epoch; the checkpoint with the lowest one is kept. The test split
is not read here. Training stops after ``epochs`` epochs, or earlier when the wall-time budget
``--time-budget`` would not hold one more epoch (timed by the last one).

Writes to ``--out-dir`` (default lstm_ref/data):

* ``tang_lstm2.npz``: the kept checkpoint's parameters in float16 (``lstm_ref.save_params``);
* ``tang_lstm2.json``: the card: config, corpus SHA-256, per-epoch training and validation loss,
  every validation measurement, the kept checkpoint, the loss of the float16 weights on the whole
  validation split and on its first ``CARD_SLICE`` poems (what the tests reproduce), package
  version, training time and throughput.
"""
import argparse
import json
import pathlib
import sys
import time

import numpy as np
from tqdm import tqdm

import lstm_ref as lr

ROOT = pathlib.Path(__file__).resolve().parents[1]
CARD_SLICE = 200
CONFIG = {"embed_dim": 128, "hidden_size": 256, "num_layers": 2, "dropout": 0.1,
          "num_classes": 80, "seed": 0, "batch_size": 64, "lr": 3e-3, "lr_decay": 0.7,
          "clip": 1.0, "epochs": 8, "evals_per_epoch": 4}


def val_loss(model, vocab, poems):
    nll, n = lr.poem_nll(model, vocab, poems)
    return float(nll.sum() / n.sum())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", default=str(ROOT / "lstm_ref" / "data"))
    ap.add_argument("--epochs", type=int, default=CONFIG["epochs"])
    ap.add_argument("--time-budget", type=float, default=3500.0, help="seconds")
    ap.add_argument("--max-poems", type=int, default=None, help="train on the first N (smoke)")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    cfg = dict(CONFIG, epochs=args.epochs)
    out = pathlib.Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)

    train = lr.load_tang_corpus("train")
    val = lr.load_tang_corpus("validation")
    vocab = lr.TangVocab.from_poems(train)
    if args.max_poems:
        train, val = train[: args.max_poems], val[: max(16, args.max_poems // 8)]
    model = lr.TangLSTM(len(vocab), cfg["embed_dim"], cfg["hidden_size"], cfg["num_layers"],
                        cfg["dropout"], cfg["num_classes"], seed=cfg["seed"])
    opt = lr.Adam(cfg["lr"])
    n_chars = sum(len("".join(p["lines"])) + 1 for p in train)
    n_batches = len(list(lr.poem_batches(vocab, train, cfg["batch_size"])))
    eval_at = {round(n_batches * k / cfg["evals_per_epoch"]) for k in range(1, cfg["evals_per_epoch"] + 1)}

    history = {"epoch": [], "train_loss": [], "val_loss": [], "lr": [], "epoch_seconds": []}
    evals = {"epoch": [], "val_loss": []}
    best = (np.inf, None, None)
    t0 = time.perf_counter()
    val0 = val_loss(model, vocab, val)
    evals["epoch"].append(0.0)
    evals["val_loss"].append(val0)
    for epoch in range(1, cfg["epochs"] + 1):
        te = time.perf_counter()
        opt.lr = cfg["lr"] * cfg["lr_decay"] ** (epoch - 1)
        total, count, seen = 0.0, 0, 0
        bar = tqdm(lr.poem_batches(vocab, train, cfg["batch_size"], shuffle_seed=cfg["seed"] * 1000 + epoch),
                   total=n_batches, desc=f"epoch {epoch}", disable=args.no_progress,
                   mininterval=5.0, file=sys.stdout)
        for b, (x, y, _) in enumerate(bar, start=1):
            loss, _ = lr.tang_train_step(model, x, y, opt, cfg["clip"])
            total += loss * y.size
            count += y.size
            seen += y.size
            if b in eval_at:
                v = val_loss(model, vocab, val)
                evals["epoch"].append(round(epoch - 1 + b / n_batches, 4))
                evals["val_loss"].append(v)
                if v < best[0]:
                    best = (v, evals["epoch"][-1], model.state_dict())
                bar.set_postfix(val=f"{v:.4f}", refresh=False)
            bar.set_postfix(chars_s=f"{seen / (time.perf_counter() - te):.0f}",
                            train=f"{total / count:.4f}", val=f"{evals['val_loss'][-1]:.4f}", refresh=False)
        bar.close()
        secs = time.perf_counter() - te
        history["epoch"].append(epoch)
        history["train_loss"].append(total / count)
        history["val_loss"].append(evals["val_loss"][-1])
        history["lr"].append(opt.lr)
        history["epoch_seconds"].append(secs)
        print(f"epoch {epoch}: train {total / count:.4f} val {evals['val_loss'][-1]:.4f} "
              f"({secs:.0f} s, {n_chars / secs:.0f} chars/s)", flush=True)
        if time.perf_counter() - t0 + secs > args.time_budget:
            print(f"stopping: another epoch would exceed the {args.time_budget:.0f} s budget")
            break
    train_seconds = time.perf_counter() - t0

    half = {k: v.astype(np.float16) for k, v in best[2].items()}
    lr.save_params(out / "tang_lstm2.npz", half)
    model.load_state_dict(half)
    card = {
        "model": "TangLSTM", "config": dict(cfg, vocab_size=len(vocab)),
        "corpus": {"file": lr.tang.CORPUS_FILE, "sha256": lr.tang_corpus_info()["sha256"],
                   "train_poems": len(train), "validation_poems": len(val),
                   "train_characters": n_chars},
        "history": history, "val_evaluations": evals,
        "selected": {"epoch": best[1], "val_loss_float32": best[0]},
        "val_loss": val_loss(model, vocab, val),
        "val_slice": {"poems": CARD_SLICE, "loss": val_loss(model, vocab, val[:CARD_SLICE])},
        "weights_dtype": "float16", "package_version": lr.__version__,
        "numpy_version": np.__version__, "train_seconds": round(train_seconds, 1),
        "chars_per_second": round(sum(history["epoch"]) and n_chars * len(history["epoch"])
                                  / sum(history["epoch_seconds"]), 1),
    }
    (out / "tang_lstm2.json").write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    print(json.dumps({k: card[k] for k in ("selected", "val_loss", "train_seconds")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
