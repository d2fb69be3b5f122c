"""Tests of lstm_ref.course.ablation (lr.train_on_stream, lr.continual_ablation): truncated BPTT on a stream carries the state, evaluation reads c_t."""
import numpy as np
import pytest

import lstm_ref as lr


def _stream(N=30, B=3, I=4, K=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, B, I)), rng.integers(0, K, size=(N, B))


class _Frozen:
    """An optimiser that leaves the parameters alone, so only the carried state matters."""

    def step(self, params, grads):
        pass


def test_state_is_carried_across_chunks():
    x, y = _stream()
    layer, head = lr.LSTM(4, 5, seed=1), lr.Linear(5, 2, seed=2)
    fit = lr.train_on_stream(layer, head, x, y, bptt=10, optimizer=_Frozen())
    _, (h_ref, c_ref) = lr.LSTM(4, 5, seed=1).forward(x)          # one pass over the whole stream
    np.testing.assert_allclose(fit["state"][0], h_ref, atol=1e-12, rtol=0)
    np.testing.assert_allclose(fit["state"][1], c_ref, atol=1e-12, rtol=0)
    assert fit["loss"].shape == (3,) and fit["max_abs_c"].shape == (3,)
    assert fit["max_abs_c"][-1] == pytest.approx(np.abs(c_ref).max())


def test_training_lowers_the_loss_and_updates_parameters():
    x, y = lr.continual_stream(8, 400, seed=0, task="latch", n_keys=2, n_noise=2, seg_min=3, seg_max=6)
    layer, head = lr.LSTM(4, 6, seed=0, forget_bias=1.0), lr.Linear(6, 2, seed=1)
    before = layer.params["weight_hh_l0"].copy()
    fit = lr.train_on_stream(layer, head, x, y, bptt=20, optimizer=lr.Adam(lr=1e-2), clip=1.0)
    assert not np.array_equal(before, layer.params["weight_hh_l0"])
    assert fit["loss"][-5:].mean() < fit["loss"][:5].mean()


def test_stream_eval_reports_cell_state_of_every_step():
    x, y = _stream(N=12, seed=3)
    layer, head = lr.LSTM(4, 5, seed=4), lr.Linear(5, 2, seed=5)
    ev = lr.stream_eval(layer, head, x, y)
    for t in (0, 5, 11):
        _, (_, c_t) = layer.forward(x[:t + 1])
        assert ev["max_abs_c_t"][t] == pytest.approx(np.abs(c_t).max(), abs=1e-12)
    out, _ = layer.forward(x)
    assert ev["accuracy"] == pytest.approx(np.mean(head.forward(out).argmax(-1) == y))


def test_no_forget_cell_grows_on_a_continual_stream():
    # small and quick: the same mechanism as chapter 09, asserted on the size of the state only
    nf = lr.continual_ablation("no_forget", seed=0, updates=40, eval_length=300, eval_batch=8)
    full = lr.continual_ablation("vanilla", seed=0, updates=40, eval_length=300, eval_batch=8)
    assert nf["max_abs_c"] > 5 * full["max_abs_c"]
    assert nf["max_abs_c_t"][-1] > nf["max_abs_c_t"][149]


def test_bad_input_is_rejected():
    x, y = _stream()
    layer, head = lr.LSTM(4, 5), lr.Linear(5, 2)
    with pytest.raises(ValueError, match="y"):
        lr.train_on_stream(layer, head, x, y[:-1], bptt=10, optimizer=lr.SGD(lr=0.1))
    with pytest.raises(ValueError, match="bptt"):
        lr.train_on_stream(layer, head, x, y, bptt=0, optimizer=lr.SGD(lr=0.1))


def test_ablation_settings_come_from_one_config():
    cfg = lr.AblationConfig(updates=40, eval_length=300, eval_batch=8)
    a = lr.continual_ablation("vanilla", seed=0, config=cfg)
    b = lr.continual_ablation("vanilla", seed=0, updates=40, eval_length=300, eval_batch=8)
    assert a["train_loss"].shape == (40,) and a["accuracy_t"].shape == (300,)
    np.testing.assert_array_equal(a["train_loss"], b["train_loss"])
    with pytest.raises(TypeError, match="no_such_setting"):
        lr.continual_ablation("vanilla", no_such_setting=1)
