"""Seeded synthetic sequence tasks: adding problem, temporal order, copy memory, future-context tagging, continual stream.

Every generator takes the number of sequences ``n``, a length ``T`` and a ``seed`` (drawn with
``np.random.default_rng(seed)``, never the global state) and returns time-major arrays:
inputs ``(T, n, features)`` float64 (or ``(T, n)`` int64 token ids with ``one_hot=False``),
targets float64 for regression and int64 class ids for classification. Positions without a
target hold ``IGNORE_INDEX`` (-100), which ``softmax_cross_entropy`` and ``accuracy`` skip.

Each task tests one thing a recurrent network must do:

==================  ===============================================  ================================
task                needs                                            source
==================  ===============================================  ================================
adding_problem      keep two values over a long gap, add them        Hochreiter & Schmidhuber 1997
                                                                     (Exp. 4); Le et al. 2015
temporal_order      remember the order of two distant symbols        Hochreiter & Schmidhuber 1997
                                                                     (Exp. 6a)
copy_memory         store a whole string, reproduce it after a gap   Hochreiter & Schmidhuber 1997;
                                                                     Arjovsky et al. 2016
future_tagging      see the future: y_t = x_{t+k}                    (bidirectional chapter)
continual_stream    forget: only the current segment matters         Gers, Schmidhuber & Cummins 2000
==================  ===============================================  ================================
"""
from __future__ import annotations

import math

import numpy as np

from ..training.losses import IGNORE_INDEX

__all__ = [
    "adding_problem",
    "adding_baseline_mse",
    "adding_correct",
    "HOCHREITER_TOLERANCE",
    "temporal_order",
    "TEMPORAL_ORDER_SYMBOLS",
    "TEMPORAL_ORDER_CLASSES",
    "copy_memory",
    "copy_memory_baseline",
    "future_tagging",
    "continual_stream",
]

#: A Hochreiter & Schmidhuber (1997) adding-problem sequence counts as correct if |error| < 0.04.
HOCHREITER_TOLERANCE = 0.04

#: Input alphabet of the temporal-order task, in one-hot order: four distractors, the two
#: relevant symbols X and Y, the start symbol E and the end ("trigger") symbol B.
TEMPORAL_ORDER_SYMBOLS = ("a", "b", "c", "d", "X", "Y", "E", "B")
#: Classes of the temporal-order task: the order of the two relevant symbols.
TEMPORAL_ORDER_CLASSES = ("Q: X..X", "R: X..Y", "S: Y..X", "U: Y..Y")


def _check_n_T(n, T, T_min, name="T"):
    if int(n) != n or n < 1:
        raise ValueError(f"n (number of sequences) must be a positive integer, got {n!r}")
    if int(T) != T or T < T_min:
        raise ValueError(f"{name} must be an integer >= {T_min}, got {T!r}")
    return int(n), int(T)


def _one_hot(ids, K):
    out = np.zeros(ids.shape + (K,), dtype=np.float64)
    np.put_along_axis(out, ids[..., None], 1.0, axis=-1)
    return out


# ---------------------------------------------------------------------------------------------
# Adding problem
# ---------------------------------------------------------------------------------------------

