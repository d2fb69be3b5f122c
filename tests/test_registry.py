"""The cell registry and the generic unroll: every registered cell runs as a layer; fast kernels equal the unroll.

The minimal gated unit (MGU) is the cell added through the registry alone: its step functions, its
gradcheck, its registry line and its layer through the generic unroll, no fast kernel.
"""
import numpy as np
import pytest

import lstm_ref as lr
from lstm_ref.core.registry import CELLS, cell, unroll_backward, unroll_forward

TOL = 1e-7


def rng(seed):
    return np.random.default_rng(seed)


def cell_params(G, I, H, seed):
    r = rng(seed)
    return {"weight_ih": r.standard_normal((G * H, I)) * 0.5, "weight_hh": r.standard_normal((G * H, H)) * 0.5,
            "bias_ih": r.standard_normal(G * H) * 0.3, "bias_hh": r.standard_normal(G * H) * 0.3}


def test_registry_lists_every_cell_with_a_layer():
    assert set(CELLS) == {"rnn", "lstm", "gru", "mgu"}
    assert set(lr.LAYERS) == set(CELLS)
    for kind, spec in CELLS.items():
        layer = lr.make_layer(kind, 3, 4)
        assert layer.kind == kind and layer.params["weight_ih_l0"].shape == (spec.gates * 4, 3)
        assert set(layer.cell_options()) == set(spec.options)
    assert (CELLS["lstm"].gates, CELLS["gru"].gates, CELLS["rnn"].gates, CELLS["mgu"].gates) == (4, 3, 1, 2)
    assert [k for k, s in CELLS.items() if s.has_cell] == ["lstm"]
    with pytest.raises(ValueError, match=r"kind must be one of \['gru', 'lstm', 'mgu', 'rnn'\], got 'elman'"):
        cell("elman")
    with pytest.raises(ValueError, match="kind must be one of"):
        lr.make_layer("elman", 3, 4)


# --- MGU, the cell added through the registry --------------------------------------------------------

def test_mgu_step_follows_the_equations():
    B, I, H = 2, 3, 4
    p = cell_params(2, I, H, seed=1)
    x, h = rng(2).standard_normal((B, I)), rng(3).standard_normal((B, H))
    s = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    W_if, W_in = p["weight_ih"][:H], p["weight_ih"][H:]
    W_hf, W_hn = p["weight_hh"][:H], p["weight_hh"][H:]
    f = s(x @ W_if.T + p["bias_ih"][:H] + h @ W_hf.T + p["bias_hh"][:H])
    n = np.tanh(x @ W_in.T + p["bias_ih"][H:] + (f * h) @ W_hn.T + p["bias_hh"][H:])
    h_new, cache = lr.mgu_step_forward(x, h, p)
    np.testing.assert_allclose(h_new, (1 - f) * h + f * n, rtol=0, atol=1e-15)
    np.testing.assert_allclose(cache["f"], f, rtol=0, atol=1e-15)


def test_mgu_step_gradcheck():
    B, I, H = 3, 4, 5
    p = cell_params(2, I, H, seed=4)
    x, h = rng(5).standard_normal((B, I)), rng(6).standard_normal((B, H))
    w = rng(7).standard_normal((B, H))

    def f(x, h_prev, **p):
        return float(np.sum(lr.mgu_step_forward(x, h_prev, p)[0] * w))

    _, cache = lr.mgu_step_forward(x, h, p)
    dx, dh, grads = lr.mgu_step_backward(w, cache)
    errs = lr.gradcheck(f, {"x": x, "h_prev": h, **p}, {"x": dx, "h_prev": dh, **grads}, eps=1e-5)
    assert set(errs) == {"x", "h_prev", "weight_ih", "weight_hh", "bias_ih", "bias_hh"}
    assert max(errs.values()) < TOL, errs


def test_mgu_step_rejects_bad_input_and_foreign_caches():
    p = cell_params(2, 3, 4, seed=8)
    with pytest.raises(ValueError, match=r"x must have shape \(B, I=3\), got \(2, 5\)"):
        lr.mgu_step_forward(np.zeros((2, 5)), np.zeros((2, 4)), p)
    with pytest.raises(ValueError, match=r"weight_ih'\] must have shape \(G\*H=8, I=3\)"):
        lr.mgu_step_forward(np.zeros((2, 3)), np.zeros((2, 4)), cell_params(3, 3, 4, seed=8))
    _, gru_cache = lr.gru_step_forward(np.zeros((2, 3)), np.zeros((2, 4)), cell_params(3, 3, 4, seed=8))
    with pytest.raises(TypeError, match="cache must be the dict returned by mgu_step_forward"):
        lr.mgu_step_backward(np.zeros((2, 4)), gru_cache)


