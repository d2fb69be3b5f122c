"""Seed sweeps behind chapters 05, 06 and 09, too long for a notebook (``make experiments``).

A sweep is a named list of configurations, each trained over several seeds. ``run_one(sweep,
name, seed)`` trains one (configuration, seed) and returns every number the chapters use as plain
JSON values; ``scripts/run_experiments.py`` runs whole sweeps and commits the results to
``lstm_ref/data/sweep_<sweep>.json`` (config, package version, every per-seed number). The
notebooks read those files with ``load_sweep``; ``tests/test_sweeps.py`` re-runs one
(configuration, seed) per sweep and checks that it reproduces the committed numbers.

Protocol (as ``lstm_ref.run_to_threshold``): a seeded model, a fresh seeded batch for every Adam
update, gradient-norm clipping, a fixed held-out evaluation set every ``eval_every`` updates,
training stops at the first evaluation at or below ``threshold``. Evaluation sets are drawn with
seeds that no training batch uses; ``VAL_SEED`` (for selection) and ``TEST_SEED`` (for claims)
are different.

Sweeps
------
``long_range`` (chapter 05)
    adding problem, T = 50, 32 units: LSTM (forget bias 1), tanh RNN with an orthogonal
    recurrent matrix, IRNN (Le, Jaitly & Hinton 2015: ReLU, identity recurrent matrix, zero
    biases) at two learning rates; 5 seeds; the gradient ratio ||dL/dh_1|| / ||dL/dh_T|| on a
    fixed probe batch at initialisation and at every evaluation.
``irnn_sgd`` (chapter 05)
    the IRNN of ``long_range`` trained as Le et al. trained it, with plain SGD and gradient-norm
    clipping (at 1, as every arm): four learning rates, each over two budgets (1500 updates, as
    the other arms, and 15000); for each budget the rate is selected on the *validation* set
    (seeds 0-2, ``select_rate``), then run on seeds 0-4 and measured on the *test* set.
``forget_bias`` (chapter 05)
    the LSTM of ``long_range`` with forget-gate bias 0 and 2 (bias 1 is in ``long_range``), 5 seeds.
``gru_vs_lstm`` (chapter 06)
    LSTM and GRU each tuned over four learning rates on the *validation* set (seeds 0-2), then
    each at its selected rate on seeds 5-9, measured on the *test* set.
``lr_sweep`` (chapter 09)
    LSTM on the adding problem (T = 10, 16 units, 300 updates) over five learning rates and three
    initialisations (forget bias 0 or 1, weights x4), 3 seeds; validation and test MSE after the
    budget.
``lag`` (chapter 09)
    recall of one symbol after a lag (``copy_memory`` with length 1), lags 5..40, 16 units,
    updates until 95 % validation accuracy (budget 1500), 5 seeds.
``overfit`` (chapter 09)
    LSTM with 32 units trained on 32 sequences (adding, T = 20); training and test MSE, 5 seeds.
``variants`` (chapter 09)
    the forget-gate ablation (``continual_ablation``, its default ``AblationConfig``) for the
    coupled, no-output-activation and peephole variants, 5 seeds: test accuracy and max |c| on the
    test stream (the chapter runs the full LSTM and the one without a forget gate itself).
"""
import dataclasses
import json
from importlib import resources

import numpy as np

__all__ = ["SWEEPS", "load_sweep", "select_gru_lstm_rates"]  # the rest as lr.sweeps.<name>

VAL_SEED = 1_000_000_007
TEST_SEED = 2_000_000_011
_STRIDE = 10_000_019

_ADD50 = dict(task="adding", T=50, hidden_size=32, batch_size=64, clip=1.0, n_eval=500, eval_every=25,
              threshold=0.01, steps=1500, dtype="float32", eval_seed=TEST_SEED)

