"""Time forward + backward of this checkout's LSTM and GRU against another version of lstm_ref.

Usage::

    git archive <rev> lstm_ref | tar -x -C /tmp/old      # the other version, e.g. before a change
    OPENBLAS_NUM_THREADS=1 python benchmarks/compare_versions.py /tmp/old --repeats 15

Both versions run in one process, float32, on the shapes of bench_layers.py, taking turns (the
order alternates every repeat), so load from other processes hits both alike. Prints the medians
(first repeat dropped) and new/old: 1.00 means no change.
"""
import argparse
import importlib
import pathlib
import shutil
import sys
import tempfile
import time

import numpy as np

SHAPES = [(32, 100, 64, 128), (64, 50, 128, 256), (1, 1000, 32, 64), (128, 35, 65, 512)]


def load_other(path):
    """The lstm_ref package under ``path``, imported as ``lstm_ref_other``."""
    tmp = pathlib.Path(tempfile.mkdtemp())
    shutil.copytree(pathlib.Path(path) / "lstm_ref", tmp / "lstm_ref_other")
    sys.path.insert(0, str(tmp))
    return importlib.import_module("lstm_ref_other")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", help="a directory holding the other version's lstm_ref/")
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    import lstm_ref as new

    old = load_other(args.old)
    print(f"layer (B, T, I, H)          old ms   new ms  new/old  (medians of {args.repeats}, interleaved)")
    ratios = []
    for kind in ("LSTM", "GRU"):
        for B, T, I, H in SHAPES:
            rng = np.random.default_rng(0)
            x = rng.standard_normal((T, B, I)).astype(np.float32)
            dy = rng.standard_normal((T, B, H)).astype(np.float32)
            layers = {"old": getattr(old, kind)(I, H, dtype=np.float32), "new": getattr(new, kind)(I, H, dtype=np.float32)}
            times = {"old": [], "new": []}
            for r in range(args.repeats + 1):
                for name in (("old", "new") if r % 2 == 0 else ("new", "old")):
                    start = time.perf_counter()
                    layers[name].forward(x)
                    layers[name].backward(dy)
                    times[name].append(time.perf_counter() - start)
            o, n = (1e3 * float(np.median(times[k][1:])) for k in ("old", "new"))
            ratios.append(n / o)
            print(f"{kind.lower():5s} {str((B, T, I, H)):20s} {o:8.2f} {n:8.2f} {n / o:8.3f}", flush=True)
    print(f"geometric mean of new/old: {float(np.exp(np.mean(np.log(ratios)))):.3f}")


if __name__ == "__main__":
    main()
