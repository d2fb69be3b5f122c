"""Unit tests of lstm_ref.course.dynamics: Jacobian products against finite differences, the cliff gradient
against central differences, Pascanu's bound, shapes and input validation."""
import numpy as np
import pytest

from lstm_ref import dynamics as dyn


def _small_rnn(seed=0, H=5, T=7, B=3, scale=1.0, nonlinearity="tanh"):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(H, H)) * scale / np.sqrt(H)
    drive = rng.normal(size=(T, B, H)) * 0.5
    h0 = rng.normal(size=(B, H)) * 0.3
    return W, drive, h0


def _run(W, drive, h0, nonlinearity):
    return dyn.recurrent_states(W, drive, h0, nonlinearity)


@pytest.mark.parametrize("nonlinearity", ["tanh", "sigmoid"])
def test_jacobian_products_match_finite_differences(nonlinearity):
    W, drive, h0 = _small_rnn(nonlinearity=nonlinearity)
    T, B, H = drive.shape
    hs = _run(W, drive, h0, nonlinearity)
    P = dyn.jacobian_products(hs, W, nonlinearity)
    assert P.shape == (T + 1, B, H, H)
    # dh_T / dh_t by central differences: perturb h_t, rerun steps t+1..T
    eps = 1e-6
    for s in (1, 3, T - 1):
        t = T - s                      # h_t = hs[t-1]
        num = np.zeros((B, H, H))
        for j in range(H):
            hp = hs[t - 1].copy()
            hm = hs[t - 1].copy()
            hp[:, j] += eps
            hm[:, j] -= eps
            yp = _run(W, drive[t:], hp, nonlinearity)[-1]
            ym = _run(W, drive[t:], hm, nonlinearity)[-1]
            num[:, :, j] = (yp - ym) / (2 * eps)
        np.testing.assert_allclose(P[s], num, rtol=1e-6, atol=1e-9)


def test_product_identity_and_first_step():
    W, drive, h0 = _small_rnn()
    hs = _run(W, drive, h0, "tanh")
    P = dyn.jacobian_products(hs, W)
    J = dyn.step_jacobians(hs, W)
    np.testing.assert_array_equal(P[0][0], np.eye(W.shape[0]))
    np.testing.assert_allclose(P[1], J[-1])
    np.testing.assert_allclose(J[-1][0], np.diag(1 - hs[-1][0] ** 2) @ W)


@pytest.mark.parametrize("nonlinearity", ["tanh", "sigmoid"])
def test_pascanu_bound_holds(nonlinearity):
    rng = np.random.default_rng(1)
    H, T, B = 6, 30, 4
    W = dyn.scale_spectral_norm(rng.normal(size=(H, H)), 0.9 / dyn.GAMMA[nonlinearity])
    assert dyn.vanishing_bound(W, nonlinearity) == pytest.approx(0.9)
    hs = dyn.recurrent_states(W, rng.normal(size=(T, B, H)), None, nonlinearity)
    norms = dyn.jacobian_norms(hs, W, nonlinearity)
    gaps = np.arange(T + 1)
    assert np.all(norms <= 0.9 ** gaps[:, None] + 1e-12)
    assert np.all(norms[1:] < 0.9 ** gaps[1:, None])


def test_linear_regime_explodes():
    rng = np.random.default_rng(2)
    H, T = 6, 12
    Q, _ = np.linalg.qr(rng.normal(size=(H, H)))
    W = 1.5 * Q                          # all singular values 1.5
    hs = dyn.recurrent_states(W, 1e-6 * rng.normal(size=(T, 1, H)))
    norms = dyn.jacobian_norms(hs, W)[:, 0]
    assert np.all(np.diff(norms) > 0)
    assert norms[-1] > 0.99 * 1.5 ** T


def test_singular_values_and_scaling():
    rng = np.random.default_rng(3)
    W = rng.normal(size=(4, 4))
    W0 = W.copy()
    s = dyn.singular_values(W)
    np.testing.assert_allclose(s, np.sqrt(np.sort(np.linalg.eigvalsh(W.T @ W))[::-1]), rtol=1e-10)
    V = dyn.scale_spectral_norm(W, 2.0)
    assert dyn.spectral_norm(V) == pytest.approx(2.0)
    np.testing.assert_array_equal(W, W0)  # input not mutated


def test_activation_derivative():
    a = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(dyn.activation_derivative(np.tanh(a), "tanh"), 1 / np.cosh(a) ** 2)
    s = 1 / (1 + np.exp(-a))
    np.testing.assert_allclose(dyn.activation_derivative(s, "sigmoid"), np.exp(-a) / (1 + np.exp(-a)) ** 2)
    np.testing.assert_array_equal(dyn.activation_derivative(np.maximum(a, 0), "relu"), (a > 0) * 1.0)


def test_cliff_forward_matches_loop():
    w, b = 5.0, -2.4
    x = 0.5
    for _ in range(50):
        x = w / (1 + np.exp(-x)) + b
    assert float(dyn.cliff_forward(w, b)) == pytest.approx(x, rel=1e-12)


@pytest.mark.parametrize("w,b", [(1.0, 0.3), (4.7, -2.4), (6.0, -3.05), (-2.0, 1.0), (4.625, -2.38)])
def test_cliff_gradient_matches_central_differences(w, b):
    E, gw, gb = dyn.cliff_loss_and_grad(w, b)
    h = 1e-6

    def loss(w_, b_):
        return float(dyn.cliff_loss_and_grad(w_, b_)[0])

    nw = (loss(w + h, b) - loss(w - h, b)) / (2 * h)
    nb = (loss(w, b + h) - loss(w, b - h)) / (2 * h)
    for a, n in ((float(gw), nw), (float(gb), nb)):
        assert abs(a - n) <= 1e-5 * max(1.0, abs(a), abs(n))


def test_cliff_grid_shapes_and_wall():
    ws = np.linspace(1, 9, 81)
    bs = np.linspace(-6, 0, 61)
    g = dyn.cliff_grid(ws, bs)
    for k in ("w", "b", "E", "dE_dw", "dE_db", "grad_norm"):
        assert g[k].shape == (61, 81)
    np.testing.assert_allclose(g["grad_norm"], np.hypot(g["dE_dw"], g["dE_db"]))
    E0, gw0, gb0 = dyn.cliff_loss_and_grad(g["w"][7, 11], g["b"][7, 11])
    assert g["E"][7, 11] == E0 and g["dE_dw"][7, 11] == gw0
    assert g["grad_norm"].max() > 100 * np.median(g["grad_norm"])


def test_validation_errors_name_the_argument():
    W = np.eye(3)
    with pytest.raises(ValueError, match="drive"):
        dyn.recurrent_states(W, np.zeros((4, 2, 5)))
    with pytest.raises(ValueError, match="W_hh"):
        dyn.recurrent_states(np.zeros((3, 4)), np.zeros((4, 2, 3)))
    with pytest.raises(ValueError, match="h0"):
        dyn.recurrent_states(W, np.zeros((4, 2, 3)), h0=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="hs"):
        dyn.jacobian_products(np.zeros((4, 3)), W)
    with pytest.raises(ValueError, match="nonlinearity"):
        dyn.activation_derivative(np.zeros(3), "softsign")


def test_float32_follows_params():
    rng = np.random.default_rng(4)
    W = rng.normal(size=(3, 3)).astype(np.float32)
    hs = dyn.recurrent_states(W, rng.normal(size=(5, 2, 3)).astype(np.float32))
    assert hs.dtype == np.float32
    assert dyn.jacobian_products(hs, W).dtype == np.float32