def adding_problem(n, T, seed=0, form="uniform"):
    """The adding problem: add the two marked numbers of a long sequence.

    Input at step t is a pair (value_t, marker_t); the target, seen only after the last step,
    depends on the two values whose marker is 1.

    form="uniform" (Le, Jaitly & Hinton 2015, the form used since):
        values ~ U[0, 1]; markers are 0 except exactly two 1s, one at a uniformly random step
        of the first half [0, T//2) and one in the second half [T//2, T) (the placement spelled
        out by Arjovsky, Shah & Bengio 2016), so the two values are on average T/2 steps apart.
        target = X1 + X2 in [0, 2]. Predicting the mean 1 for every sequence gives
        MSE = Var(X1 + X2) = 2/12 = 1/6 (see :func:`adding_baseline_mse`): a model has learned
        something only below that line.

    form="hochreiter" (Hochreiter & Schmidhuber 1997, Experiment 4):
        values ~ U[-1, 1]; marker 1 on two steps: the first chosen uniformly among the first ten
        steps (X1), the second uniformly among T/2 - 1 candidates, the first T/2 steps without the
        one of X1 (X2);
        marker -1 on the first and the last step unless marked; 0 elsewhere. If the first step
        is marked, its value X1 is set to 0 (as in the paper).
        target = 0.5 + (X1 + X2) / 4 in [0, 1]. A sequence is processed correctly if the
        absolute error is below 0.04 (:data:`HOCHREITER_TOLERANCE`, :func:`adding_correct`).
        Predicting 0.5 gives MSE = E[(X1 + X2)^2] / 16 = (0.9/3 + 1/3) / 16 = 19/480 ~ 0.0396
        (X1 is 0 with probability 1/10).
        One deviation: the paper's sequences have random lengths in [T, T + T/10]; here all
        have length T, so that a batch is one array.

    Parameters
    ----------
    n : int      number of sequences B
    T : int      sequence length (>= 2 for "uniform", >= 22 for "hochreiter", whose first ten
                 steps and the first T/2 - 1 steps must be distinct ranges)
    seed : int
    form : "uniform" | "hochreiter"

    Returns
    -------
    x : (T, n, 2) float64: x[..., 0] values, x[..., 1] markers
    y : (n, 1) float64 targets
    """
    if form == "uniform":
        n, T = _check_n_T(n, T, 2)
        rng = np.random.default_rng(seed)
        values = rng.uniform(0.0, 1.0, size=(T, n))
        half = T // 2
        i1 = rng.integers(0, half, size=n)
        i2 = rng.integers(half, T, size=n)
        markers = np.zeros((T, n))
        cols = np.arange(n)
        markers[i1, cols] = 1.0
        markers[i2, cols] = 1.0
        y = (values[i1, cols] + values[i2, cols])[:, None]
    elif form == "hochreiter":
        n, T = _check_n_T(n, T, 22)
        rng = np.random.default_rng(seed)
        values = rng.uniform(-1.0, 1.0, size=(T, n))
        cols = np.arange(n)
        i1 = rng.integers(0, 10, size=n)
        m = T // 2 - 1  # number of candidates for X2: steps 0 .. m without i1
        j = rng.integers(0, m, size=n)
        i2 = j + (j >= i1)  # skip the step already marked
        values[0, i1 == 0] = 0.0  # "in the rare case where the first pair is marked, X1 = 0"
        markers = np.zeros((T, n))
        markers[0, :] = -1.0
        markers[T - 1, :] = -1.0
        markers[i1, cols] = 1.0
        markers[i2, cols] = 1.0
        y = (0.5 + (values[i1, cols] + values[i2, cols]) / 4.0)[:, None]
    else:
        raise ValueError(f"form must be 'uniform' or 'hochreiter', got {form!r}")
    x = np.stack([values, markers], axis=-1)
    return x, y


def adding_baseline_mse(form="uniform"):
    """MSE of always predicting the mean target.

    "uniform": Var(X1 + X2) = 2/12 = 1/6 for X1, X2 ~ U[0, 1].
    "hochreiter": E[((X1 + X2)/4)^2] with X2 ~ U[-1, 1] and X1 ~ U[-1, 1] except X1 = 0 when it
    falls on the first step (probability 1/10): (0.9/3 + 1/3) / 16 = 19/480.
    """
    if form == "uniform":
        return 1.0 / 6.0
    if form == "hochreiter":
        return 19.0 / 480.0
    raise ValueError(f"form must be 'uniform' or 'hochreiter', got {form!r}")


def adding_correct(pred, y, tol=HOCHREITER_TOLERANCE):
    """Fraction of sequences with |pred - y| < tol (Hochreiter & Schmidhuber's criterion).

    pred, y : arrays of the same shape (n, 1). Returns a float in [0, 1].
    """
    pred, y = np.asarray(pred), np.asarray(y)
    if pred.shape != y.shape:
        raise ValueError(f"pred must have the shape of y {y.shape}, got {pred.shape}")
    return float(np.mean(np.abs(pred - y) < tol))


# ---------------------------------------------------------------------------------------------
# Temporal order
# ---------------------------------------------------------------------------------------------