SWEEPS = {
    "long_range": dict(
        chapter="05", seeds=[0, 1, 2, 3, 4], probe=True,
        configs={
            "lstm_fb1": dict(_ADD50, kind="lstm", lr=1e-2, layer=dict(forget_bias=1.0)),
            "rnn_tanh_orth": dict(_ADD50, kind="rnn", lr=1e-2,
                                  layer=dict(init="orthogonal", nonlinearity="tanh")),
            "irnn_lr1e-2": dict(_ADD50, kind="rnn", lr=1e-2, irnn=True, layer=dict(nonlinearity="relu")),
            "irnn_lr1e-3": dict(_ADD50, kind="rnn", lr=1e-3, irnn=True, layer=dict(nonlinearity="relu")),
        }),
    "irnn_sgd": dict(
        chapter="05", seeds=[0, 1, 2], final_seeds=[0, 1, 2, 3, 4], rates=[1e-2, 3e-2, 1e-1, 3e-1],
        budgets={"short": 1500, "long": 15000},
        configs={
            f"irnn_sgd_{budget}_lr{rate:g}": dict(_ADD50, kind="rnn", lr=rate, optimizer="sgd", irnn=True,
                                                  steps=steps, eval_every=25 if budget == "short" else 250,
                                                  eval_seed=VAL_SEED, layer=dict(nonlinearity="relu"))
            for budget, steps in (("short", 1500), ("long", 15000)) for rate in (1e-2, 3e-2, 1e-1, 3e-1)
        }),
    "forget_bias": dict(
        chapter="05", seeds=[0, 1, 2, 3, 4],
        configs={
            f"lstm_fb{b:g}": dict(_ADD50, kind="lstm", lr=1e-2, layer=dict(forget_bias=b)) for b in (0.0, 2.0)
        }),
    "gru_vs_lstm": dict(
        chapter="06", seeds=[0, 1, 2], final_seeds=[5, 6, 7, 8, 9], rates=[3e-3, 1e-2, 3e-2, 1e-1],
        configs={
            f"{kind}_lr{rate:g}": dict(_ADD50, kind=kind, lr=rate, eval_every=10, eval_seed=VAL_SEED,
                                       layer=dict(forget_bias=1.0) if kind == "lstm" else {})
            for kind in ("lstm", "gru") for rate in (3e-3, 1e-2, 3e-2, 1e-1)
        }),
    "lr_sweep": dict(
        chapter="09", seeds=[0, 1, 2],
        configs={
            f"{init}_lr{rate:g}": dict(task="adding", T=10, hidden_size=16, batch_size=32, clip=1.0, n_eval=500,
                                       eval_every=300, threshold=None, steps=300, dtype="float64",
                                       eval_seed=TEST_SEED, kind="lstm", lr=rate, init_name=init,
                                       layer=layer, scale=scale)
            for init, layer, scale in (("pytorch_fb0", dict(forget_bias=0.0), 1.0),
                                       ("pytorch_fb1", dict(forget_bias=1.0), 1.0),
                                       ("large_x4_fb1", dict(forget_bias=1.0), 4.0))
            for rate in (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
        }),
    "lag": dict(
        chapter="09", seeds=[0, 1, 2, 3, 4],
        configs={
            f"lag{lag}": dict(task="recall", T=lag, hidden_size=16, batch_size=32, clip=1.0, n_eval=500,
                              eval_every=50, threshold=0.05, steps=1500, dtype="float64", eval_seed=VAL_SEED,
                              kind="lstm", lr=1e-2, layer=dict(forget_bias=1.0))
            for lag in (5, 10, 20, 40)
        }),
    "overfit": dict(
        chapter="09", seeds=[0, 1, 2, 3, 4],
        configs={
            "lstm32_n32": dict(task="adding", T=20, hidden_size=32, batch_size=32, clip=1.0, n_eval=500,
                               eval_every=400, threshold=None, steps=400, dtype="float64",
                               eval_seed=TEST_SEED, kind="lstm", lr=1e-2, fixed_train=True,
                               layer=dict(forget_bias=1.0)),
        }),
    "variants": dict(
        chapter="09", seeds=[0, 1, 2, 3, 4], ablation=True,
        configs={v: dict(variant=v) for v in ("coupled", "no_output_act", "peephole")}),
}

_N_SYMBOLS = 4   # recall task: symbols 1..4, blank 0, "go" 5


def _data(cfg, n, seed):
    """(x, y) of the configuration's task: adding (T, n, 2), (n, 1); recall (T + 2, n, 6), (n,)."""
    from . import tasks

    if cfg["task"] == "adding":
        return tasks.adding_problem(n, cfg["T"], seed=seed)
    if cfg["task"] == "recall":
        x, y = tasks.copy_memory(n, cfg["T"], seed=seed, n_symbols=_N_SYMBOLS, length=1)
        return x, y[-1]
    raise ValueError(f"task must be 'adding' or 'recall', got {cfg['task']!r}")


def _model(cfg, seed):
    from ..training import models

    dtype = np.dtype(cfg["dtype"])
    if cfg["task"] == "adding":
        I, O, loss = 2, 1, "mse"
    else:
        I, O, loss = _N_SYMBOLS + 2, _N_SYMBOLS + 1, "xent"
    model = models.SequenceModel(cfg["kind"], I, cfg["hidden_size"], O, head="last", loss=loss, seed=seed,
                                 dtype=dtype, **cfg.get("layer", {}))
    p = model.params
    if cfg.get("irnn"):
        # Le, Jaitly & Hinton 2015: W_hh = identity, biases 0, input weights ~ N(0, 0.001^2)
        H = cfg["hidden_size"]
        rng = np.random.default_rng(seed)
        p["rnn.weight_hh_l0"][...] = np.eye(H, dtype=dtype)
        p["rnn.bias_ih_l0"][...] = 0.0
        p["rnn.bias_hh_l0"][...] = 0.0
        p["rnn.weight_ih_l0"][...] = rng.normal(0.0, 1e-3, size=p["rnn.weight_ih_l0"].shape)
    scale = cfg.get("scale", 1.0)
    if scale != 1.0:
        for k in ("rnn.weight_ih_l0", "rnn.weight_hh_l0"):
            p[k][...] *= scale
    return model


def build_model(sweep, name, seed, dtype=None):
    """The initialised (untrained) model of configuration ``name`` of ``sweep`` for ``seed``, in the
    configuration's dtype or ``dtype`` (e.g. float64 to measure it at full precision)."""
    cfg = dict(SWEEPS[sweep]["configs"][name])
    if dtype is not None:
        cfg["dtype"] = np.dtype(dtype).name
    return _model(cfg, seed)


def eval_data(sweep, name, n, seed=TEST_SEED):
    """(x, y): ``n`` sequences of the configuration's task, drawn with ``seed`` (default: the test set)."""
    return _data(SWEEPS[sweep]["configs"][name], n, seed)


def _metric(model, x, y, task):
    out = np.asarray(model.predict(x), dtype=np.float64)
    if task == "adding":
        return float(np.mean((out.reshape(y.shape) - y) ** 2))
    return float(np.mean(np.argmax(out, axis=-1) != y))


def _grad_ratio(model, x, y):
    from . import experiments

    g = experiments.hidden_grad_norms(model, x, y)
    return float(g[0] / g[-1])


def run_one(sweep, name, seed, eval_seed=None, lr=None):
    """Train configuration ``name`` of ``sweep`` with ``seed``; return its numbers as a dict.

    eval_seed, lr: override the configuration's (chapter 06's final runs use the test set and the
    selected rate). Returns {"seed", "reached" (update count or None), "eval_step", "eval",
    "final_eval", "diverged", and per sweep: "ratio_step"/"ratio" (gradient ratio at update 0 and
    at each evaluation, long_range), "val"/"test" (lr_sweep), "train_mse"/"test_mse"/"mean_mse"
    (overfit)}; for the ablation sweep (variants) only {"seed", "accuracy", "max_abs_c"}.
    """
    from ..training import loop, models, optim as training

    cfg = dict(SWEEPS[sweep]["configs"][name])
    if SWEEPS[sweep].get("ablation"):
        from .ablation import continual_ablation

        r = continual_ablation(cfg["variant"], seed=seed)
        return {"seed": int(seed), "accuracy": float(r["accuracy"]), "max_abs_c": float(r["max_abs_c"])}
    if eval_seed is not None:
        cfg["eval_seed"] = eval_seed
    if lr is not None:
        cfg["lr"] = lr
    dtype = np.dtype(cfg["dtype"])

    def cast(a):
        return a.astype(dtype) if np.issubdtype(a.dtype, np.floating) else a

    model = _model(cfg, seed)
    x_ev, y_ev = (cast(a) for a in _data(cfg, cfg["n_eval"], cfg["eval_seed"]))
    probe = SWEEPS[sweep].get("probe", False)
    xp, yp = x_ev[:, :64], y_ev[:64]
    ratio_step, ratio = [], []
    if probe:
        ratio_step.append(0)
        ratio.append(_grad_ratio(model, xp, yp))
    steps_done = [0]

    def eval_fn(m):
        steps_done[0] += cfg["eval_every"]
        if probe:
            ratio_step.append(steps_done[0])
            ratio.append(_grad_ratio(m, xp, yp))
        return _metric(m, x_ev, y_ev, cfg["task"])

    if cfg.get("fixed_train"):
        x_tr, y_tr = (cast(a) for a in _data(cfg, cfg["batch_size"], (seed + 1) * _STRIDE))

        def batch_fn(step):
            return x_tr, y_tr
    else:
        def batch_fn(step):
            return tuple(cast(a) for a in _data(cfg, cfg["batch_size"], (seed + 1) * _STRIDE + step))

    opt = training.SGD(lr=cfg["lr"]) if cfg.get("optimizer") == "sgd" else training.Adam(lr=cfg["lr"])
    hist = loop.train(model, batch_fn, cfg["steps"], opt, clip=cfg["clip"],
                        eval_fn=eval_fn, eval_every=cfg["eval_every"], target=cfg["threshold"])
    evals = [float(v) for v in hist["eval"]]
    out = {"seed": int(seed), "reached": hist["reached"], "diverged": hist["diverged"],
           "eval_step": [int(s) for s in hist["eval_step"]], "eval": evals,
           "final_eval": evals[-1] if evals else None}
    if probe:
        out["ratio_step"], out["ratio"] = ratio_step, ratio
    if sweep == "lr_sweep":
        x_val, y_val = (cast(a) for a in _data(cfg, cfg["n_eval"], VAL_SEED))
        out["val"] = _metric(model, x_val, y_val, cfg["task"]) if hist["diverged"] is None else None
        out["test"] = out["final_eval"] if hist["diverged"] is None else None
    if sweep == "overfit":
        out["train_mse"] = _metric(model, x_tr, y_tr, cfg["task"])
        out["test_mse"] = out["final_eval"]
        out["mean_mse"] = float(np.mean((y_ev.astype(np.float64) - float(np.mean(y_tr))) ** 2))
    return out


def select_rate(results, names):
    """The name (of ``names``, keys of ``results``) whose validation runs have the lowest median
    updates to threshold (a run that never reached it counts as infinite); ties go to the lower
    mean final validation metric (a diverged run's counts as infinite)."""
    def key(name):
        runs = results[name]
        upd = [np.inf if r["reached"] is None else r["reached"] for r in runs]
        final = [np.inf if r["final_eval"] is None or r["diverged"] is not None else r["final_eval"] for r in runs]
        return (float(np.median(upd)), float(np.mean(final)))

    return min(names, key=key)


def select_gru_lstm_rates(results):
    """{kind: rate}: for each of "lstm" and "gru", the rate whose validation runs have the lowest
    median updates to threshold (a run that never reached it counts as infinite; ties go to the
    lower mean of the final validation MSE). results: the "runs" of the gru_vs_lstm sweep."""
    chosen = {}
    for kind in ("lstm", "gru"):
        by_name = {f"{kind}_lr{rate:g}": rate for rate in SWEEPS["gru_vs_lstm"]["rates"]}
        chosen[kind] = by_name[select_rate(results, list(by_name))]
    return chosen


def run_sweep(sweep, log=print):
    """Every configuration of ``sweep`` over its seeds (and, for gru_vs_lstm, the final runs).
    Returns the JSON-ready dict that ``scripts/run_experiments.py`` writes."""
    from .. import __version__

    spec = SWEEPS[sweep]
    result = {"sweep": sweep, "chapter": spec["chapter"], "package_version": __version__,
              "val_seed": VAL_SEED, "test_seed": TEST_SEED, "seeds": spec["seeds"],
              "configs": spec["configs"], "runs": {}}
    if spec.get("ablation"):
        from .ablation import AblationConfig

        result["ablation_config"] = dataclasses.asdict(AblationConfig())
    for name in spec["configs"]:
        result["runs"][name] = []
        for seed in spec["seeds"]:
            r = run_one(sweep, name, seed)
            result["runs"][name].append(r)
            log(f"{sweep} {name} seed {seed}: " + ", ".join(f"{k} {v}" for k, v in r.items()
                                                             if k in ("reached", "final_eval", "accuracy")))
    if sweep == "gru_vs_lstm":
        chosen = select_gru_lstm_rates(result["runs"])
        result["selected_rate"] = chosen
        result["final_seeds"] = spec["final_seeds"]
        result["final"] = {}
        for kind, rate in chosen.items():
            name = f"{kind}_lr{rate:g}"
            result["final"][kind] = [run_one(sweep, name, s, eval_seed=TEST_SEED) for s in spec["final_seeds"]]
            for r in result["final"][kind]:
                log(f"{sweep} final {kind} lr {rate:g} seed {r['seed']}: reached {r['reached']}")
    if sweep == "irnn_sgd":
        result["selected"], result["final_seeds"], result["final"] = {}, spec["final_seeds"], {}
        for budget in spec["budgets"]:
            name = select_rate(result["runs"], [f"irnn_sgd_{budget}_lr{rate:g}" for rate in spec["rates"]])
            result["selected"][budget] = name
            result["final"][budget] = [run_one(sweep, name, s, eval_seed=TEST_SEED) for s in spec["final_seeds"]]
            for r in result["final"][budget]:
                log(f"{sweep} final {name} seed {r['seed']}: reached {r['reached']} final {r['final_eval']}")
    return result


def sweep_path(sweep):
    """The committed results file of a sweep, inside the package data."""
    return resources.files("lstm_ref").joinpath("data").joinpath(f"sweep_{sweep}.json")


def load_sweep(sweep):
    """The committed results of ``sweep`` (written by ``make experiments``) as a dict."""
    return json.loads(sweep_path(sweep).read_text(encoding="utf-8"))
