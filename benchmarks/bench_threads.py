"""What a second core buys chapter 09's two layers: wall time with 1 and 2 BLAS threads.

    python benchmarks/bench_threads.py          # adds a session to lstm_ref/data/bench_threads.json
    python benchmarks/bench_threads.py --fresh  # starts that file anew
    python benchmarks/bench_threads.py --quick --fresh --out /tmp/threads.json    # a smoke test

The forward pass of ``lstm_ref.LSTM(d, d)`` and of ``lstm_ref.causal_self_attention`` (d x d
projections) on T x B = 1600 tokens of float64, cut into T = 25, 100 and 400 steps (B = 64, 16, 4),
at the chapter's width d = 64 and at d = 256; for each, a loop doing only its matrix products (same
shapes), whose share of the layer's 1-thread time bounds what a second core can buy it (Amdahl:
the 2-thread time is at least 1 - share / 2 of the 1-thread time when only products are split);
and, as a control of whether a second core was free at all, one (768, 768) x (768, 768) product. Each case is timed with the BLAS limited to 1
and to 2 threads (threadpoolctl), the two taking turns within every repeat
(``lstm_ref.interleaved_wall_times``); the time is wall time per call.

The results file keeps the configuration and a list of sessions (one per run of this script), each
with the package, numpy and BLAS versions, the number of CPUs, the 1-, 5- and 15-minute load
averages before and after, the 1-minute load at every repeat and every repeat's time, so that a
reader can judge how free the second core was in each. Chapter 09 reads it
with ``lstm_ref.load_thread_benchmark()``. On a machine shared with other jobs the second core is
often busy: run it when the load average is below the number of cores if you can, and read the
control row before the others.
"""
import argparse
import datetime
import json
import os
import pathlib
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import lstm_ref as lr  # noqa: E402

TOKENS = 1600
WIDTHS = (64, 256)
LENGTHS = (25, 100, 400)
CONTROL = 768