def temporal_order(n, T, seed=0):
    """Temporal order (Hochreiter & Schmidhuber 1997, Experiment 6a): classify a sequence by the
    order of two widely separated relevant symbols.

    Each sequence starts with E, ends with the trigger symbol B, and is otherwise made of random
    distractors a, b, c, d, except at two steps t1 and t2 that hold X or Y. The class is the
    order: (X, X) -> 0 "Q", (X, Y) -> 1 "R", (Y, X) -> 2 "S", (Y, Y) -> 3 "U".
    The paper's sequences have length 100..110 with t1 in [10, 20] and t2 in [50, 60]; here the
    length is T and the positions are scaled with it: t1 uniform in [round(0.1 T), round(0.2 T)],
    t2 uniform in [round(0.5 T), round(0.6 T)] (clipped to lie strictly inside the sequence).

    Parameters
    ----------
    n : int   number of sequences
    T : int   length, >= 8
    seed : int

    Returns
    -------
    x : (T, n, 8) float64 one-hot over :data:`TEMPORAL_ORDER_SYMBOLS` (a b c d X Y E B)
    y : (n,) int64 classes 0..3 (:data:`TEMPORAL_ORDER_CLASSES`)
    """
    n, T = _check_n_T(n, T, 8)
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 4, size=(T, n))
    ids[0] = 6  # E
    ids[T - 1] = 7  # B
    lo1, hi1 = max(1, round(0.1 * T)), max(1, round(0.2 * T))
    lo2, hi2 = max(hi1 + 1, round(0.5 * T)), min(T - 2, max(hi1 + 1, round(0.6 * T)))
    t1 = rng.integers(lo1, hi1 + 1, size=n)
    t2 = rng.integers(lo2, hi2 + 1, size=n)
    s1 = rng.integers(0, 2, size=n)  # 0 = X, 1 = Y
    s2 = rng.integers(0, 2, size=n)
    cols = np.arange(n)
    ids[t1, cols] = 4 + s1
    ids[t2, cols] = 4 + s2
    y = (2 * s1 + s2).astype(np.int64)
    return _one_hot(ids, 8), y


# ---------------------------------------------------------------------------------------------
# Copy memory
# ---------------------------------------------------------------------------------------------

def copy_memory(n, T, seed=0, n_symbols=8, length=10, one_hot=True):
    """Copy memory (Hochreiter & Schmidhuber 1997; in this form Arjovsky, Shah & Bengio 2016).

    Alphabet: 0 = blank, 1..n_symbols = data symbols, n_symbols + 1 = the "go" delimiter.
    Input: ``length`` random data symbols, then T - 1 blanks, then the delimiter, then
    ``length`` blanks: T + 2*length steps. Target: blank for the first T + length steps, then
    the ``length`` data symbols in their original order. T is the gap a memory has to bridge.

    A model that outputs blank and then guesses uniformly scores the cross-entropy
    ``length * log(n_symbols) / (T + 2 length)`` (:func:`copy_memory_baseline`).

    Returns
    -------
    x : (T + 2*length, n, n_symbols + 2) float64 one-hot, or (T + 2*length, n) int64 with one_hot=False
    y : (T + 2*length, n) int64 targets in [0, n_symbols]
    """
    n, T = _check_n_T(n, T, 1)
    if n_symbols < 1 or length < 1:
        raise ValueError(f"n_symbols and length must be >= 1, got {n_symbols} and {length}")
    rng = np.random.default_rng(seed)
    L = T + 2 * length
    data = rng.integers(1, n_symbols + 1, size=(length, n))
    ids = np.zeros((L, n), dtype=np.int64)
    ids[:length] = data
    ids[T + length - 1] = n_symbols + 1
    y = np.zeros((L, n), dtype=np.int64)
    y[T + length:] = data
    x = _one_hot(ids, n_symbols + 2) if one_hot else ids
    return x, y


def copy_memory_baseline(T, n_symbols=8, length=10):
    """Mean cross-entropy of the memoryless strategy for :func:`copy_memory`: blank with
    certainty until the data is due, then uniform over the n_symbols data symbols."""
    return length * math.log(n_symbols) / (T + 2 * length)


# ---------------------------------------------------------------------------------------------
# Future-context tagging
# ---------------------------------------------------------------------------------------------

def future_tagging(n, T, K, k=3, seed=0, one_hot=True):
    """Tag every step with the symbol k steps ahead: y_t = x_{t+k}.

    Symbols are i.i.d. uniform over K classes, so a left-to-right network cannot beat chance
    (1/K) at any step: the answer has not been read yet. A bidirectional network reads it with
    its backward half. The last k steps have no target: mask False and y = IGNORE_INDEX (-100).

    Parameters
    ----------
    n, T : number of sequences and length (T > k)
    K : number of symbols (>= 2)
    k : look-ahead (>= 0; k = 0 is the trivial copy task)
    one_hot : return x as (T, n, K) float64 one-hot (default) or (T, n) int64 ids

    Returns
    -------
    x : (T, n, K) float64 or (T, n) int64
    y : (T, n) int64 in [0, K), IGNORE_INDEX where mask is False
    mask : (T, n) bool, True for t < T - k
    """
    n, T = _check_n_T(n, T, 1)
    if K < 2:
        raise ValueError(f"K (number of symbols) must be >= 2, got {K}")
    if k < 0 or k >= T:
        raise ValueError(f"k must satisfy 0 <= k < T={T}, got {k}")
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, K, size=(T, n))
    y = np.full((T, n), IGNORE_INDEX, dtype=np.int64)
    y[: T - k] = ids[k:]
    mask = np.zeros((T, n), dtype=bool)
    mask[: T - k] = True
    x = _one_hot(ids, K) if one_hot else ids.astype(np.int64)
    return x, y, mask


