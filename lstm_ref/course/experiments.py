"""Experiment drivers shared by the long-range chapters: train a model on a task until a threshold, over seeds.

The pattern of chapters 05 and 06 (and the measurements of 02 and 09): build a
:class:`~lstm_ref.training.models.SequenceModel`, draw a fresh seeded batch for every update, evaluate on a
*fixed* held-out test set every ``eval_every`` updates, and stop as soon as the test metric reaches
the threshold ("updates to threshold"). Everything is seeded, so a run is a pure function of its
arguments; the BLAS may still change the last bits, so notebooks print counts and rounded metrics.

Main entry points
-----------------
``run_to_threshold(kind, task="adding", T=50, ...) -> Run``
    one training run; ``Run.reached`` is the update at which the test metric first fell below the
    threshold (None if it never did within ``steps``).
``run_seeds(seeds, **kwargs) -> list[Run]``
    the same configuration over several seeds.
``updates_to_threshold(runs) -> (S,) float64``
    the ``reached`` counts, ``inf`` for runs that never reached the threshold (so medians and
    comparisons stay honest: a run that failed is slower than any run that succeeded).
``hidden_grad_norms(model, x, y) -> (T,) float64``
    ``||dL/dh_t||`` for every step t of the first recurrent layer, by backpropagation through time
    with the teaching cells (vectorised over the batch; one forward and one backward sweep).
"""
import dataclasses
import time

import numpy as np

__all__ = [
    "TASKS",
    "Run",
    "task_data",
    "make_model",
    "run_to_threshold",
    "run_seeds",
    "updates_to_threshold",
    "hidden_grad_norms",
]

#: Task name -> (input_size, output_size, loss, metric). ``metric`` is what the threshold applies
#: to: "mse" (mean squared error of the prediction) or "error" (fraction of wrong argmax labels).
TASKS = {
    "adding": (2, 1, "mse", "mse"),
    "temporal_order": (8, 4, "xent", "error"),
}

#: Seeds of the training batches are derived from the run seed and the update number, far away
#: from the default seed of the test set, so no training batch ever equals the test set.
_TRAIN_SEED_STRIDE = 10_000_019
_DEFAULT_TEST_SEED = 2_000_000_011


def task_data(task, n, T, seed, **task_kwargs):
    """Draw ``n`` sequences of length ``T`` of a named task.

    task: "adding" (``lstm_ref.adding_problem``; x (T, n, 2), y (n, 1)) or "temporal_order"
    (``lstm_ref.temporal_order``; x (T, n, 8), y (n,) int64). task_kwargs go to the task function
    (e.g. ``form="hochreiter"`` for the adding problem).
    """
    from . import tasks

    if task == "adding":
        return tasks.adding_problem(n, T, seed=seed, **task_kwargs)
    if task == "temporal_order":
        return tasks.temporal_order(n, T, seed=seed, **task_kwargs)
    raise ValueError(f"task: expected one of {sorted(TASKS)}, got {task!r}")


def make_model(kind, task="adding", hidden_size=32, seed=0, dtype=np.float64, **layer_kwargs):
    """A SequenceModel sized for ``task`` (head "last", the task's loss) with parameters of ``dtype``.

    kind: "rnn" | "lstm" | "gru". layer_kwargs go to the recurrent layer (e.g. ``forget_bias=1.0``,
    ``init="orthogonal"``, ``nonlinearity="tanh"``, ``reset_after=True``).
    """
    from ..training import models

    if task not in TASKS:
        raise ValueError(f"task: expected one of {sorted(TASKS)}, got {task!r}")
    input_size, output_size, loss, _ = TASKS[task]
    return models.SequenceModel(kind, input_size, hidden_size, output_size, head="last", loss=loss,
                                seed=seed, dtype=dtype, **layer_kwargs)


def _metric(model, x, y, metric):
    out = np.asarray(model.predict(x))
    if metric == "mse":
        return float(np.mean((out.reshape(y.shape) - y) ** 2))
    if metric == "error":
        return float(np.mean(np.argmax(out, axis=-1) != y))
    raise ValueError(f"metric: expected 'mse' or 'error', got {metric!r}")


