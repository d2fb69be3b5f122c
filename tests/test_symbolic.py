"""lstm_ref.symbolic (lstm_ref/course/symbolic.py): the gate-level sigma and the SymPy LSTM derivations.

The derivations are checked three ways: against an independent numpy forward pass by central
differences, against the hand-derived delta formulas symbolically, and against lstm_ref's cells.
"""

import numpy as np
import pytest
import sympy as sp

import lstm_ref as lr
from lstm_ref import symbolic as S

z = sp.Symbol("z", real=True)


def np_sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def test_sigma_derivative_is_gate_level():
    assert sp.simplify(S.sigma(z).diff(z) - S.sigma(z) * (1 - S.sigma(z))) == 0
    # second derivative stays in sigma too: s(1-s)(1-2s)
    assert sp.expand(S.sigma(z).diff(z, 2) - S.sigma(z) * (1 - S.sigma(z)) * (1 - 2 * S.sigma(z))) == 0
    assert not S.sigma(z).diff(z).has(sp.exp)


def test_sigma_matches_exponential_form():
    exp_form = S.sigma(z).rewrite(sp.exp)
    assert sp.simplify(exp_form - 1 / (1 + sp.exp(-z))) == 0
    # the derivative of the exp form equals sigma(1 - sigma) in the exp form
    diff = sp.diff(exp_form, z) - (S.sigma(z) * (1 - S.sigma(z))).rewrite(sp.exp)
    for v in (-3.0, -0.5, 0.0, 0.7, 4.0):
        assert abs(float(diff.subs(z, v).evalf())) < 1e-14
    assert S.sigma(0) == sp.Rational(1, 2)
    assert S.sigma(z).is_real and S.sigma(z).is_positive


@pytest.mark.parametrize("modules", ["numpy", "math", "mpmath"])
def test_sigma_lambdify_evaluates_logistic(modules):
    f = sp.lambdify(z, S.sigma(z), modules)
    for v in (-5.0, -1.0, 0.0, 2.0, 30.0):
        assert abs(float(f(v)) - np_sigmoid(v)) < 1e-15
    assert abs(float(S.sigma(2).evalf()) - np_sigmoid(2.0)) < 1e-15


def test_lambdify_helper_broadcasts_arrays():
    f = S.lambdify([z], 2 * S.sigma(z) * (1 - S.sigma(z)))
    a = np.linspace(-4, 4, 9)
    np.testing.assert_allclose(f(a), 2 * np_sigmoid(a) * (1 - np_sigmoid(a)), rtol=1e-14)


def test_latex_shows_sigma():
    assert sp.latex(S.sigma(z)) == r"\sigma\left(z\right)"
    assert sp.latex(S.sigma(z) ** 2) == r"\sigma\left(z\right)^{2}"


def _scalar_forward(x, h, c, w):
    """Independent numpy scalar LSTM step; w: dict name -> float (W_fh, W_fx, b_f, ...)."""
    f = np_sigmoid(w["W_fh"] * h + w["W_fx"] * x + w["b_f"])
    i = np_sigmoid(w["W_ih"] * h + w["W_ix"] * x + w["b_i"])
    g = np.tanh(w["W_ch"] * h + w["W_cx"] * x + w["b_c"])
    o = np_sigmoid(w["W_oh"] * h + w["W_ox"] * x + w["b_o"])
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new, dict(f=f, i=i, g=g, o=o, tanh_c=np.tanh(c_new))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scalar_gradients_match_central_differences(seed):
    rng = np.random.default_rng(seed)
    s = S.lstm_cell_symbols()
    grads = S.lstm_scalar_gradients(s)
    assert len(s.params) == 12 and set(s.param_names) <= set(grads)
    w = dict(zip(s.param_names, rng.normal(size=12)))
    x, h, c, dh, dc = rng.normal(size=5)
    _, _, gates = _scalar_forward(x, h, c, w)
    args = [s.x, s.h_prev, s.c_prev, s.dh, s.dc, s.f, s.i, s.g, s.o, s.tanh_c, *s.params]
    vals = [x, h, c, dh, dc, gates["f"], gates["i"], gates["g"], gates["o"], gates["tanh_c"], *w.values()]

    def loss(**kw):
        full = {**w, "x": x, "h": h, "c": c, **kw}
        hn, cn, _ = _scalar_forward(full.pop("x"), full.pop("h"), full.pop("c"), full)
        return dh * hn + dc * cn

    eps = 1e-6
    for name, expr in grads.items():
        assert not expr.has(S.sigma) and not expr.has(sp.exp) and not expr.has(sp.tanh), name
        analytic = S.lambdify(args, expr)(*vals)
        key = {"h_prev": "h", "c_prev": "c"}.get(name, name)
        base = {**w, "x": x, "h": h, "c": c}[key]
        numeric = (loss(**{key: base + eps}) - loss(**{key: base - eps})) / (2 * eps)
        rel = abs(analytic - numeric) / max(1e-8, abs(analytic) + abs(numeric))
        assert rel <= 1e-7, (name, analytic, numeric)


