"""Optimisers, losses and clipping against what PyTorch computed, without PyTorch.

tests/data/training_golden.npz is written by `python scripts/make_golden.py training` from
torch.optim.SGD (with and without momentum), Adagrad and Adam (several steps each, from fixed
parameters and a fixed sequence of gradients of mixed scales), F.cross_entropy (with an ignored
target), F.mse_loss, clip_grad_norm_ (above and below the threshold) and clip_grad_value_.
"""
import pathlib

import numpy as np
import pytest

import lstm_ref as lr

GOLDEN = np.load(pathlib.Path(__file__).parent / "data" / "training_golden.npz")
OPTIMISERS = {
    "sgd_momentum": lambda: lr.SGD(lr=0.05, momentum=0.9),
    "sgd_plain": lambda: lr.SGD(lr=0.1),
    "adagrad": lambda: lr.Adagrad(lr=0.1, eps=1e-10),
    "adam": lambda: lr.Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-8),
    "adam_betas": lambda: lr.Adam(lr=0.02, betas=(0.8, 0.99), eps=1e-6),
}


def g(key):
    return GOLDEN[key]


@pytest.mark.parametrize("case", sorted(OPTIMISERS))
def test_optimiser_trajectory_equals_torch_optim(case):
    params = {k: g(f"{case}/p0_{k}").copy() for k in ("a", "b")}
    steps = g(f"{case}/grads_a").shape[0]
    assert steps >= 5
    opt = OPTIMISERS[case]()
    for s in range(steps):
        opt.step(params, {k: g(f"{case}/grads_{k}")[s].copy() for k in params})
        for k in params:
            np.testing.assert_allclose(params[k], g(f"{case}/after_{k}")[s], rtol=0, atol=1e-12,
                                       err_msg=f"{case}, parameter {k}, after step {s + 1}")
    # the trajectory really moves: a rule that ignored the gradients could not pass the above
    assert not np.allclose(g(f"{case}/after_a")[-1], g(f"{case}/p0_a"))


def test_cross_entropy_equals_torch():
    loss, d = lr.softmax_cross_entropy(g("ce/logits"), g("ce/targets"))
    assert (g("ce/targets") == lr.IGNORE_INDEX).sum() == 1
    assert abs(loss - float(g("ce/loss"))) < 1e-12
    np.testing.assert_allclose(d, g("ce/dlogits"), rtol=0, atol=1e-14)


def test_mse_equals_torch():
    loss, d = lr.mse(g("mse/pred"), g("mse/target"))
    assert abs(loss - float(g("mse/loss"))) < 1e-12
    np.testing.assert_allclose(d, g("mse/dpred"), rtol=0, atol=1e-14)


@pytest.mark.parametrize("case", ["above", "below"])
def test_clip_grad_norm_equals_torch_on_both_sides_of_the_threshold(case):
    grads = {"g0": g("clip/g0"), "g1": g("clip/g1")}
    max_norm = float(g(f"clip_{case}/max_norm"))
    clipped, total = lr.clip_grad_norm(grads, max_norm)
    assert abs(total - float(g(f"clip_{case}/total"))) < 1e-12
    assert (total > max_norm) == (case == "above")
    for k in grads:
        # torch divides by (norm + 1e-6) where lstm_ref divides by the norm: a relative 1e-6 / norm
        np.testing.assert_allclose(clipped[k], g(f"clip_{case}/{k}"), rtol=1e-6 / total * 1.01, atol=0)
    if case == "below":
        for k in grads:
            np.testing.assert_array_equal(clipped[k], grads[k])


def test_clip_grad_value_equals_torch():
    grads = {"g0": g("clip/g0"), "g1": g("clip/g1")}
    out = lr.clip_grad_value(grads, float(g("clip_value/clip")))
    assert any(np.abs(v).max() > 1.5 for v in grads.values())
    for k in grads:
        np.testing.assert_array_equal(out[k], g(f"clip_value/{k}"))