@dataclasses.dataclass
class Run:
    """The record of one training run.

    kind, seed: as passed. config: every other argument of the run (dict).
    reached: update at which the test metric first was <= threshold, or None.
    step, loss, grad_norm: (U,) per-update training loss and gradient norm (before clipping).
    eval_step, eval: (E,) the updates at which the test set was evaluated and the test metric there.
    final_eval: the last evaluated test metric. seconds: wall time (for profiling; never print it
    in a notebook output). model: the trained SequenceModel. test: the (x, y) test set.
    """

    kind: str
    seed: int
    config: dict
    reached: object
    step: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    eval_step: np.ndarray
    eval: np.ndarray
    final_eval: float
    seconds: float
    model: object = dataclasses.field(repr=False)
    test: tuple = dataclasses.field(repr=False)

    def history(self):
        """The run as the dict that ``lstm_ref.train`` returns (for ``lstm_ref.plot_learning_curves``)."""
        return {"step": self.step, "loss": self.loss, "grad_norm": self.grad_norm,
                "eval_step": self.eval_step, "eval": self.eval, "reached": self.reached}


def run_to_threshold(kind="lstm", task="adding", T=50, hidden_size=32, seed=0, steps=800, threshold=0.01,
                     lr=1e-2, clip=1.0, batch_size=64, eval_every=25, n_test=500, test_seed=_DEFAULT_TEST_SEED,
                     stop_at_threshold=True, task_kwargs=None, dtype=np.float64, **layer_kwargs):
    """Train one model with Adam on fresh batches until the test metric is <= threshold.

    kind: "rnn" | "lstm" | "gru". task: a key of TASKS. T: sequence length. seed: seeds both the
    model's initialisation and the stream of training batches (batch k uses task seed
    ``(seed + 1) * 10_000_019 + k``). steps: the budget of updates. threshold: on the task's metric
    (test MSE for "adding", error rate for "temporal_order"); None = never stop early.
    lr: Adam's learning rate. clip: max global gradient norm (None = no clipping).
    eval_every: evaluate the fixed test set (``n_test`` sequences drawn with ``test_seed``, the same
    for every run) every that many updates. stop_at_threshold: False = train all ``steps`` updates
    even after reaching the threshold (``reached`` is still recorded).
    dtype: of the model's parameters; float inputs and targets are cast to it (float32 halves the
    time of a run here, and the updates-to-threshold counts rarely move).
    layer_kwargs: to the recurrent layer, e.g. ``forget_bias=1.0`` or ``init="orthogonal"``.

    Returns a :class:`Run`.
    """
    from ..training import loop, optim

    if task not in TASKS:
        raise ValueError(f"task: expected one of {sorted(TASKS)}, got {task!r}")
    if int(steps) < 1 or int(eval_every) < 1:
        raise ValueError(f"steps and eval_every: expected >= 1, got {steps} and {eval_every}")
    task_kwargs = dict(task_kwargs or {})
    metric = TASKS[task][3]
    dtype = np.dtype(dtype)
    model = make_model(kind, task, hidden_size=hidden_size, seed=seed, dtype=dtype, **layer_kwargs)

    def cast(a):
        return a.astype(dtype) if np.issubdtype(a.dtype, np.floating) else a

    x_test, y_test = (cast(a) for a in task_data(task, n_test, T, test_seed, **task_kwargs))
    base = (int(seed) + 1) * _TRAIN_SEED_STRIDE

    def batch_fn(step):
        return tuple(cast(a) for a in task_data(task, batch_size, T, base + int(step), **task_kwargs))

    def eval_fn(m):
        return _metric(m, x_test, y_test, metric)

    target = threshold if stop_at_threshold else None
    start = time.perf_counter()
    hist = loop.train(model, batch_fn, int(steps), optim.Adam(lr=lr), clip=clip, eval_fn=eval_fn,
                        eval_every=int(eval_every), target=target)
    seconds = time.perf_counter() - start
    eval_step = np.asarray(hist["eval_step"], dtype=np.int64)
    evals = np.asarray(hist["eval"], dtype=np.float64)
    reached = None
    if threshold is not None:
        hit = np.flatnonzero(evals <= threshold)
        reached = int(eval_step[hit[0]]) if hit.size else None
    config = dict(task=task, T=T, hidden_size=hidden_size, steps=steps, threshold=threshold, lr=lr, clip=clip,
                  batch_size=batch_size, eval_every=eval_every, n_test=n_test, test_seed=test_seed,
                  task_kwargs=task_kwargs, dtype=dtype.name, **layer_kwargs)
    return Run(kind=kind, seed=int(seed), config=config, reached=reached,
               step=np.asarray(hist["step"], dtype=np.int64), loss=np.asarray(hist["loss"], dtype=np.float64),
               grad_norm=np.asarray(hist["grad_norm"], dtype=np.float64), eval_step=eval_step, eval=evals,
               final_eval=float(evals[-1]) if evals.size else float("nan"), seconds=seconds, model=model,
               test=(x_test, y_test))