def test_scalar_gradients_equal_hand_derived_deltas():
    s = S.lstm_cell_symbols()
    g = S.lstm_scalar_gradients(s)
    dc_total = s.dc + s.dh * s.o * (1 - s.tanh_c**2)
    delta = {
        "f": dc_total * s.c_prev * s.f * (1 - s.f),
        "i": dc_total * s.g * s.i * (1 - s.i),
        "c": dc_total * s.i * (1 - s.g**2),
        "o": s.dh * s.tanh_c * s.o * (1 - s.o),
    }
    for k in S.GATES:
        for name, inp in zip((f"W_{k}h", f"W_{k}x", f"b_{k}"), (s.h_prev, s.x, 1)):
            assert sp.expand(g[name] - delta[k] * inp) == 0, name
    assert sp.expand(g["c_prev"] - dc_total * s.f) == 0
    # direct path of the constant error carousel: with dh = 0 the cell gradient is exactly f_t
    assert sp.expand(g["c_prev"].subs(s.dh, 0) - s.dc * s.f) == 0


def test_scalar_derivation_stays_at_gate_level():
    # what makes the derivation quick: every gradient is a short expression in gate symbols,
    # with no exp left to simplify (the raw exp form of one derivative has hundreds of operations)
    grads = S.lstm_scalar_gradients()
    assert max(sp.count_ops(g) for g in grads.values()) < 50
    assert not any(g.has(sp.exp) for g in grads.values())


def test_vector_gradients_equal_outer_product_formulas():
    H, I = 2, 3
    s = S.lstm_vector_symbols(H, I)
    e = S.lstm_vector_expressions(s)
    assert e["h"].shape == (H, 1) and s.W["f"].shape == (H, H + I)
    L = (s.dh.T * e["h"] + s.dc.T * e["c"])[0]
    F, Ig, G, O = (s.gate[k] for k in S.GATES)
    T = s.tanh_c
    one = sp.ones(H, 1)
    mul = sp.Matrix.multiply_elementwise
    dc_total = s.dc + mul(mul(s.dh, O), one - mul(T, T))
    delta = {
        "f": mul(mul(dc_total, s.c_prev), mul(F, one - F)),
        "i": mul(mul(dc_total, G), mul(Ig, one - Ig)),
        "c": mul(mul(dc_total, Ig), one - mul(G, G)),
        "o": mul(mul(s.dh, T), mul(O, one - O)),
    }
    hx = s.h_prev.col_join(s.x)
    for k in S.GATES:
        dW = S.gate_level(s.W[k].applyfunc(lambda a: sp.diff(L, a)), s, e)
        db = S.gate_level(s.b[k].applyfunc(lambda a: sp.diff(L, a)), s, e)
        assert (dW - delta[k] * hx.T).applyfunc(sp.expand) == sp.zeros(H, H + I), k
        assert (db - delta[k]).applyfunc(sp.expand) == sp.zeros(H, 1), k


def test_vector_symbols_validate_sizes():
    with pytest.raises(ValueError, match="hidden_size"):
        S.lstm_vector_symbols(0, 2)


def test_symbolic_names_stay_out_of_top_level():
    assert not hasattr(lr, "sigma") or lr.sigma is not S.sigma
    assert lr.symbolic.sigma is S.sigma