# ---------------------------------------------------------------------------------------------
# Continual stream
# ---------------------------------------------------------------------------------------------

def continual_stream(n, T, seed=0, seg_min=4, seg_max=10, task="sum", n_keys=2, n_noise=2, one_hot=True,
                     return_segments=False):
    """A stream of short segments with no reset between them (the setting of Gers, Schmidhuber &
    Cummins 2000, "Learning to forget: continual prediction with LSTM").

    The stream is cut into segments of random length in [seg_min, seg_max]; the target at every
    step depends only on the current segment, and nothing resets the network between segments:
    it has to clear its own memory when a segment starts. An LSTM with a forget gate does this by
    closing f for one step. Without the forget gate (f = 1) the cell can only add,
    c_t = c_{t-1} + i_t g_t, so it carries the sum of everything it ever stored; to start afresh
    it would have to subtract exactly what it holds, seen only through the saturating tanh(c).

    task="sum" (default): integrate and reset.
        x[t] = (start_t, v_t): start_t = 1 on the first step of a segment, else 0; v_t ~ U[-1, 1].
        y[t] = 1 if the sum of v over the current segment up to and including t is > 0, else 0.
        The natural solution accumulates v in a cell and empties it at every start; a cell
        without forget gate keeps the sum of all segments instead.
    task="latch": remember the latest key.
        Each segment starts with one of n_keys key symbols, followed by noise symbols (n_noise of
        them, uniform); y[t] = the key of the current segment. x is one-hot over the
        n_keys + n_noise symbols (keys first), or (T, n) ids with one_hot=False. A weaker test of
        the forget gate: a cell without one can still overwrite a single stored key through its
        recurrent input (g driven by h_{t-1} = o tanh(c_{t-1}) can cancel what c holds).

    The stream starts with a segment, so every step has a target; chance accuracy is 1/2 (1/n_keys).

    Parameters
    ----------
    n : int     number of streams
    T : int     stream length
    seg_min, seg_max : segment lengths (1 <= seg_min <= seg_max)
    task : "sum" | "latch"
    n_keys, n_noise, one_hot : alphabet of task="latch" (n_keys >= 2, n_noise >= 1)
    return_segments : also return a (T, n) bool array, True where a segment starts

    Returns
    -------
    x : (T, n, 2) float64 for "sum"; (T, n, n_keys + n_noise) float64 or (T, n) int64 for "latch"
    y : (T, n) int64 class ids
    starts : (T, n) bool, only with return_segments=True
    """
    n, T = _check_n_T(n, T, 1)
    if int(seg_min) != seg_min or int(seg_max) != seg_max or not 1 <= seg_min <= seg_max:
        raise ValueError(f"need integers 1 <= seg_min <= seg_max, got {seg_min} and {seg_max}")
    if task not in ("sum", "latch"):
        raise ValueError(f"task must be 'sum' or 'latch', got {task!r}")
    if task == "latch" and (n_keys < 2 or n_noise < 1):
        raise ValueError(f"task='latch' needs n_keys >= 2 and n_noise >= 1, got {n_keys} and {n_noise}")
    rng = np.random.default_rng(seed)
    # segment starts: cumulative sums of random lengths (enough draws to cover T)
    n_seg = T // seg_min + 1
    lengths = rng.integers(seg_min, seg_max + 1, size=(n_seg, n))
    pos = np.concatenate([np.zeros((1, n), dtype=np.int64), np.cumsum(lengths, axis=0)[:-1]], axis=0)
    starts = np.zeros((T, n), dtype=bool)
    cols = np.broadcast_to(np.arange(n), pos.shape)
    inside = pos < T
    starts[pos[inside], cols[inside]] = True
    if task == "sum":
        v = rng.uniform(-1.0, 1.0, size=(T, n))
        y = np.empty((T, n), dtype=np.int64)
        running = np.zeros(n)
        for t in range(T):
            running = np.where(starts[t], 0.0, running) + v[t]
            y[t] = running > 0
        x = np.stack([starts.astype(np.float64), v], axis=-1)
    else:
        keys = rng.integers(0, n_keys, size=(n_seg, n))
        seg_index = np.cumsum(starts, axis=0) - 1  # which segment each step belongs to
        y = np.take_along_axis(keys, seg_index, axis=0).astype(np.int64)
        noise = n_keys + rng.integers(0, n_noise, size=(T, n))
        ids = np.where(starts, y, noise)
        x = _one_hot(ids, n_keys + n_noise) if one_hot else ids.astype(np.int64)
    if return_segments:
        return x, y, starts
    return x, y