def run_seeds(seeds, kind="lstm", **kwargs):
    """``[run_to_threshold(kind, seed=s, **kwargs) for s in seeds]``."""
    return [run_to_threshold(kind, seed=int(s), **kwargs) for s in seeds]


def updates_to_threshold(runs):
    """(S,) float64: each run's ``reached``, or ``inf`` where it never reached the threshold."""
    return np.array([np.inf if r.reached is None else float(r.reached) for r in runs], dtype=np.float64)


# ----------------------------------------------------------------------------------------------
# Gradient flow: ||dL/dh_t|| for every t, by BPTT with the teaching cells.
# ----------------------------------------------------------------------------------------------

def _layer0(params, prefix="rnn."):
    """The first layer's single-layer parameter dict (PyTorch names without the _l0 suffix)."""
    out = {}
    for key, value in params.items():
        if key.startswith(prefix) and key.endswith("_l0"):
            out[key[len(prefix):-len("_l0")]] = value
    if not out:
        raise ValueError(f"params: no '{prefix}*_l0' entries found (keys {sorted(params)})")
    if any(k.startswith(prefix) and k.endswith("_l0_reverse") for k in params) or any(
            k.startswith(prefix) and k.endswith("_l1") for k in params):
        raise ValueError("hidden_grad_norms: expected a single-layer unidirectional model")
    return out


def hidden_grad_norms(model, x, y, kind=None, loss=None, head=None, return_grads=False, **cell_kwargs):
    """``||dL/dh_t||`` for t = 1..T: how much of the loss's gradient reaches each hidden state.

    model: a single-layer, unidirectional SequenceModel (its parameters are read, never changed).
    x: (T, B, I) float inputs (or (T, B) int64 token ids when the model has an embedding).
    y: the targets the model's loss takes ((B, O) for mse, (B,) ints for xent; with head "all"
    one per step). kind, loss, head: taken from the model (attributes ``kind``, ``loss``, ``head``)
    when None. cell_kwargs: to the teaching cell (``variant=`` for the LSTM, ``reset_after=`` for the
    GRU, ``nonlinearity=`` for the RNN); read from the model's layer when it has them.

    Returns (T,) float64: entry t-1 is the Frobenius norm over the batch of dL/dh_t, where L is the
    model's mean batch loss and the derivative is total (through every later step). With
    return_grads=True also returns the recurrent layer's weight gradients (dict of single-layer
    PyTorch names), which must equal the model's own ``loss_and_grads`` (a test checks this).
    """
    from ..core import registry
    from ..training import losses

    kind = kind if kind is not None else getattr(model, "kind")
    loss = loss if loss is not None else getattr(model, "loss", "mse")
    head = head if head is not None else getattr(model, "head", "last")
    if not isinstance(loss, str):
        loss = getattr(model, "loss_name", "mse")
    if not isinstance(head, str):
        head = getattr(model, "head_name", "last")
    layer = getattr(model, "rnn", None)
    if layer is not None and hasattr(layer, "cell_options"):
        cell_kwargs = {**layer.cell_options(), **cell_kwargs}
    params = model.params
    p = _layer0(params)
    x = np.asarray(x)
    if "embed.weight" in params:
        x = params["embed.weight"][x]
    W = params["head.weight"]
    b = params["head.bias"]
    B, H = x.shape[1], p["weight_hh"].shape[1]
    h0 = np.zeros((B, H), dtype=p["weight_hh"].dtype)
    c0 = np.zeros_like(h0) if registry.cell(kind).has_cell else None
    ys, _, _, cache = registry.unroll_forward(kind, x, p, h0, c0, **cell_kwargs)
    loss_fn = losses.mse if loss == "mse" else losses.softmax_cross_entropy
    if head in ("last", "final"):
        _, dpred = loss_fn(ys[-1] @ W.T + b, y)
        dys = np.zeros_like(ys)
        dys[-1] = dpred @ W
    elif head == "all":
        _, dpred = loss_fn(ys @ W.T + b, y)
        dys = dpred @ W
    else:
        raise ValueError(f"head: expected 'last', 'final' or 'all', got {head!r}")
    dc_T = np.zeros_like(h0) if c0 is not None else None
    _, _, _, grads, dhs = registry.unroll_backward(dys, np.zeros_like(h0), dc_T, cache)
    norms = np.array([float(np.linalg.norm(dh)) for dh in dhs], dtype=np.float64)
    return (norms, grads) if return_grads else norms
