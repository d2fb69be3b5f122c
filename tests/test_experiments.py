"""Tests of lstm_ref.course.experiments: the train-until-threshold driver and the gradient-flow probe."""
import dataclasses
import types

import numpy as np
import pytest

import lstm_ref as lr

SMALL = dict(task="adding", T=8, hidden_size=6, batch_size=16, n_test=64, eval_every=5)


def test_reached_is_first_eval_at_or_below_threshold():
    run = lr.run_to_threshold("gru", seed=0, steps=30, threshold=None, stop_at_threshold=False, **SMALL)
    assert run.reached is None
    assert list(run.eval_step) == [5, 10, 15, 20, 25, 30]
    assert run.step.shape == run.loss.shape == run.grad_norm.shape == (30,)
    # a threshold between the evaluations: the run stops at the first evaluation that is <= threshold
    thr = float(np.sort(run.eval)[2])
    again = lr.run_to_threshold("gru", seed=0, steps=30, threshold=thr, **SMALL)
    first = int(run.eval_step[np.flatnonzero(run.eval <= thr)[0]])
    assert again.reached == first
    assert again.eval_step[-1] == first and again.step[-1] == first      # early stopping
    np.testing.assert_allclose(again.eval, run.eval[: len(again.eval)], rtol=0, atol=0)


def test_runs_are_seeded_and_seeds_differ():
    a = lr.run_to_threshold("rnn", seed=3, steps=10, threshold=None, **SMALL)
    b = lr.run_to_threshold("rnn", seed=3, steps=10, threshold=None, **SMALL)
    c = lr.run_to_threshold("rnn", seed=4, steps=10, threshold=None, **SMALL)
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(a.eval, b.eval)
    assert not np.array_equal(a.loss, c.loss)
    # the test set is the same for every seed, the training batches are not
    np.testing.assert_array_equal(a.test[0], c.test[0])


def test_test_set_is_not_a_training_batch():
    run = lr.run_to_threshold("rnn", seed=0, steps=5, threshold=None, **SMALL)
    x_test = run.test[0]
    for k in range(1, 6):
        xb, _ = lr.task_data("adding", SMALL["batch_size"], SMALL["T"], (0 + 1) * 10_000_019 + k)
        assert not np.array_equal(xb, x_test[:, : SMALL["batch_size"]])


def test_float32_runs_in_float32():
    run = lr.run_to_threshold("lstm", seed=0, steps=5, threshold=None, dtype=np.float32, **SMALL)
    assert all(v.dtype == np.float32 for v in run.model.params.values())
    assert np.isfinite(run.eval).all()


def test_lstm_learns_a_short_adding_problem():
    # T = 10: an LSTM gets well below the predict-the-mean baseline 1/6 within 400 updates
    run = lr.run_to_threshold("lstm", task="adding", T=10, hidden_size=16, seed=0, steps=400, threshold=0.02,
                              eval_every=20, n_test=256, layer={"forget_bias": 1.0})
    assert run.reached is not None and run.reached <= 400
    assert run.final_eval <= 0.02 < run.eval[0] < 0.5


def test_updates_to_threshold_marks_failures_inf():
    ok = lr.run_to_threshold("gru", seed=0, steps=10, threshold=10.0, **SMALL)
    bad = lr.run_to_threshold("gru", seed=0, steps=10, threshold=0.0, **SMALL)
    u = lr.updates_to_threshold([ok, bad])
    assert u[0] == 5.0 and np.isinf(u[1])


def test_unknown_task_and_kind_raise():
    with pytest.raises(ValueError, match=r"task must be one of \['adding', 'temporal_order'\], got 'nope'"):
        lr.run_to_threshold("lstm", task="nope", steps=1)
    with pytest.raises(ValueError, match="task"):
        lr.task_data("nope", 2, 5, 0)


@pytest.mark.parametrize("kind, kwargs", [("rnn", {}), ("lstm", {"forget_bias": 1.0}), ("gru", {}),
                                          ("gru", {"reset_after": False}), ("lstm", {"variant": "coupled"})])
def test_hidden_grad_norms_match_the_model_gradients(kind, kwargs):
    model = lr.make_model(kind, "adding", hidden_size=5, seed=1, **kwargs)
    x, y = lr.task_data("adding", 7, 12, seed=5)
    before = {k: v.copy() for k, v in model.params.items()}
    norms, grads = lr.hidden_grad_norms(model, x, y, return_grads=True)
    loss, mgrads = model.loss_and_grads(x, y)
    assert norms.shape == (12,) and np.all(norms >= 0)
    for k, g in grads.items():
        np.testing.assert_allclose(g, mgrads[f"rnn.{k}_l0"], rtol=1e-9, atol=1e-12)
    for k, v in model.params.items():                      # the model is only read
        np.testing.assert_array_equal(v, before[k])