def blas():
    from threadpoolctl import threadpool_info

    return [{k: d.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for d in threadpool_info() if d.get("user_api") == "blas"]


def lstm_products(x, d):
    """Only the matrix products of ``lstm_ref.LSTM.forward`` on x (T, B, d), same shapes: the input
    projection of all steps, then T dependent (B, d) x (d, 4d) products."""
    T, B, _ = x.shape
    rng = np.random.default_rng(1)
    WiT, WhT = rng.normal(size=(d, 4 * d)), rng.normal(size=(d, 4 * d)) / d
    flat, gates = x.reshape(T * B, d), np.empty((T * B, 4 * d))
    h, step = np.zeros((B, d)), np.empty((B, 4 * d))

    def run():
        np.matmul(flat, WiT, out=gates)
        for _ in range(T):
            np.matmul(h, WhT, out=step)
    return run


def attention_products(x, d):
    """Only the matrix products of ``lstm_ref.causal_self_attention`` on x (T, B, d), same shapes:
    three (T*B, d) x (d, d) projections, B (T, d) x (d, T) score products, B (T, T) x (T, d)."""
    T, B, _ = x.shape
    rng = np.random.default_rng(2)
    W = rng.normal(size=(d, d))
    flat = x.reshape(T * B, d)
    q, p = rng.normal(size=(B, T, d)), rng.normal(size=(B, T, T))

    def run():
        for _ in range(3):
            flat @ W.T
        q @ q.transpose(0, 2, 1)
        p @ q
    return run


def cases(widths, lengths, min_seconds):
    """{name: (fn, calls)}: ``calls`` makes one timed loop last at least ``min_seconds`` on 1 thread.
    For every layer and shape also "<name>_products": its matrix products alone."""
    rng = np.random.default_rng(0)
    out = {}
    for d in widths:
        layer = lr.LSTM(d, d, seed=0)
        Wq, Wk, Wv = (rng.normal(scale=d ** -0.5, size=(d, d)) for _ in range(3))
        for T in lengths:
            x = rng.normal(size=(T, TOKENS // T, d))
            out[f"lstm_d{d}_T{T}"] = lambda x=x, layer=layer: layer.forward(x)
            out[f"lstm_d{d}_T{T}_products"] = lstm_products(x, d)
            out[f"attention_d{d}_T{T}"] = lambda x=x, W=(Wq, Wk, Wv): lr.causal_self_attention(x, *W)
            out[f"attention_d{d}_T{T}_products"] = attention_products(x, d)
    a = rng.normal(size=(CONTROL, CONTROL))
    out["matmul_control"] = lambda: a @ a
    calibrated = {}
    for name, fn in out.items():
        with threadpool_limits(limits=1, user_api="blas"):
            fn()
            start = time.perf_counter()
            fn()
            once = time.perf_counter() - start
        calibrated[name] = (fn, max(1, int(np.ceil(min_seconds / max(once, 1e-6)))))
    return calibrated


def describe(name):
    if name == "matmul_control":
        return {"layer": "matmul", "part": "all", "d": CONTROL, "T": None, "B": None}
    layer, d, T, *part = name.split("_")
    T = int(T[1:])
    return {"layer": layer, "part": part[0] if part else "all", "d": int(d[1:]), "T": T, "B": TOKENS // T}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=11)
    ap.add_argument("--min-seconds", type=float, default=0.05, help="length of one timed loop (1 thread)")
    ap.add_argument("--quick", action="store_true", help="d = 64, T = 25 and 400, 2 repeats")
    ap.add_argument("--out", default=str(ROOT / "lstm_ref" / "data" / "bench_threads.json"))
    ap.add_argument("--fresh", action="store_true", help="start the file anew instead of adding a session")
    args = ap.parse_args()
    widths, lengths = ((64,), (25, 400)) if args.quick else (WIDTHS, LENGTHS)
    repeats = 2 if args.quick else args.repeats

    load_before = [float(v) for v in os.getloadavg()]
    started = datetime.datetime.now(datetime.timezone.utc)
    todo = cases(widths, lengths, args.min_seconds)
    print(f"load average {load_before}, {len(todo)} cases, {repeats} repeats", flush=True)
    measured = lr.interleaved_wall_times(todo, threads=(1, 2), repeats=repeats)
    load_after = [float(v) for v in os.getloadavg()]

    runs = []
    for name, (fn, calls) in todo.items():
        secs = measured["seconds"][name]
        best, paired = lr.thread_ratios(secs)
        runs.append(dict(describe(name), name=name, calls=calls,
                         seconds={str(n): secs[n] for n in (1, 2)}))
        print(f"{name:22s} 1 thread {1e3 * min(secs[1]):8.2f} ms  2 threads {1e3 * min(secs[2]):8.2f} ms  "
              f"best-of ratio {best:.2f}  paired median {paired:.2f}", flush=True)
    config = {"tokens": TOKENS, "widths": list(widths), "lengths": list(lengths), "threads": [1, 2],
              "repeats": repeats, "min_seconds": args.min_seconds, "dtype": "float64",
              "control": f"({CONTROL}, {CONTROL}) x ({CONTROL}, {CONTROL})",
              "timed": "forward pass, wall time per call (time.perf_counter)"}
    session = {
        "started_utc": started.isoformat(timespec="seconds"), "package_version": lr.__version__,
        "numpy_version": np.__version__, "blas": blas(), "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "seconds_total": round((datetime.datetime.now(datetime.timezone.utc) - started).total_seconds(), 1),
        "load_before": load_before, "load_after": load_after, "load_per_repeat": measured["load"],
        "runs": runs,
    }
    out = pathlib.Path(args.out)
    result = {"benchmark": "threads", "chapter": "09", "config": config, "sessions": []}
    if out.exists() and not args.fresh:
        result = json.loads(out.read_text(encoding="utf-8"))
        if result["config"] != config:
            sys.exit(f"{out} holds sessions with another configuration; use --fresh or another --out")
    result["sessions"].append(session)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote session {len(result['sessions'])} to {out}; load average {load_before} before, "
          f"{load_after} after")


if __name__ == "__main__":
    main()
