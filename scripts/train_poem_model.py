"""Train the character LSTM shipped with chapter 08 and save its weights.

Usage::

    OPENBLAS_NUM_THREADS=1 python scripts/train_poem_model.py        # or: make weights

Reproducible: fixed seeds, a fixed number of updates, single-threaded BLAS recommended (the
last bits of a matrix product may depend on the thread count, so another machine may end a few
1e-4 nats away). Writes

* ``lstm_ref/data/tang_lstm.npz``  -- the parameters of the best validation checkpoint, float32,
  saved with ``lstm_ref.save_params`` (keys "embed.weight", "rnn.weight_ih_l0", ..., "head.bias");
* ``lstm_ref/data/tang_lstm.json`` -- sizes, training settings and the measured losses (nats per
  character, computed in float64 from the float32 weights as stored).

Training (``CONFIG`` below): Embedding(V, 32), initial std 0.1 -> LSTM(32, 256) -> Linear(256, V),
dropout 0.4, on the five-character poems of ``lr.tang_char_data`` (every 10th poem held out for
validation); truncated BPTT over 8 parallel streams in chunks of 32 characters with the state
carried across chunks (``lr.fit_char_lm``), Adam (lr 2e-3), gradient-norm clipping at 5, float64
arithmetic, at most 900 updates. Every 30 updates the held-out loss and the rate of well-formed
five-character lines (sampled at temperature 0.8) are measured; training stops at the first
evaluation where that rate reaches 0.9 with the held-out loss below the unigram entropy, and that
checkpoint is saved (otherwise the one with the lowest held-out loss).
"""
import argparse
import json
import pathlib
import sys
import time

import numpy as np

import lstm_ref as lr

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT / "lstm_ref" / "data"

CONFIG = {
    "form": "five",
    "embed_dim": 32,
    "embed_std": 0.1,
    "hidden_size": 256,
    "num_layers": 1,
    "seed": 0,
    "batch_size": 8,
    "bptt": 32,
    "lr": 2e-3,
    "clip": 5.0,
    "dropout": 0.4,
    "steps": 900,
    "eval_every": 30,
    "val_every": 10,
    "target_format_rate": 0.9,
    "format_temperature": 0.8,
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(DATA / lr.charlm.TANG_WEIGHTS))
    ap.add_argument("--config-out", default=str(DATA / lr.charlm.TANG_CONFIG))
    ap.add_argument("--steps", type=int, default=CONFIG["steps"])
    args = ap.parse_args(argv)
    cfg = dict(CONFIG, steps=args.steps)

    vocab, train_ids, val_ids = lr.tang_char_data(every=cfg["val_every"], form=cfg["form"])
    model = lr.CharLSTM(len(vocab), cfg["embed_dim"], cfg["hidden_size"], num_layers=cfg["num_layers"],
                        seed=cfg["seed"], embed_std=cfg["embed_std"], dropout=cfg["dropout"])
    opt = lr.Adam(lr=cfg["lr"])
    entropy0 = lr.unigram_entropy(train_ids)
    best = {"val_loss": np.inf}
    log = []
    start = time.perf_counter()

    def progress(step, loss, val_loss):
        rate, _ = lr.line_format_rate(model, vocab, temperature=cfg["format_temperature"])
        log.append({"step": step, "val_loss": round(val_loss, 6), "format_rate": round(rate, 4)})
        print(f"step {step:4d}  train {loss:.4f}  val {val_loss:.4f}  well-formed lines {rate:.2f}  "
              f"{time.perf_counter() - start:6.1f} s", flush=True)
        if val_loss < best["val_loss"]:  # fallback: the best validation loss
            best.update(val_loss=val_loss, step=step, rate=rate, state=model.state_dict(), rule="best val")
        if rate >= cfg["target_format_rate"] and val_loss < entropy0:
            best.update(val_loss=val_loss, step=step, rate=rate, state=model.state_dict(), rule="format")
            return True  # stop: the model writes the verse form and still generalises

    hist = lr.fit_char_lm(model, train_ids, opt, batch_size=cfg["batch_size"], bptt=cfg["bptt"],
                          steps=cfg["steps"], clip=cfg["clip"], val_ids=val_ids,
                          eval_every=cfg["eval_every"], progress=progress)
    stored = {k: v.astype(np.float32) for k, v in best["state"].items()}
    lr.save_params(args.out, stored)

    # Measure what is shipped: float32 weights, read back, evaluated in float64.
    check = lr.CharLSTM(len(vocab), cfg["embed_dim"], cfg["hidden_size"], num_layers=cfg["num_layers"])
    check.load_state_dict(lr.load_params(args.out))
    val_loss = lr.evaluate_char_lm(check, val_ids)
    train_loss = lr.evaluate_char_lm(check, train_ids)
    rate, _ = lr.line_format_rate(check, vocab, temperature=cfg["format_temperature"])
    summary = dict(
        cfg,
        vocab_size=len(vocab),
        train_chars=int(train_ids.size),
        val_chars=int(val_ids.size),
        selected_by=best["rule"],
        best_step=int(best["step"]),
        epochs_at_best=round(best["step"] / (train_ids.size // cfg["batch_size"] / cfg["bptt"]), 2),
        val_loss=round(val_loss, 6),
        train_loss=round(train_loss, 6),
        format_rate=round(rate, 4),
        unigram_entropy=round(entropy0, 6),
        unigram_val_cross_entropy=round(lr.unigram_cross_entropy(train_ids, val_ids, len(vocab)), 6),
        num_params=check.num_params(),
        dtype_stored="float32",
        updates_run=int(hist["step"][-1]),
        log=log,
    )
    pathlib.Path(args.config_out).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    size = pathlib.Path(args.out).stat().st_size
    print(f"best step {best['step']}: val {val_loss:.4f} nats/char (unigram entropy "
          f"{summary['unigram_entropy']:.4f}); {size / 1e6:.2f} MB -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
