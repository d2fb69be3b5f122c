"""The committed sweep results (lstm_ref/data/sweep_*.json, ``make experiments``) are reproducible:
re-run one configuration and one seed of each sweep and compare with the committed numbers."""
import numpy as np
import pytest

from lstm_ref import sweeps

# (sweep, configuration, seed): a cheap sample of each sweep
SAMPLES = [
    ("long_range", "lstm_fb1", 2),
    ("forget_bias", "lstm_fb2", 4),
    ("lr_sweep", "pytorch_fb1_lr0.01", 0),
    ("lag", "lag10", 1),
    ("overfit", "lstm32_n32", 0),
    ("irnn_sgd", "irnn_sgd_short_lr0.1", 1),
]


def _committed(sweep, name, seed):
    data = sweeps.load_sweep(sweep)
    return data, next(r for r in data["runs"][name] if r["seed"] == seed)


def _same(new, old, rtol):
    assert new["reached"] == old["reached"]
    assert new["eval_step"] == old["eval_step"]
    np.testing.assert_allclose(new["eval"], old["eval"], rtol=rtol, atol=1e-7)


@pytest.mark.parametrize("sweep,name,seed", SAMPLES)
def test_sample_reproduces_committed_numbers(sweep, name, seed):
    data, old = _committed(sweep, name, seed)
    assert data["configs"][name] == sweeps.SWEEPS[sweep]["configs"][name]   # same configuration
    assert isinstance(data["package_version"], str)
    new = sweeps.run_one(sweep, name, seed)
    rtol = 1e-3 if data["configs"][name]["dtype"] == "float32" else 1e-7
    _same(new, old, rtol)
    for key in ("ratio", "train_mse", "test_mse", "val"):
        if key in old:
            np.testing.assert_allclose(new[key], old[key], rtol=max(rtol, 1e-3) if key == "ratio" else rtol)


def test_a_variant_of_the_ablation_sweep_reproduces():
    data = sweeps.load_sweep("variants")
    assert data["configs"] == sweeps.SWEEPS["variants"]["configs"]
    old = next(r for r in data["runs"]["no_output_act"] if r["seed"] == 4)
    new = sweeps.run_one("variants", "no_output_act", 4)
    assert new["seed"] == 4
    np.testing.assert_allclose([new["accuracy"], new["max_abs_c"]], [old["accuracy"], old["max_abs_c"]],
                               rtol=1e-9)


def test_gru_vs_lstm_selection_and_a_final_run():
    data = sweeps.load_sweep("gru_vs_lstm")
    chosen = sweeps.select_gru_lstm_rates(data["runs"])          # selection on validation runs only
    assert chosen == data["selected_rate"]
    rate = chosen["gru"]
    old = data["final"]["gru"][0]
    new = sweeps.run_one("gru_vs_lstm", f"gru_lr{rate:g}", old["seed"], eval_seed=sweeps.TEST_SEED)
    _same(new, old, 1e-3)


def test_irnn_sgd_selection_on_validation_and_a_final_run():
    data = sweeps.load_sweep("irnn_sgd")
    spec = sweeps.SWEEPS["irnn_sgd"]
    for budget in spec["budgets"]:                                 # selection on validation runs only
        names = [f"irnn_sgd_{budget}_lr{rate:g}" for rate in spec["rates"]]
        assert sweeps.select_rate(data["runs"], names) == data["selected"][budget]
        assert all(data["configs"][n]["eval_seed"] == sweeps.VAL_SEED for n in names)
        assert [r["seed"] for r in data["final"][budget]] == spec["final_seeds"]
    old = data["final"]["short"][3]
    new = sweeps.run_one("irnn_sgd", data["selected"]["short"], old["seed"], eval_seed=sweeps.TEST_SEED)
    _same(new, old, 1e-3)


def test_select_rate_prefers_fewer_updates_then_lower_final_metric():
    def run(reached, final, diverged=None):
        return {"reached": reached, "final_eval": final, "diverged": diverged}

    results = {"a": [run(None, 0.1), run(None, 0.1)], "b": [run(300, 0.01), run(None, 0.2)],
               "c": [run(None, 0.05), run(None, 0.05)], "d": [run(None, 0.01), run(None, None, diverged=7)]}
    assert sweeps.select_rate(results, ["a", "c", "d"]) == "c"     # all fail: lower mean final; diverged = inf
    assert sweeps.select_rate(results, ["a", "b", "c"]) == "c"     # one success of two: median inf, a tie
    assert sweeps.select_rate({"x": [run(300, 0.01)], "y": [run(200, 0.5)]}, ["x", "y"]) == "y"


def test_sgd_configurations_take_clipped_sgd_steps(monkeypatch):
    """run_one of an "sgd" configuration equals plain SGD updates with the gradient clipped to norm 1."""
    import lstm_ref as lr

    cfg = dict(sweeps.SWEEPS["irnn_sgd"]["configs"]["irnn_sgd_short_lr0.1"], steps=3, eval_every=3, n_eval=16)
    monkeypatch.setitem(sweeps.SWEEPS["irnn_sgd"]["configs"], "tiny", cfg)
    out = sweeps.run_one("irnn_sgd", "tiny", 0)
    model = sweeps._model(cfg, 0)
    for step in range(3):
        x, y = (a.astype(np.float32) for a in sweeps._data(cfg, cfg["batch_size"], sweeps._STRIDE + step))
        _, grads = model.loss_and_grads(x, y)
        grads, _ = lr.clip_grad_norm(grads, 1.0)
        lr.SGD(lr=0.1).step(model.params, grads)
    x_ev, y_ev = sweeps._data(cfg, 16, cfg["eval_seed"])
    assert out["eval"] == [pytest.approx(sweeps._metric(model, x_ev.astype(np.float32), y_ev, "adding"), rel=1e-6)]


def test_evaluation_sets_differ_from_training_batches_and_each_other():
    cfg = sweeps.SWEEPS["gru_vs_lstm"]["configs"]["gru_lr0.01"]
    x_val, _ = sweeps._data(cfg, 64, sweeps.VAL_SEED)
    x_test, _ = sweeps._data(cfg, 64, sweeps.TEST_SEED)
    x_train, _ = sweeps._data(cfg, 64, 1 * sweeps._STRIDE + 0)
    assert not np.array_equal(x_val, x_test) and not np.array_equal(x_train, x_val)


def test_irnn_starts_from_the_identity():
    cfg = sweeps.SWEEPS["long_range"]["configs"]["irnn_lr1e-3"]
    model = sweeps._model(cfg, seed=0)
    p = model.params
    np.testing.assert_array_equal(p["rnn.weight_hh_l0"], np.eye(cfg["hidden_size"]))
    assert not p["rnn.bias_ih_l0"].any() and not p["rnn.bias_hh_l0"].any()
    assert 0 < np.abs(p["rnn.weight_ih_l0"]).max() < 0.01
    assert model.rnn.nonlinearity == "relu"
