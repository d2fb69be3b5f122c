"""Chapter 02's temporal-order sweep: success over seeds for a tanh RNN at four lengths, and an LSTM.

Usage: make sweep-temporal-order   (or python scripts/sweep_temporal_order.py; about 5 minutes on one core)

Writes lstm_ref/data/sweep_temporal_order.json: the shared configuration, the package version and,
for every run, its arm, length, seed, the update at which held-out accuracy first reached 95 %
(null if never) and the held-out error at every evaluation. Chapter 02 reads the file, plots and
asserts on it, and re-runs one configuration; tests/test_sweep_temporal_order.py re-runs one run
and checks that it reproduces the committed numbers.

Arms (lr.run_to_threshold on the temporal-order task, Hochreiter & Schmidhuber 1997, exp. 6a):
  rnn_orthogonal  tanh RNN, orthogonal recurrent initialisation, T = 10, 20, 30, 50
  rnn_uniform     tanh RNN, PyTorch's uniform initialisation U(-1/sqrt(H), 1/sqrt(H)), same lengths
  lstm_fb2        LSTM, forget-gate bias 2, T = 50
  lstm_fb0        LSTM, forget-gate bias 0 (this package's default), T = 50
"""
import json
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import lstm_ref as lr  # noqa: E402

OUT = ROOT / "lstm_ref" / "data" / "sweep_temporal_order.json"
SEEDS = list(range(10))
LENGTHS = [10, 20, 30, 50]
CONFIG = dict(task="temporal_order", hidden_size=16, steps=600, threshold=0.05, lr=0.01, clip=1.0,
              batch_size=32, eval_every=25, n_test=512)
ARMS = {
    "rnn_orthogonal": ("rnn", LENGTHS, {"init": "orthogonal"}),
    "rnn_uniform": ("rnn", LENGTHS, {}),
    "lstm_fb2": ("lstm", [50], {"forget_bias": 2.0}),
    "lstm_fb0": ("lstm", [50], {"forget_bias": 0.0}),
}


def run_one(arm, T, seed):
    """One run of the sweep, as the dict stored in the JSON file."""
    kind, _, layer_kwargs = ARMS[arm]
    run = lr.run_to_threshold(kind, seed=seed, T=T, layer=layer_kwargs, **CONFIG)
    return {"arm": arm, "T": T, "seed": seed, "reached": run.reached,
            "eval_step": run.eval_step.tolist(), "eval_error": [round(float(e), 6) for e in run.eval]}


def main():
    runs = []
    for arm, (_, lengths, _) in ARMS.items():
        for T in lengths:
            for seed in SEEDS:
                runs.append(run_one(arm, T, seed))
                r = runs[-1]
                print(f"{arm:15s} T = {T:2d} seed {seed}: reached {r['reached']}, "
                      f"final accuracy {1 - r['eval_error'][-1]:.3f}", flush=True)
    record = {"config": CONFIG, "arms": {a: {"kind": k, "lengths": ls, "layer_kwargs": kw}
                                         for a, (k, ls, kw) in ARMS.items()},
              "seeds": SEEDS, "package_version": lr.__version__, "runs": runs}
    OUT.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(runs)} runs)")


if __name__ == "__main__":
    main()
