"""Experiment drivers shared by the long-range chapters: train a model on a task until a threshold, over seeds.

The pattern of chapters 05 and 06 (and the measurements of 02 and 09): build a
:class:`~lstm_ref.training.models.SequenceModel`, draw a fresh seeded batch for every update, evaluate on a
*fixed* held-out test set every ``eval_every`` updates, and stop as soon as the test metric reaches
the threshold ("updates to threshold"). Everything is seeded, so a run is a pure function of its
arguments; the BLAS may still change the last bits, so notebooks print counts and rounded metrics.

Main entry points
-----------------
``run_to_threshold(kind, seed=0, config=RunConfig(), **overrides) -> Run``
    one training run; ``Run.reached`` is the update at which the test metric first fell below the
    threshold (None if it never did within ``steps``). ``RunConfig`` holds every setting (task,
    T, hidden_size, steps, threshold, lr, clip, ...); overrides change some of them.
``run_seeds(seeds, kind, config=None, **overrides) -> list[Run]``
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
    "RunConfig",
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
    raise ValueError(f"task must be one of {sorted(TASKS)}, got {task!r}")


def make_model(kind, task="adding", hidden_size=32, seed=0, dtype=np.float64, **layer_kwargs):
    """A SequenceModel sized for ``task`` (head "last", the task's loss) with parameters of ``dtype``.

    kind: "rnn" | "lstm" | "gru". layer_kwargs go to the recurrent layer (e.g. ``forget_bias=1.0``,
    ``init="orthogonal"``, ``nonlinearity="tanh"``, ``reset_after=True``).
    """
    from ..training import models

    if task not in TASKS:
        raise ValueError(f"task must be one of {sorted(TASKS)}, got {task!r}")
    input_size, output_size, loss, _ = TASKS[task]
    return models.SequenceModel(kind, input_size, hidden_size, output_size, head="last", loss=loss,
                                seed=seed, dtype=dtype, **layer_kwargs)


def _metric(model, x, y, metric):
    out = np.asarray(model.predict(x))
    if metric == "mse":
        return float(np.mean((out.reshape(y.shape) - y) ** 2))
    if metric == "error":
        return float(np.mean(np.argmax(out, axis=-1) != y))
    raise ValueError(f"metric must be 'mse' or 'error', got {metric!r}")


@dataclasses.dataclass
class Run:
    """The record of one training run.

    kind, seed: as passed. config: the :class:`RunConfig` of the run.
    reached: update at which the test metric first was <= threshold, or None.
    step, loss, grad_norm: (U,) per-update training loss and gradient norm (before clipping).
    eval_step, eval: (E,) the updates at which the test set was evaluated and the test metric there.
    final_eval: the last evaluated test metric. seconds: wall time (for profiling; never print it
    in a notebook output). model: the trained SequenceModel. test: the (x, y) test set.
    """

    kind: str
    seed: int
    config: "RunConfig"
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


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """The settings of one ``run_to_threshold`` run (everything but the kind and the seed).

    task: a key of TASKS. T: sequence length. hidden_size: units of the recurrent layer.
    steps: the budget of updates. threshold: on the task's metric (test MSE for "adding", error
    rate for "temporal_order"); None = never stop early. lr: Adam's learning rate. clip: max global
    gradient norm (None = no clipping). batch_size: sequences per update. eval_every: evaluate the
    fixed test set (``n_test`` sequences drawn with ``test_seed``, the same for every run) every
    that many updates. stop_at_threshold: False = train all ``steps`` updates even after reaching
    the threshold (``reached`` is still recorded). task_kwargs: to the task function (e.g.
    ``{"form": "hochreiter"}``). dtype: of the model's parameters (a name, e.g. "float32"; a numpy
    dtype is converted); float inputs and targets are cast to it (float32 halves the time of a run
    here, and the updates-to-threshold counts rarely move). layer: options of the recurrent layer,
    e.g. ``{"forget_bias": 1.0}`` or ``{"init": "orthogonal"}``.
    """

    task: str = "adding"
    T: int = 50
    hidden_size: int = 32
    steps: int = 800
    threshold: float | None = 0.01
    lr: float = 1e-2
    clip: float | None = 1.0
    batch_size: int = 64
    eval_every: int = 25
    n_test: int = 500
    test_seed: int = _DEFAULT_TEST_SEED
    stop_at_threshold: bool = True
    task_kwargs: dict = dataclasses.field(default_factory=dict)
    dtype: str = "float64"
    layer: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {sorted(TASKS)}, got {self.task!r}")
        if int(self.steps) < 1 or int(self.eval_every) < 1:
            raise ValueError(f"steps and eval_every must be >= 1, got {self.steps} and {self.eval_every}")
        # copies, so that a caller's dict can change without changing the configuration
        object.__setattr__(self, "task_kwargs", dict(self.task_kwargs or {}))
        object.__setattr__(self, "layer", dict(self.layer or {}))
        object.__setattr__(self, "dtype", np.dtype(self.dtype).name)


def _configure(config, overrides):
    """``config`` (default ``RunConfig()``) with ``overrides`` replaced; unknown names raise."""
    valid = [f.name for f in dataclasses.fields(RunConfig)]
    unknown = sorted(set(overrides) - set(valid))
    if unknown:
        raise TypeError(f"run_to_threshold got unknown option(s) {unknown}; the options are the fields of "
                        f"RunConfig: {valid} (layer options go in layer={{...}})")
    if config is not None and not isinstance(config, RunConfig):
        raise TypeError(f"config must be a RunConfig or None, got {type(config).__name__}")
    return dataclasses.replace(config or RunConfig(), **overrides)


def run_to_threshold(kind="lstm", seed=0, config=None, **overrides):
    """Train one model with Adam on fresh batches until the test metric is <= threshold.

    kind: "rnn" | "lstm" | "gru". seed: seeds both the model's initialisation and the stream of
    training batches (batch k uses task seed ``(seed + 1) * 10_000_019 + k``). config: a
    :class:`RunConfig` (default ``RunConfig()``); overrides: fields of it to change, e.g.
    ``steps=1500, layer={"forget_bias": 1.0}`` (any other name raises a TypeError).

    Returns a :class:`Run` (its ``config`` is the RunConfig used).
    """
    from ..training import loop, optim

    cfg = _configure(config, overrides)
    metric = TASKS[cfg.task][3]
    dtype = np.dtype(cfg.dtype)
    model = make_model(kind, cfg.task, hidden_size=cfg.hidden_size, seed=seed, dtype=dtype, **cfg.layer)

    def cast(a):
        return a.astype(dtype) if np.issubdtype(a.dtype, np.floating) else a

    x_test, y_test = (cast(a) for a in task_data(cfg.task, cfg.n_test, cfg.T, cfg.test_seed, **cfg.task_kwargs))
    base = (int(seed) + 1) * _TRAIN_SEED_STRIDE

    def batch_fn(step):
        return tuple(cast(a) for a in task_data(cfg.task, cfg.batch_size, cfg.T, base + int(step),
                                                **cfg.task_kwargs))

    def eval_fn(m):
        return _metric(m, x_test, y_test, metric)

    target = cfg.threshold if cfg.stop_at_threshold else None
    start = time.perf_counter()
    hist = loop.train(model, batch_fn, int(cfg.steps), optim.Adam(lr=cfg.lr), clip=cfg.clip, eval_fn=eval_fn,
                      eval_every=int(cfg.eval_every), target=target)
    seconds = time.perf_counter() - start
    eval_step = np.asarray(hist["eval_step"], dtype=np.int64)
    evals = np.asarray(hist["eval"], dtype=np.float64)
    reached = None
    if cfg.threshold is not None:
        hit = np.flatnonzero(evals <= cfg.threshold)
        reached = int(eval_step[hit[0]]) if hit.size else None
    return Run(kind=kind, seed=int(seed), config=cfg, reached=reached,
               step=np.asarray(hist["step"], dtype=np.int64), loss=np.asarray(hist["loss"], dtype=np.float64),
               grad_norm=np.asarray(hist["grad_norm"], dtype=np.float64), eval_step=eval_step, eval=evals,
               final_eval=float(evals[-1]) if evals.size else float("nan"), seconds=seconds, model=model,
               test=(x_test, y_test))


def run_seeds(seeds, kind="lstm", config=None, **overrides):
    """``[run_to_threshold(kind, seed=s, config=config, **overrides) for s in seeds]``."""
    return [run_to_threshold(kind, seed=int(s), config=config, **overrides) for s in seeds]


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
        raise ValueError("model must be a single-layer unidirectional model for hidden_grad_norms")
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
    if not isinstance(loss, str) or not isinstance(head, str):
        raise TypeError(f"loss and head must be names (str), as SequenceModel keeps them, got "
                        f"{type(loss).__name__} and {type(head).__name__}; pass loss= and head= explicitly")
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
        raise ValueError(f"head must be 'last', 'final' or 'all', got {head!r}")
    dc_T = np.zeros_like(h0) if c0 is not None else None
    _, _, _, grads, dhs = registry.unroll_backward(dys, np.zeros_like(h0), dc_T, cache)
    norms = np.array([float(np.linalg.norm(dh)) for dh in dhs], dtype=np.float64)
    return (norms, grads) if return_grads else norms
