"""Teaching cells, activations and layout converters: gradients by gradcheck, equations written out."""
import warnings

import numpy as np
import pytest

import lstm_ref as lr

TOL = 1e-7
# Central differences with a step of 1e-5: truncation error O(eps^2) ~ 1e-10 relative, while the
# round-off (~1e-16 |f| / eps) stays below the tolerance even for gradient entries of size ~1e-3.
GC = {"eps": 1e-5, "order": 2}


def rng(seed=0):
    return np.random.default_rng(seed)


def cell_params(G, I, H, seed=0, peephole=False):
    r = rng(seed)
    p = {"weight_ih": r.standard_normal((G * H, I)) * 0.5, "weight_hh": r.standard_normal((G * H, H)) * 0.5,
         "bias_ih": r.standard_normal(G * H) * 0.3, "bias_hh": r.standard_normal(G * H) * 0.3}
    if peephole:
        for k in ("weight_ci", "weight_cf", "weight_co"):
            p[k] = r.standard_normal(H) * 0.5
    return p


# --- activations ------------------------------------------------------------------------------------

def test_sigmoid_is_stable_and_correct():
    x = np.array([-1000.0, -30.0, -1.0, 0.0, 2.0, 30.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # no overflow warning from exp
        s = lr.sigmoid(x)
    np.testing.assert_allclose(s[1:-1], 1 / (1 + np.exp(-x[1:-1])), rtol=1e-15, atol=0)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert lr.sigmoid(np.float32([1.0])).dtype == np.float32
    np.testing.assert_allclose(lr.dsigmoid(lr.sigmoid(x)), lr.sigmoid(x) * lr.sigmoid(-x), atol=1e-16)


def test_softmax_and_log_softmax_are_stable():
    x = np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s, ls = lr.softmax(x), lr.log_softmax(x)
    np.testing.assert_allclose(s.sum(-1), 1.0, atol=1e-15)
    np.testing.assert_allclose(s[0], lr.softmax(x[0] - 1000), atol=1e-15)
    np.testing.assert_allclose(np.exp(ls), s, atol=1e-15)
    np.testing.assert_allclose(lr.tanh(x[1]), np.tanh(x[1]))
    np.testing.assert_allclose(lr.dtanh(np.tanh(x[1])), 1 / np.cosh(x[1]) ** 2, atol=1e-15)


# --- gradient checks of every step function -----------------------------------------------------------

@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_step_gradcheck(nonlinearity):
    B, I, H = 3, 4, 5
    p = cell_params(1, I, H, seed=1)
    x, h = rng(2).standard_normal((B, I)), rng(3).standard_normal((B, H))
    w = rng(4).standard_normal((B, H))

    def f(x, h_prev, **p):
        return float(np.sum(lr.rnn_step_forward(x, h_prev, p, nonlinearity)[0] * w))

    out, cache = lr.rnn_step_forward(x, h, p, nonlinearity)
    dx, dh, grads = lr.rnn_step_backward(w, cache)
    errs = lr.gradcheck(f, {"x": x, "h_prev": h, **p}, {"x": dx, "h_prev": dh, **grads}, **GC)
    assert set(errs) == {"x", "h_prev", "weight_ih", "weight_hh", "bias_ih", "bias_hh"}
    assert max(errs.values()) < TOL, errs


@pytest.mark.parametrize("variant", lr.LSTM_VARIANTS)
def test_lstm_step_gradcheck_every_variant(variant):
    B, I, H = 3, 4, 5
    p = cell_params(4, I, H, seed=5, peephole=variant == "peephole")
    x, h, c = (rng(s).standard_normal(shape) for s, shape in ((6, (B, I)), (7, (B, H)), (8, (B, H))))
    wh, wc = rng(9).standard_normal((B, H)), rng(10).standard_normal((B, H))

    def f(x, h_prev, c_prev, **p):
        (h, c), _ = lr.lstm_step_forward(x, h_prev, c_prev, p, variant)
        return float(np.sum(h * wh) + np.sum(c * wc))

    _, cache = lr.lstm_step_forward(x, h, c, p, variant)
    dx, dh, dc, grads = lr.lstm_step_backward(wh, wc, cache)
    assert set(grads) == set(p)
    errs = lr.gradcheck(f, {"x": x, "h_prev": h, "c_prev": c, **p}, {"x": dx, "h_prev": dh, "c_prev": dc, **grads},
                         **GC)
    assert max(errs.values()) < TOL, errs
    H_ = slice(0, H)
    if variant == "no_forget":      # f rows unused: zero gradient
        assert not np.any(grads["weight_ih"][H:2 * H]) and not np.any(grads["bias_hh"][H:2 * H])
    if variant == "coupled":        # i rows unused
        assert not np.any(grads["weight_hh"][H_]) and not np.any(grads["bias_ih"][H_])


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_step_gradcheck_both_conventions(reset_after):
    B, I, H = 3, 4, 5
    p = cell_params(3, I, H, seed=11)
    x, h = rng(12).standard_normal((B, I)), rng(13).standard_normal((B, H))
    w = rng(14).standard_normal((B, H))

    def f(x, h_prev, **p):
        return float(np.sum(lr.gru_step_forward(x, h_prev, p, reset_after)[0] * w))

    _, cache = lr.gru_step_forward(x, h, p, reset_after)
    dx, dh, grads = lr.gru_step_backward(w, cache)
    errs = lr.gradcheck(f, {"x": x, "h_prev": h, **p}, {"x": dx, "h_prev": dh, **grads}, **GC)
    assert max(errs.values()) < TOL, errs


# --- the equations, written out -------------------------------------------------------------------------

def test_lstm_step_matches_textbook_equations_and_variants():
    B, I, H = 2, 3, 4
    p = cell_params(4, I, H, seed=15, peephole=True)
    x, h, c = rng(16).standard_normal((B, I)), rng(17).standard_normal((B, H)), rng(18).standard_normal((B, H))
    a = x @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"]
    s = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    i, f, g, o = s(a[:, :H]), s(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), s(a[:, 3 * H:])
    expect = {
        "vanilla": (o * np.tanh(f * c + i * g), f * c + i * g),
        "no_forget": (o * np.tanh(c + i * g), c + i * g),
        "coupled": (o * np.tanh(f * c + (1 - f) * g), f * c + (1 - f) * g),
        "no_output_act": (o * (f * c + i * g), f * c + i * g),
    }
    ip, fp = s(a[:, :H] + p["weight_ci"] * c), s(a[:, H:2 * H] + p["weight_cf"] * c)
    cp = fp * c + ip * g
    op = s(a[:, 3 * H:] + p["weight_co"] * cp)
    expect["peephole"] = (op * np.tanh(cp), cp)
    for variant, (h_exp, c_exp) in expect.items():
        (h1, c1), _ = lr.lstm_step_forward(x, h, c, p, variant)
        np.testing.assert_allclose(h1, h_exp, rtol=0, atol=1e-15, err_msg=variant)
        np.testing.assert_allclose(c1, c_exp, rtol=0, atol=1e-15, err_msg=variant)


def test_gru_conventions_differ_and_match_equations():
    B, I, H = 2, 3, 4
    p = cell_params(3, I, H, seed=19)
    x, h = rng(20).standard_normal((B, I)), rng(21).standard_normal((B, H))
    s = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    W_ir, W_iz, W_in = np.split(p["weight_ih"], 3)
    W_hr, W_hz, W_hn = np.split(p["weight_hh"], 3)
    b_ir, b_iz, b_in = np.split(p["bias_ih"], 3)
    b_hr, b_hz, b_hn = np.split(p["bias_hh"], 3)
    r = s(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = s(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    n_after = np.tanh(x @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
    n_before = np.tanh(x @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)
    h_after, _ = lr.gru_step_forward(x, h, p, reset_after=True)
    h_before, _ = lr.gru_step_forward(x, h, p, reset_after=False)
    np.testing.assert_allclose(h_after, (1 - z) * n_after + z * h, atol=1e-15, rtol=0)
    np.testing.assert_allclose(h_before, (1 - z) * n_before + z * h, atol=1e-15, rtol=0)
    assert np.max(np.abs(h_after - h_before)) > 1e-3


def test_step_functions_do_not_mutate_inputs_and_follow_dtype():
    B, I, H = 2, 3, 4
    for dt in (np.float64, np.float32):
        p = {k: v.astype(dt) for k, v in cell_params(4, I, H, seed=22).items()}
        x, h, c = (rng(s).standard_normal((B, n)).astype(dt) for s, n in ((23, I), (24, H), (25, H)))
        before = [a.copy() for a in (x, h, c, *p.values())]
        (h1, c1), cache = lr.lstm_step_forward(x, h, c, p)
        dh = np.ones_like(h1)
        dx, dhp, dcp, g = lr.lstm_step_backward(dh, None, cache)
        for a, b in zip((x, h, c, *p.values()), before):
            np.testing.assert_array_equal(a, b)
        assert {h1.dtype, c1.dtype, dx.dtype, dhp.dtype, dcp.dtype, *(v.dtype for v in g.values())} == {np.dtype(dt)}
        np.testing.assert_array_equal(dh, np.ones_like(h1))


def test_step_functions_reject_bad_input():
    p = cell_params(4, 3, 4)
    x, h = np.zeros((2, 3)), np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"x must have shape \(B, I=3\), got \(2, 5\)"):
        lr.lstm_step_forward(np.zeros((2, 5)), h, h, p)
    with pytest.raises(ValueError, match=r"c_prev must have shape \(B=2, H=4\), got \(3, 4\)"):
        lr.lstm_step_forward(x, h, np.zeros((3, 4)), p)
    with pytest.raises(TypeError, match="x has dtype float32"):
        lr.lstm_step_forward(x.astype(np.float32), h, h, p)
    with pytest.raises(ValueError, match="variant"):
        lr.lstm_step_forward(x, h, h, p, variant="bogus")
    with pytest.raises(ValueError, match="weight_ci"):
        lr.lstm_step_forward(x, h, h, p, variant="peephole")
    with pytest.raises(ValueError, match=r"p\['weight_hh'\] must have shape \(G\*H=12, H=4\), got \(16, 4\)"):
        lr.gru_step_forward(x, h, {**cell_params(3, 3, 4), "weight_hh": np.zeros((16, 4))})
    with pytest.raises(ValueError, match="contains NaN or inf"):
        lr.rnn_step_forward(np.full((2, 3), np.nan), h, cell_params(1, 3, 4))
    out, cache = lr.gru_step_forward(x, h, cell_params(3, 3, 4))
    with pytest.raises(TypeError, match=r"cache must be the dict returned by lstm_step_forward .*got a dict"):
        lr.lstm_step_backward(h, h, cache)                      # another cell's cache
    with pytest.raises(TypeError, match=r"cache must be the dict returned by gru_step_forward .*got tuple"):
        lr.gru_step_backward(h, (out, cache))                   # the (out, cache) pair
    with pytest.raises(TypeError, match=r"cache must be the dict returned by rnn_step_forward .*got NoneType"):
        lr.rnn_step_backward(h, None)


# --- layout converters ----------------------------------------------------------------------------------

def test_textbook_layout_round_trip_and_equations():
    B, I, H = 2, 3, 4
    p = cell_params(4, I, H, seed=26)
    tb = lr.to_textbook(p)
    assert {k: v.shape for k, v in tb.items()} == {**{f"W_{g}": (H, H + I) for g in "ifco"},
                                                    **{f"b_{g}": (H,) for g in "ifco"}}
    x, h, c = rng(27).standard_normal((B, I)), rng(28).standard_normal((B, H)), rng(29).standard_normal((B, H))
    z = np.concatenate([h, x], axis=1)                  # [h_{t-1}, x_t]
    s = lr.sigmoid
    f, i = s(z @ tb["W_f"].T + tb["b_f"]), s(z @ tb["W_i"].T + tb["b_i"])
    g, o = np.tanh(z @ tb["W_c"].T + tb["b_c"]), s(z @ tb["W_o"].T + tb["b_o"])
    (h1, c1), _ = lr.lstm_step_forward(x, h, c, p)
    np.testing.assert_allclose(c1, f * c + i * g, atol=1e-15, rtol=0)
    np.testing.assert_allclose(h1, o * np.tanh(f * c + i * g), atol=1e-15, rtol=0)
    q = lr.from_textbook(tb)
    with pytest.raises(ValueError, match=r"b_f must have shape \(H=\d+,\), got \(\d+,\)"):
        lr.from_textbook({**tb, "b_f": np.zeros(H + 1)})
    with pytest.raises(ValueError, match=r"W_o must have shape \(H=\d+, H\+I=\d+\), got"):
        lr.from_textbook({**tb, "W_o": np.zeros((H, H + I + 1))})
    with pytest.raises(ValueError, match=r"W_f must have shape \(H, H\+I\) with I >= 1, got \(\d+, \d+\)"):
        lr.from_textbook({**tb, "W_f": np.zeros((H, H))})
    np.testing.assert_array_equal(q["weight_ih"], p["weight_ih"])
    np.testing.assert_array_equal(q["weight_hh"], p["weight_hh"])
    np.testing.assert_allclose(q["bias_ih"], p["bias_ih"] + p["bias_hh"], atol=1e-15)
    assert not np.any(q["bias_hh"])
    layer = lr.LSTM(I, H, seed=3)
    np.testing.assert_array_equal(lr.to_textbook(layer.params, suffix="_l0")["W_o"][:, :H],
                                  layer.params["weight_hh_l0"][3 * H:])


def test_rnn_textbook_layout():
    p = cell_params(1, 3, 4, seed=30)
    tb = lr.rnn_to_textbook(p)
    x, h = rng(31).standard_normal((2, 3)), rng(32).standard_normal((2, 4))
    np.testing.assert_allclose(lr.rnn_step_forward(x, h, p)[0], np.tanh(h @ tb["W"].T + x @ tb["U"].T + tb["b"]),
                               atol=1e-15, rtol=0)
    q = lr.rnn_from_textbook(tb)
    np.testing.assert_allclose(lr.rnn_step_forward(x, h, q)[0], lr.rnn_step_forward(x, h, p)[0], atol=1e-15, rtol=0)
    with pytest.raises(ValueError, match=r"U must have shape \(H=4, I=3\), got \(5, 3\)"):
        lr.rnn_from_textbook({"W": tb["W"], "U": np.zeros((5, 3)), "b": tb["b"]})