def test_sympy_gradients_equal_lstm_step_backward():
    rng = np.random.default_rng(3)
    B, H, I = 5, 1, 1
    p = {
        "weight_ih": rng.normal(size=(4 * H, I)),
        "weight_hh": rng.normal(size=(4 * H, H)),
        "bias_ih": rng.normal(size=(4 * H,)),
        "bias_hh": rng.normal(size=(4 * H,)),
    }
    x, h, c = rng.normal(size=(B, I)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    dh, dc = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    (hn, cn), cache = lr.lstm_step_forward(x, h, c, p)
    dx, dh_prev, dc_prev, grads = lr.lstm_step_backward(dh, dc, cache)
    # PyTorch rows i, f, g, o -> textbook gates
    row = {"i": 0, "f": 1, "c": 2, "o": 3}
    w = {}
    for k in S.GATES:
        w[f"W_{k}h"] = p["weight_hh"][row[k], 0]
        w[f"W_{k}x"] = p["weight_ih"][row[k], 0]
        w[f"b_{k}"] = p["bias_ih"][row[k]] + p["bias_hh"][row[k]]
    s = S.lstm_cell_symbols()
    g = S.lstm_scalar_gradients(s)
    _, _, gates = _scalar_forward(x[:, 0], h[:, 0], c[:, 0], w)
    args = [s.x, s.h_prev, s.c_prev, s.dh, s.dc, s.f, s.i, s.g, s.o, s.tanh_c, *s.params]
    vals = [x[:, 0], h[:, 0], c[:, 0], dh[:, 0], dc[:, 0], gates["f"], gates["i"], gates["g"], gates["o"],
            gates["tanh_c"], *w.values()]
    per_sample = {n: np.broadcast_to(S.lambdify(args, expr)(*vals), (B,)) for n, expr in g.items()}
    np.testing.assert_allclose(per_sample["x"], dx[:, 0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(per_sample["h_prev"], dh_prev[:, 0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(per_sample["c_prev"], dc_prev[:, 0], rtol=1e-10, atol=1e-12)
    for k in S.GATES:
        np.testing.assert_allclose(per_sample[f"W_{k}h"].sum(), grads["weight_hh"][row[k], 0], rtol=1e-10)
        np.testing.assert_allclose(per_sample[f"W_{k}x"].sum(), grads["weight_ih"][row[k], 0], rtol=1e-10)
        np.testing.assert_allclose(per_sample[f"b_{k}"].sum(), grads["bias_ih"][row[k]], rtol=1e-10)
        np.testing.assert_allclose(per_sample[f"b_{k}"].sum(), grads["bias_hh"][row[k]], rtol=1e-10)


def test_sympy_gradients_equal_torch_autograd():
    torch = pytest.importorskip("torch", reason="PyTorch not installed: make setup-dev (torch==2.13.0+cpu; README, Locked versions)")
    rng = np.random.default_rng(7)
    s = S.lstm_cell_symbols()
    g = S.lstm_scalar_gradients(s)
    cell = torch.nn.LSTM(1, 1).double()
    with torch.no_grad():
        for name, prm in cell.named_parameters():
            prm.copy_(torch.from_numpy(rng.normal(size=tuple(prm.shape))))
    x, h, c, dh, dc = (float(v) for v in rng.normal(size=5))
    xt = torch.tensor([[[x]]], dtype=torch.float64, requires_grad=True)
    ht = torch.tensor([[[h]]], dtype=torch.float64, requires_grad=True)
    ct = torch.tensor([[[c]]], dtype=torch.float64, requires_grad=True)
    _, (hn, cn) = cell(xt, (ht, ct))
    (dh * hn.sum() + dc * cn.sum()).backward()
    row = {"i": 0, "f": 1, "c": 2, "o": 3}
    P = {n: prm.detach().numpy() for n, prm in cell.named_parameters()}
    G = {n: prm.grad.numpy() for n, prm in cell.named_parameters()}
    w = {}
    for k in S.GATES:
        w[f"W_{k}h"] = P["weight_hh_l0"][row[k], 0]
        w[f"W_{k}x"] = P["weight_ih_l0"][row[k], 0]
        w[f"b_{k}"] = P["bias_ih_l0"][row[k]] + P["bias_hh_l0"][row[k]]
    _, _, gates = _scalar_forward(x, h, c, w)
    args = [s.x, s.h_prev, s.c_prev, s.dh, s.dc, s.f, s.i, s.g, s.o, s.tanh_c, *s.params]
    vals = [x, h, c, dh, dc, gates["f"], gates["i"], gates["g"], gates["o"], gates["tanh_c"], *w.values()]
    num = {n: float(S.lambdify(args, expr)(*vals)) for n, expr in g.items()}
    for k in S.GATES:
        assert num[f"W_{k}h"] == pytest.approx(G["weight_hh_l0"][row[k], 0], rel=1e-10, abs=1e-13)
        assert num[f"W_{k}x"] == pytest.approx(G["weight_ih_l0"][row[k], 0], rel=1e-10, abs=1e-13)
        assert num[f"b_{k}"] == pytest.approx(G["bias_ih_l0"][row[k]], rel=1e-10, abs=1e-13)
        assert num[f"b_{k}"] == pytest.approx(G["bias_hh_l0"][row[k]], rel=1e-10, abs=1e-13)
    assert num["x"] == pytest.approx(xt.grad.item(), rel=1e-10, abs=1e-13)
    assert num["h_prev"] == pytest.approx(ht.grad.item(), rel=1e-10, abs=1e-13)
    assert num["c_prev"] == pytest.approx(ct.grad.item(), rel=1e-10, abs=1e-13)
