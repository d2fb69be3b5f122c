"""The LSTM-variant ablation of chapter 09: training on a continual stream without state resets.

Gers, Schmidhuber & Cummins (2000) added the forget gate because an LSTM that reads an endless
stream never gets its state reset from outside: without a way to empty the cell, c_t keeps
growing. This module trains a recurrent layer on such a stream with truncated BPTT, carrying the
final state of one chunk into the next (nothing is ever reset, during training or at test time),
and measures accuracy and the size of the cell state on a long held-out stream.

Main entry points
-----------------
``train_on_stream(layer, head, x, y, bptt, optimizer, clip=None) -> history dict``
    truncated-BPTT training of ``layer`` + a linear ``head`` over one long stream.
``stream_eval(layer, head, x, y) -> dict``
    accuracy and the largest |c| of a long stream read in one pass from a zero state.
``continual_ablation(variant, seed, config=AblationConfig(), **overrides) -> dict``
    one run of the ablation: build, train on a stream of ``lstm_ref.continual_stream``, evaluate.
"""
import dataclasses

import numpy as np

from ..core.layers import LSTM
from ..training.loop import CarriedState, train
from ..training.losses import softmax_cross_entropy
from ..training.modules import Composite, Linear
from ..training.optim import Adam
from .tasks import continual_stream

__all__ = ["train_on_stream", "stream_eval", "AblationConfig", "continual_ablation"]


class _StreamModel(Composite):
    """``layer`` + a linear ``head`` read at every step, for :class:`lstm_ref.CarriedState`:
    ``loss_and_grads(x, y, state) -> (loss, grads, final state)``."""

    def __init__(self, layer, head):
        self.layer, self.head = layer, head

    def _parts(self):
        return (("rnn", self.layer), ("head", self.head))

    def loss_and_grads(self, x, y, state):
        out, state = self.layer.forward(x, state)
        loss, dlogits = softmax_cross_entropy(self.head.forward(out), y)
        self.layer.backward(self.head.backward(dlogits))
        return loss, self.grads, state