@pytest.mark.parametrize("L,bi", [(1, False), (2, True)])
def test_mgu_layer_gradcheck_through_the_generic_unroll(L, bi):
    layer = lr.MGU(3, 3, num_layers=L, bidirectional=bi, seed=9)
    probe = lr.MGU(3, 3, num_layers=L, bidirectional=bi)
    assert layer._kernels is None and not layer.fast
    r = rng(10)
    x, h0 = r.standard_normal((4, 2, 3)), r.standard_normal((L * layer.num_directions, 2, 3))
    dy, dh_n = r.standard_normal((4, 2, 3 * layer.num_directions)), r.standard_normal(h0.shape)

    def f(x, h0, **params):
        probe.load_state_dict(params)
        y, h_n = probe.forward(x, h0)
        return float(np.sum(y * dy) + np.sum(h_n * dh_n))

    layer.forward(x, h0)
    dx, dh0 = layer.backward(dy, dh_n)
    errs = lr.gradcheck(f, {"x": x, "h0": h0, **layer.state_dict()}, {"x": dx, "h0": dh0, **layer.grads},
                        eps=1e-3, order=4)
    assert max(errs.values()) < TOL, errs


def test_mgu_layer_learns_the_adding_problem_signal():
    """A model built by kind from the registry trains: the MGU lowers the adding problem's loss."""
    x, y = lr.adding_problem(64, 10, seed=0)
    model = lr.SequenceModel("mgu", 2, 8, 1, seed=0)
    before = model.loss_and_grads(x, y)[0]
    opt = lr.Adam(lr=0.02)
    for step in range(60):
        xb, yb = lr.adding_problem(64, 10, seed=1 + step)
        _, grads = model.loss_and_grads(xb, yb)
        opt.step(model.params, grads)
    after = model.loss_and_grads(x, y)[0]
    assert after < 0.5 * before, (before, after)


# --- the generic unroll and the fast kernels ------------------------------------------------------------

FAST = [  # (kind, layer kwargs) of every fast kernel configuration
    *[("lstm", {"variant": v}) for v in lr.LSTM_VARIANTS],
    ("gru", {"reset_after": True}), ("gru", {"reset_after": False}),
    ("rnn", {"nonlinearity": "tanh"}), ("rnn", {"nonlinearity": "relu"}),
]


@pytest.mark.parametrize("kind,kw", FAST, ids=[f"{k}-{next(iter(kw.values()))}" for k, kw in FAST])
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-5)])
def test_fast_kernel_equals_the_generic_unroll(kind, kw, dtype, tol):
    fast = lr.make_layer(kind, 4, 5, num_layers=2, bidirectional=True, seed=11, dtype=dtype, **kw)
    slow = lr.make_layer(kind, 4, 5, num_layers=2, bidirectional=True, seed=11, dtype=dtype, fast=False, **kw)
    r = rng(12)
    x = r.standard_normal((7, 3, 4)).astype(dtype)
    dy = r.standard_normal((7, 3, 10)).astype(dtype)
    outs = []
    for layer in (fast, slow):
        y, s = layer.forward(x)
        dx, ds = layer.backward(dy)
        flat = [y, dx, *(s if isinstance(s, tuple) else (s,)), *(ds if isinstance(ds, tuple) else (ds,))]
        outs.append(flat + [layer.grads[k] for k in sorted(layer.grads)])
    assert "caches" in slow._cache["caches"][0] and "caches" not in fast._cache["caches"][0]
    worst = max(float(np.max(np.abs(a - b), initial=0.0)) / max(1.0, float(np.max(np.abs(b), initial=0.0)))
                for a, b in zip(*outs))
    assert worst <= tol, worst


def test_unroll_backward_returns_the_gradient_reaching_every_hidden_state():
    p = cell_params(3, 2, 3, seed=13)
    r = rng(14)
    x, h0, dys = r.standard_normal((5, 2, 2)), r.standard_normal((2, 3)), r.standard_normal((5, 2, 3))
    ys, h_T, c_T, cache = unroll_forward("gru", x, p, h0)
    assert c_T is None and np.array_equal(ys[-1], h_T)
    _, _, _, _, dhs = unroll_backward(dys, np.zeros((2, 3)), None, cache)
    k, eps = 2, 1e-6                                   # dL/dh_2 by perturbing h_2 and re-running steps 3, 4

    def loss_from(h2):
        ys_tail, _, _, _ = unroll_forward("gru", x[k + 1:], p, h2)
        return float(np.sum(dys[k] * h2) + np.sum(dys[k + 1:] * ys_tail))

    e = np.zeros((2, 3))
    e[1, 2] = eps
    num = (loss_from(ys[k] + e) - loss_from(ys[k] - e)) / (2 * eps)
    assert abs(num - dhs[k][1, 2]) < 1e-8