def test_hidden_grad_norms_last_step_and_finite_differences():
    model = lr.make_model("lstm", "adding", hidden_size=4, seed=2, forget_bias=1.0)
    x, y = lr.task_data("adding", 3, 6, seed=7)
    norms = lr.hidden_grad_norms(model, x, y)
    # dL/dh_T comes only from the head: 2 (pred - y) / B * W
    out = model.predict(x)
    dh_T = (2.0 * (out.reshape(y.shape) - y) / y.size) @ model.params["head.weight"]
    assert norms[-1] == pytest.approx(np.linalg.norm(dh_T), rel=1e-12)
    # dL/dh_1 by central differences: perturb the state after step 1 and rerun steps 2..T
    p = {k[len("rnn."):-len("_l0")]: v for k, v in model.params.items() if k.startswith("rnn.")}
    W, b = model.params["head.weight"], model.params["head.bias"]

    def loss_from(h1, c1):
        h, c = h1, c1
        for t in range(1, x.shape[0]):
            (h, c), _ = lr.lstm_step_forward(x[t], h, c, p)
        return float(np.mean((h @ W.T + b - y) ** 2))

    (h1, c1), _ = lr.lstm_step_forward(x[0], np.zeros((3, 4)), np.zeros((3, 4)), p)
    num = np.zeros_like(h1)
    eps = 1e-6
    for idx in np.ndindex(h1.shape):
        hp, hm = h1.copy(), h1.copy()
        hp[idx] += eps
        hm[idx] -= eps
        num[idx] = (loss_from(hp, c1) - loss_from(hm, c1)) / (2 * eps)
    assert norms[0] == pytest.approx(np.linalg.norm(num), rel=1e-6)


def test_hidden_grad_norms_rejects_stacked_models():
    model = lr.SequenceModel("lstm", 2, 4, 1, num_layers=2)
    x, y = lr.task_data("adding", 2, 5, seed=0)
    with pytest.raises(ValueError):
        lr.hidden_grad_norms(model, x, y)


def test_config_and_overrides():
    """A RunConfig holds the settings; overrides replace fields; unknown names are rejected by name."""
    cfg = lr.RunConfig(steps=10, threshold=None, **SMALL)
    a = lr.run_to_threshold("rnn", seed=1, config=cfg)
    b = lr.run_to_threshold("rnn", seed=1, steps=10, threshold=None, **SMALL)
    np.testing.assert_array_equal(a.loss, b.loss)
    assert a.config == b.config == cfg and a.config.dtype == "float64"
    c = lr.run_to_threshold("rnn", seed=1, config=cfg, steps=5)
    assert c.config.steps == 5 and cfg.steps == 10 and len(c.step) == 5          # the config is not changed
    np.testing.assert_array_equal(c.loss, a.loss[:5])
    layer = {"forget_bias": 2.0}
    d = lr.RunConfig(layer=layer)
    layer["forget_bias"] = 0.0                                                     # the config keeps its copy
    assert d.layer == {"forget_bias": 2.0} and lr.RunConfig(dtype=np.float32).dtype == "float32"
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['forget_bias'\]; .*'hidden_size'.*layer="):
        lr.run_to_threshold("lstm", forget_bias=1.0)
    with pytest.raises(TypeError, match="config must be a RunConfig or None, got dict"):
        lr.run_to_threshold("lstm", config={"steps": 3})
    with pytest.raises(ValueError, match="steps and eval_every must be >= 1, got 0 and 25"):
        lr.RunConfig(steps=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.steps = 3


def test_hidden_grad_norms_needs_loss_and_head_names():
    model = lr.make_model("rnn", "adding", hidden_size=3, seed=0)
    x, y = lr.task_data("adding", 2, 4, seed=0)
    bare = types.SimpleNamespace(params=model.params, loss=lr.mse, head="last")
    with pytest.raises(TypeError, match="loss and head must be names .* got function and str"):
        lr.hidden_grad_norms(bare, x, y, kind="rnn")
    np.testing.assert_array_equal(lr.hidden_grad_norms(bare, x, y, kind="rnn", loss="mse"),
                                  lr.hidden_grad_norms(model, x, y))