def train_on_stream(layer, head, x, y, bptt, optimizer, clip=None, progress=None):
    """Train on one long stream by truncated BPTT, never resetting the state.

    layer : LSTM (or GRU/RNN) with input size I and hidden size H (one direction)
    head : Linear(H, K) mapping each step's output to K class logits
    x : (N, B, I) float stream;  y : (N, B) int class ids of every step
    bptt : chunk length; chunk k covers steps [k*bptt, (k+1)*bptt) and starts from the final
        state of chunk k-1 (gradients are cut at the chunk boundary, the state is not)
    optimizer : e.g. Adam; clip : None or max global gradient norm; progress: as for ``train``

    The loop is :func:`lstm_ref.train` with a :class:`lstm_ref.CarriedState`. Returns its history
    ("step", "loss" (U,) per-chunk mean cross-entropy, "grad_norm", ...) and "state": the final
    state, "max_abs_c": (U,) float64 largest |c| at the end of each chunk (LSTM only, else empty).
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 3 or y.shape != x.shape[:2]:
        raise ValueError(f"x must have shape (N, B, I) and y (N, B) with the same N and B, got {x.shape} and {y.shape}")
    if int(bptt) < 1:
        raise ValueError(f"bptt must be >= 1, got {bptt}")
    bptt = int(bptt)
    carried = CarriedState(_StreamModel(layer, head))
    cmax = []

    def batch_fn(k):
        if isinstance(carried.state, tuple):           # the state the previous chunk ended with
            cmax.append(float(np.abs(carried.state[1]).max()))
        return x[k * bptt:(k + 1) * bptt], y[k * bptt:(k + 1) * bptt]

    hist = train(carried, batch_fn, x.shape[0] // bptt, optimizer, clip=clip, progress=progress)
    if isinstance(carried.state, tuple):
        cmax.append(float(np.abs(carried.state[1]).max()))
    hist.update(state=carried.state, max_abs_c=np.array(cmax))
    return hist


def stream_eval(layer, head, x, y):
    """Read a whole stream in one pass from a zero state.

    x : (N, B, I);  y : (N, B) int.  Returns {"accuracy": float, "accuracy_t": (N,) accuracy per
    step over the batch, "max_abs_c_t": (N,) largest |c_t| per step (LSTM) via the layer's
    one-step forward, "max_abs_c": float}.
    """
    out, _ = layer.forward(x)
    correct = head.forward(out).argmax(axis=-1) == np.asarray(y)
    result = {"accuracy": float(correct.mean()), "accuracy_t": correct.mean(axis=1)}
    if isinstance(layer, LSTM):
        # c_t of every step: re-run step by step, carrying the state (T calls of a T=1 forward).
        state, cmax = None, np.empty(x.shape[0])
        for t in range(x.shape[0]):
            _, state = layer.forward(x[t:t + 1], state)
            cmax[t] = np.abs(state[1]).max()
        result["max_abs_c_t"] = cmax
        result["max_abs_c"] = float(cmax.max())
    return result


@dataclasses.dataclass(frozen=True)
class AblationConfig:
    """The settings of one run of the forget-gate ablation (``continual_ablation``).

    Stream (``continual_stream(task="latch")``): segments of seg_min..seg_max steps, each opened by
    one of n_keys key symbols and filled with n_keys noise symbols; the target at every step is the
    current segment's key (chance = 1 / n_keys). Model: an LSTM with ``hidden_size`` cells and a
    linear head; ``forget_bias`` is the initial forget-gate bias (ignored by "no_forget", which has
    no forget gate). Training: Adam (lr, clip) on ``batch_size`` streams of ``updates * bptt``
    steps, chunk by chunk without resets. Evaluation: ``eval_batch`` fresh streams of
    ``eval_length`` steps (seed ``eval_seed``) read from a zero state.
    """

    hidden_size: int = 8
    n_keys: int = 4
    seg_min: int = 10
    seg_max: int = 20
    bptt: int = 50
    updates: int = 250
    batch_size: int = 32
    lr: float = 1e-2
    clip: float = 1.0
    forget_bias: float = 1.0
    eval_length: int = 2000
    eval_batch: int = 64
    eval_seed: int = 99


def continual_ablation(variant, seed=0, config=None, **overrides):
    """One run of the forget-gate ablation on the continual key-latch stream.

    variant: an LSTM variant (``LSTM_VARIANTS``); seed: of the model and the training stream.
    config: an :class:`AblationConfig` (default: the chapter's settings); overrides: fields to
    change, e.g. ``updates=40``.

    Returns {"variant", "seed", "accuracy", "accuracy_t" (eval_length,), "max_abs_c",
    "max_abs_c_t" (eval_length,), "train_loss" (updates,), "train_max_abs_c" (updates,),
    "layer", "head" (the trained modules), "eval_stream" ((x, y) of the evaluation)}.
    """
    cfg = dataclasses.replace(config or AblationConfig(), **overrides)
    kw = dict(seg_min=cfg.seg_min, seg_max=cfg.seg_max, task="latch", n_keys=cfg.n_keys, n_noise=cfg.n_keys)
    layer = LSTM(2 * cfg.n_keys, cfg.hidden_size, seed=seed, variant=variant,
                 forget_bias=0.0 if variant == "no_forget" else cfg.forget_bias)
    head = Linear(cfg.hidden_size, cfg.n_keys, seed=seed + 1)
    x, y = continual_stream(cfg.batch_size, cfg.updates * cfg.bptt, seed=seed, **kw)
    fit = train_on_stream(layer, head, x, y, cfg.bptt, Adam(lr=cfg.lr), clip=cfg.clip)
    xe, ye = continual_stream(cfg.eval_batch, cfg.eval_length, seed=cfg.eval_seed, **kw)
    ev = stream_eval(layer, head, xe, ye)
    return {"variant": variant, "seed": seed, "accuracy": ev["accuracy"], "accuracy_t": ev["accuracy_t"],
            "max_abs_c": ev["max_abs_c"], "max_abs_c_t": ev["max_abs_c_t"], "train_loss": fit["loss"],
            "train_max_abs_c": fit["max_abs_c"], "layer": layer, "head": head, "eval_stream": (xe, ye)}
