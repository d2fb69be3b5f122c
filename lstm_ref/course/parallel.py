"""What a second core buys (chapter 09): causal self-attention, wall time under a BLAS thread limit,
and the committed results of ``benchmarks/bench_threads.py``.

Main entry points
-----------------
``causal_self_attention(x, Wq, Wk, Wv) -> (T, B, d)``
    one head of causal self-attention, every position computed at once with a few large matrix
    products (the layer chapter 09 times against the LSTM).
``interleaved_wall_times(cases, threads=(1, 2), repeats=5) -> dict``
    wall time of each case under each BLAS thread limit, the limits taking turns within every
    repeat (so a burst of load from another process hits both), with the load average per repeat.
``load_thread_benchmark() -> dict``
    the committed results of ``benchmarks/bench_threads.py`` (``lstm_ref/data/bench_threads.json``).
``thread_ratios(seconds) -> (best_ratio, median_paired_ratio)``
    what the second thread bought, from the per-repeat times of one case.

Wall time, not process CPU time: with two threads the CPU time of both adds up, while what a second
core buys is the time one waits. The limit is set with ``threadpoolctl`` and restored afterwards.
"""
import json
import os
import time
from importlib import resources

import numpy as np

from ..core._validate import as_array
from ..core.activations import softmax

__all__ = ["causal_self_attention", "interleaved_wall_times", "load_thread_benchmark", "thread_ratios"]


def causal_self_attention(x, Wq, Wk, Wv):
    """One head of causal self-attention: position t attends to positions <= t, all at once.

    x : (T, B, d) float;  Wq, Wk, Wv : (d, d) (query, key, value projections, ``x @ W.T``).
    Returns (T, B, d): softmax(q k^T / sqrt(d) over positions <= t) v, for every t and batch row.
    The projections of all T*B tokens are one (T*B, d) x (d, d) product each; the scores are B
    (T, d) x (d, T) products. No input is modified.
    """
    x = as_array("x", x, (None, None, None), ("T", "B", "d"))
    T, B, d = x.shape
    Ws = [as_array(name, W, (d, d), ("d", "d"), dtype=x.dtype)
          for name, W in (("Wq", Wq), ("Wk", Wk), ("Wv", Wv))]
    flat = x.reshape(T * B, d)
    q, k, v = ((flat @ W.T).reshape(T, B, d).transpose(1, 0, 2) for W in Ws)    # (B, T, d)
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(d)                             # (B, T, T)
    scores = np.where(np.tril(np.ones((T, T), bool)), scores, -np.inf)
    return (softmax(scores, axis=-1) @ v).transpose(1, 0, 2)


def _limit(threads):
    try:
        from threadpoolctl import threadpool_limits
    except ImportError as e:  # pragma: no cover - threadpoolctl is in requirements.txt
        raise ImportError("interleaved_wall_times needs threadpoolctl: pip install threadpoolctl") from e
    return threadpool_limits(limits=int(threads), user_api="blas")


def interleaved_wall_times(cases, threads=(1, 2), repeats=5):
    """Wall seconds per call of every case under every BLAS thread limit, taking turns.

    cases : {name: (fn, calls)}: fn() is timed ``calls`` times in a row, the total divided by calls.
    threads : the BLAS thread limits to compare; repeats : how many rounds.
    In round r every case runs under every limit, the limits in order on even rounds and reversed
    on odd ones, so drifts in the machine's load hit each limit alike.

    Returns {"seconds": {name: {threads: [repeats floats]}}, "load": [repeats 1-minute load
    averages, read at the start of each round]}.
    """
    threads = [int(n) for n in threads]
    if not threads or min(threads) < 1:
        raise ValueError(f"threads must be positive thread counts, got {threads}")
    if int(repeats) < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    seconds = {name: {n: [] for n in threads} for name in cases}
    load = []
    for r in range(int(repeats)):
        load.append(float(os.getloadavg()[0]))
        for name, (fn, calls) in cases.items():
            for n in (threads if r % 2 == 0 else threads[::-1]):
                with _limit(n):
                    start = time.perf_counter()
                    for _ in range(int(calls)):
                        fn()
                    seconds[name][n].append((time.perf_counter() - start) / int(calls))
    return {"seconds": seconds, "load": load}


def thread_ratios(seconds, threads=(1, 2)):
    """(best-of ratio, median of paired ratios) of wall time with threads[1] over threads[0].

    seconds : {threads: [per-repeat seconds]} of one case (keys may be ints or JSON strings).
    best-of: min over repeats of each, divided; paired: repeat by repeat (the two ran back to back),
    then the median. Below 1 the extra threads helped; 0.5 is a perfect second core.
    """
    one, two = (np.asarray(seconds[n] if n in seconds else seconds[str(n)], float) for n in threads)
    if one.shape != two.shape or one.size == 0:
        raise ValueError(f"seconds must hold as many repeats for each thread count, got {one.size} and {two.size}")
    return float(two.min() / one.min()), float(np.median(two / one))


def load_thread_benchmark():
    """The committed results of ``benchmarks/bench_threads.py`` (``lstm_ref/data/bench_threads.json``)."""
    path = resources.files("lstm_ref").joinpath("data").joinpath("bench_threads.json")
    return json.loads(path.read_text(encoding="utf-8"))
