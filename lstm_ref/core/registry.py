"""One registry of the recurrent cells, and the generic unroll that runs any of them over a sequence.

``CELLS[kind]`` says what a cell is: its step functions, how many gate blocks its weights stack
(G: weight_ih is (G*H, I)), whether it carries a cell state c next to h, and the names of its
options (keyword arguments of its step, attributes of its layer). ``unroll_forward`` and
``unroll_backward`` run a registered cell over time, one direction of one layer, by calling its step
functions in a loop (the pattern of cs231n's ``rnn_forward`` / ``rnn_backward``). Every layer of
``layers.py`` can run through them (``fast=False``); the fast kernels of RNN, LSTM and GRU are
accelerations that tests hold to this unroll (<= 1e-12).

Shapes: x (T, B, I), h0 and c0 (B, H), ys (T, B, H); ``p`` is one layer's parameter dict with
single-layer PyTorch names (weight_ih, weight_hh, bias_ih, bias_hh, ...).
"""
from dataclasses import dataclass

import numpy as np

from .cells import (gru_step_backward, gru_step_forward, lstm_step_backward, lstm_step_forward,
                    mgu_step_backward, mgu_step_forward, rnn_step_backward, rnn_step_forward)

__all__ = ["Cell", "CELLS", "unroll_forward", "unroll_backward"]


@dataclass(frozen=True)
class Cell:
    """A registered cell.

    step_forward: (x, h_prev, [c_prev,] p, **options) -> h or (h, c), cache
    step_backward: (dh, [dc,] cache) -> dx, dh_prev, [dc_prev,] grads
    gates: G, the number of (H, .) blocks stacked in weight_ih, weight_hh, bias_ih, bias_hh.
    has_cell: True if the state is (h, c) (the LSTM), False if it is h alone.
    options: names of the step's keyword options, which are also the layer's attributes.
    """

    step_forward: object
    step_backward: object
    gates: int
    has_cell: bool
    options: tuple = ()


CELLS = {
    "rnn": Cell(rnn_step_forward, rnn_step_backward, gates=1, has_cell=False, options=("nonlinearity",)),
    "lstm": Cell(lstm_step_forward, lstm_step_backward, gates=4, has_cell=True, options=("variant",)),
    "gru": Cell(gru_step_forward, gru_step_backward, gates=3, has_cell=False, options=("reset_after",)),
    "mgu": Cell(mgu_step_forward, mgu_step_backward, gates=2, has_cell=False),
}


def cell(kind):
    """The registered Cell of ``kind``; ValueError naming the registered kinds otherwise."""
    if kind not in CELLS:
        raise ValueError(f"kind must be one of {sorted(CELLS)}, got {kind!r}")
    return CELLS[kind]


def unroll_forward(kind, x, p, h0, c0=None, reverse=False, **options):
    """Run cell ``kind`` over x (T, B, I) from h0 (and c0 if it has a cell state), B, H as h0.

    reverse=True processes t = T-1, ..., 0 (the reverse direction of a bidirectional layer).
    Returns ys (T, B, H) (the hidden state after step t at index t), h_T, c_T (None without a cell
    state) and the cache for :func:`unroll_backward`.
    """
    spec = cell(kind)
    T = x.shape[0]
    ys = np.empty((T,) + np.shape(h0), dtype=np.asarray(h0).dtype)
    caches = [None] * T
    h, c = h0, c0
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        if spec.has_cell:
            (h, c), caches[t] = spec.step_forward(x[t], h, c, p, **options)
        else:
            h, caches[t] = spec.step_forward(x[t], h, p, **options)
        ys[t] = h
    cache = {"kind": kind, "caches": caches, "reverse": reverse, "x_shape": x.shape, "p": p}
    return ys, h, c, cache


def unroll_backward(dys, dh_T, dc_T, cache):
    """Backpropagation through time of :func:`unroll_forward`.

    dys (T, B, H): dL/dys from above; dh_T, dc_T (B, H): dL/dh_T and dL/dc_T (dc_T None without a
    cell state). Returns dx (T, B, I), dh0 (B, H), dc0 (B, H) or None, grads (summed over steps, the
    keys of p) and dhs (T, B, H): the total dL/dh_t that reached each step's output.
    """
    spec = cell(cache["kind"])
    T, B, I = cache["x_shape"]
    dx = np.empty((T, B, I), dtype=dys.dtype)
    dhs = np.empty_like(dys)
    grads = {k: np.zeros_like(v) for k, v in cache["p"].items()}
    dh_next, dc_next = dh_T, dc_T
    for t in (range(T) if cache["reverse"] else range(T - 1, -1, -1)):
        dhs[t] = dys[t] + dh_next
        if spec.has_cell:
            dx[t], dh_next, dc_next, g = spec.step_backward(dhs[t], dc_next, cache["caches"][t])
        else:
            dx[t], dh_next, g = spec.step_backward(dhs[t], cache["caches"][t])
        for k in grads:
            grads[k] += g[k]
    return dx, dh_next, dc_next, grads, dhs
