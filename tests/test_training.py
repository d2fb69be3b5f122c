"""Linear, Embedding, losses, optimisers and clipping: gradients by gradcheck, rules against torch.optim."""
import numpy as np
import pytest

from lstm_ref.core.finite_diff import gradcheck
from lstm_ref import (
    IGNORE_INDEX, SGD, Adagrad, Adam, Embedding, Linear, accuracy, clip_grad_norm, clip_grad_value,
    grad_norm, linear_backward, linear_forward, mse, softmax_cross_entropy,
)

try:
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None

needs_torch = pytest.mark.skipif(
    torch is None, reason="PyTorch not installed: make setup-dev (torch==2.13.0+cpu; README, Locked versions)")

TOL = 1e-7


def rng(seed=0):
    return np.random.default_rng(seed)


# --- Linear ---------------------------------------------------------------------------------------

def test_linear_forward_matches_formula_and_shapes():
    lin = Linear(4, 3, seed=1)
    assert lin.params["weight"].shape == (3, 4) and lin.params["bias"].shape == (3,)
    assert np.all(np.abs(lin.params["weight"]) <= 0.5)  # U(-1/sqrt(4), 1/sqrt(4))
    x = rng().normal(size=(5, 2, 4))
    out = lin.forward(x)
    assert out.shape == (5, 2, 3)
    np.testing.assert_allclose(out, np.einsum("tbi,oi->tbo", x, lin.params["weight"]) + lin.params["bias"],
                               rtol=0, atol=1e-14)


def test_linear_gradcheck_through_class_and_pure_functions():
    r = rng(2)
    x = r.normal(size=(3, 2, 4))
    W = r.normal(size=(5, 4))
    b = r.normal(size=(5,))
    w_out = r.normal(size=(3, 2, 5))

    def f(x, W, b):
        return float(np.sum(linear_forward(x, W, b)[0] * w_out))

    out, cache = linear_forward(x, W, b)
    dx, dW, db = linear_backward(w_out, cache)
    errs = gradcheck(f, {"x": x, "W": W, "b": b}, {"x": dx, "W": dW, "b": db})
    assert max(errs.values()) < TOL, errs

    lin = Linear(4, 5, seed=3)
    lin.params["weight"][...] = W
    lin.params["bias"][...] = b
    np.testing.assert_array_equal(lin.forward(x), out)
    dx2 = lin.backward(w_out)
    np.testing.assert_array_equal(dx2, dx)
    np.testing.assert_array_equal(lin.grads["weight"], dW)
    np.testing.assert_array_equal(lin.grads["bias"], db)


def test_linear_validation_and_dtypes():
    lin = Linear(4, 3)
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., in=4\), got \(2, 5\)"):
        lin.forward(np.zeros((2, 5)))
    with pytest.raises(TypeError, match="x has dtype float32 but the parameters are float64"):
        lin.forward(np.zeros((2, 4), np.float32))
    with pytest.raises(TypeError, match="int64"):
        lin.forward(np.zeros((2, 4), np.int64))
    with pytest.raises(ValueError, match="NaN or inf"):
        lin.forward(np.full((2, 4), np.nan))
    with pytest.raises(ValueError, match="before forward"):
        Linear(4, 3).backward(np.zeros((2, 3)))
    lin.forward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 3\).*\(2, 4\)"):
        lin.backward(np.zeros((2, 4)))
    lin32 = Linear(4, 3, dtype=np.float32)
    x32 = np.ones((2, 4), np.float32)
    assert lin32.forward(x32).dtype == np.float32
    assert lin32.backward(np.ones((2, 3), np.float32)).dtype == np.float32
    assert lin32.grads["weight"].dtype == np.float32
    with pytest.raises(TypeError):
        Linear(4, 3, dtype=np.int32)


def test_linear_never_mutates_inputs():
    lin = Linear(4, 3)
    x = rng().normal(size=(2, 4))
    x0 = x.copy()
    dout = rng(1).normal(size=(2, 3))
    d0 = dout.copy()
    lin.forward(x)
    lin.backward(dout)
    assert np.array_equal(x, x0) and np.array_equal(dout, d0)


# --- Embedding ------------------------------------------------------------------------------------

def test_embedding_lookup_and_gradient_accumulates_repeats():
    emb = Embedding(6, 3, seed=0)
    idx = np.array([[0, 2], [2, 5], [2, 0]])
    e = emb.forward(idx)
    assert e.shape == (3, 2, 3)
    np.testing.assert_array_equal(e[1, 0], emb.params["weight"][2])
    de = rng().normal(size=(3, 2, 3))
    assert emb.backward(de) is None
    g = emb.grads["weight"]
    np.testing.assert_allclose(g[2], de[0, 1] + de[1, 0] + de[2, 0], atol=1e-15)
    np.testing.assert_allclose(g[0], de[0, 0] + de[2, 1], atol=1e-15)
    assert np.all(g[[1, 3, 4]] == 0)

    w_out = rng(4).normal(size=(3, 2, 3))

    def f(weight):
        return float(np.sum(weight[idx] * w_out))

    emb.backward(w_out)
    errs = gradcheck(f, {"weight": emb.params["weight"]}, {"weight": emb.grads["weight"]})
    assert errs["weight"] < TOL


def test_embedding_validation():
    emb = Embedding(4, 2)
    with pytest.raises(TypeError, match="integer"):
        emb.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        emb.forward(np.array([[0, 4]]))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        emb.forward(np.array([[-1, 0]]))
    with pytest.raises(ValueError, match="before forward"):
        Embedding(4, 2).backward(np.zeros((1, 2)))
    emb.forward(np.array([[0, 1]]))
    with pytest.raises(ValueError, match=r"de must have shape \(1, 2, 2\)"):
        emb.backward(np.zeros((1, 2, 3)))


# --- losses ---------------------------------------------------------------------------------------

def test_softmax_cross_entropy_value_and_gradient():
    r = rng(5)
    logits = r.normal(size=(4, 3, 5))
    targets = r.integers(0, 5, size=(4, 3))
    loss, d = softmax_cross_entropy(logits, targets)
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    expected = -np.mean(np.log(np.take_along_axis(p, targets[..., None], -1)))
    assert abs(loss - expected) < 1e-14
    errs = gradcheck(lambda logits: softmax_cross_entropy(logits, targets)[0], {"logits": logits}, {"logits": d})
    assert errs["logits"] < TOL


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [-1e308, 1e308, 0.0]])
    loss, d = softmax_cross_entropy(logits, np.array([0, 1]))
    assert loss == 0.0 and np.all(np.isfinite(d))
    loss, d = softmax_cross_entropy(np.array([[1000.0, 0.0]]), np.array([1]))
    assert loss == pytest.approx(1000.0) and np.all(np.isfinite(d))


def test_softmax_cross_entropy_ignore_index_and_mask():
    r = rng(6)
    logits = r.normal(size=(5, 2, 4))
    targets = r.integers(0, 4, size=(5, 2))
    keep = np.ones((5, 2), bool)
    keep[-2:] = False
    t_ign = np.where(keep, targets, IGNORE_INDEX)
    l_ign, d_ign = softmax_cross_entropy(logits, t_ign)
    l_mask, d_mask = softmax_cross_entropy(logits, targets, mask=keep)
    l_sub, d_sub = softmax_cross_entropy(logits[:3], targets[:3])
    assert abs(l_ign - l_sub) < 1e-14 and abs(l_mask - l_sub) < 1e-14
    np.testing.assert_allclose(d_ign[:3], d_sub * (6 / 6), atol=1e-15)
    assert np.all(d_ign[3:] == 0) and np.all(d_mask[3:] == 0)
    errs = gradcheck(lambda logits: softmax_cross_entropy(logits, t_ign)[0], {"logits": logits}, {"logits": d_ign})
    assert errs["logits"] < TOL


@needs_torch
def test_softmax_cross_entropy_matches_torch():
    r = rng(7)
    logits = r.normal(size=(6, 4)) * 5
    targets = r.integers(0, 4, size=6)
    targets[2] = IGNORE_INDEX
    loss, d = softmax_cross_entropy(logits, targets)
    tl = torch.tensor(logits, requires_grad=True)
    tloss = torch.nn.functional.cross_entropy(tl, torch.tensor(targets))
    tloss.backward()
    assert abs(loss - tloss.item()) < 1e-12
    np.testing.assert_allclose(d, tl.grad.numpy(), atol=1e-14, rtol=0)


def test_softmax_cross_entropy_validation():
    with pytest.raises(ValueError, match=r"targets must have shape \(3,\).*\(4,\)"):
        softmax_cross_entropy(np.zeros((3, 2)), np.zeros(4, int))
    with pytest.raises(TypeError, match="integer"):
        softmax_cross_entropy(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        softmax_cross_entropy(np.zeros((3, 2)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="no position"):
        softmax_cross_entropy(np.zeros((2, 2)), np.full(2, IGNORE_INDEX))


def test_float32_losses_keep_dtype():
    logits = rng().normal(size=(3, 4)).astype(np.float32)
    _, d = softmax_cross_entropy(logits, np.array([0, 1, 2]))
    assert d.dtype == np.float32
    _, d = mse(logits, np.zeros((3, 4)))
    assert d.dtype == np.float32


def test_mse_value_gradient_and_mask():
    r = rng(8)
    pred = r.normal(size=(4, 3))
    target = r.normal(size=(4, 3))
    loss, d = mse(pred, target)
    assert abs(loss - np.mean((pred - target) ** 2)) < 1e-15
    errs = gradcheck(lambda pred: mse(pred, target)[0], {"pred": pred}, {"pred": d})
    assert errs["pred"] < TOL
    mask = np.zeros((4, 3))
    mask[:2] = 1
    lm, dm = mse(pred, target, mask=mask)
    assert abs(lm - np.mean((pred[:2] - target[:2]) ** 2)) < 1e-15
    assert np.all(dm[2:] == 0)
    with pytest.raises(ValueError, match=r"target must have the shape of pred \(4, 3\), got \(3, 4\)"):
        mse(pred, target.T)


def test_accuracy():
    logits = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    assert accuracy(logits, np.array([1, 0, 0, 0])) == 0.75
    assert accuracy(logits, np.array([1, 0, 0, IGNORE_INDEX])) == pytest.approx(2 / 3)


# --- optimisers -----------------------------------------------------------------------------------

def _quadratic_grads(params, A):
    # f(p) = 0.5 sum_k p_k^T A p_k, gradient A p_k
    return {k: A @ v for k, v in params.items()}


@needs_torch
@pytest.mark.parametrize(
    "make_np, make_torch",
    [
        (lambda: SGD(lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
        (lambda: SGD(lr=0.05, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
        (lambda: Adagrad(lr=0.1), lambda p: torch.optim.Adagrad(p, lr=0.1)),
        (lambda: Adam(lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
        (lambda: Adam(lr=0.02, betas=(0.8, 0.99), eps=1e-6),
         lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6)),
    ],
)
def test_optimisers_follow_torch_optim(make_np, make_torch):
    r = rng(9)
    M = r.normal(size=(3, 3))
    A = M @ M.T + np.eye(3)
    params = {"a": r.normal(size=(3, 2)), "b": r.normal(size=(3,))}
    tparams = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    opt = make_np()
    topt = make_torch(list(tparams.values()))
    for _ in range(25):
        grads = _quadratic_grads(params, A)
        opt.step(params, grads)
        topt.zero_grad()
        for k, tp in tparams.items():
            tp.grad = torch.tensor(_quadratic_grads({k: tp.detach().numpy()}, A)[k])
        topt.step()
    for k in params:
        np.testing.assert_allclose(params[k], tparams[k].detach().numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("opt", [SGD(lr=0.1), SGD(lr=0.1, momentum=0.9), Adagrad(lr=0.5), Adam(lr=0.1)])
def test_optimisers_minimise_a_quadratic(opt):
    r = rng(10)
    M = r.normal(size=(4, 4))
    A = M @ M.T / 4 + np.eye(4)
    params = {"p": r.normal(size=(4,))}
    start = 0.5 * params["p"] @ A @ params["p"]
    for _ in range(300):
        opt.step(params, {"p": A @ params["p"]})
    assert 0.5 * params["p"] @ A @ params["p"] < 1e-3 * start


def test_optimiser_updates_in_place_and_keeps_dtype():
    p = np.ones(3, np.float32)
    params = {"w": p}
    Adam(lr=0.1).step(params, {"w": np.ones(3, np.float32)})
    assert params["w"] is p and p.dtype == np.float32
    np.testing.assert_allclose(p, 0.9, rtol=1e-6)


def test_optimiser_state_is_per_name_and_params_without_grads_are_untouched():
    opt = SGD(lr=1.0, momentum=0.5)
    params = {"a": np.zeros(2), "b": np.zeros(2)}
    opt.step(params, {"a": np.ones(2)})
    opt.step(params, {"a": np.ones(2), "b": np.ones(2)})
    np.testing.assert_array_equal(params["a"], -(1 + 1.5) * np.ones(2))
    np.testing.assert_array_equal(params["b"], -np.ones(2))
    opt.reset()
    assert opt.state == {}


def test_optimiser_validation():
    params = {"w": np.zeros((2, 3))}
    with pytest.raises(ValueError, match=r"grads\['w'\] must have shape \(2, 3\).*\(3, 2\)"):
        SGD().step(params, {"w": np.zeros((3, 2))})
    with pytest.raises(ValueError, match="'v'"):
        SGD().step(params, {"v": np.zeros((2, 3))})
    with pytest.raises(TypeError, match="mixing dtypes"):
        Adam().step(params, {"w": np.zeros((2, 3), np.float32)})
    with pytest.raises(ValueError):
        SGD(lr=0)
    with pytest.raises(ValueError):
        SGD(momentum=1.0)


# --- clipping -------------------------------------------------------------------------------------

def test_grad_norm_is_global_and_overflow_safe():
    g = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    assert grad_norm(g) == 5.0
    assert grad_norm({"a": np.array([3e200, 4e200])}) == pytest.approx(5e200)
    assert grad_norm({"a": np.zeros(3)}) == 0.0
    assert np.isinf(grad_norm({"a": np.array([np.inf, 1.0])}))
    assert np.isnan(grad_norm({"a": np.array([np.nan, 1.0])}))


def test_clip_grad_norm_rescales_jointly_and_keeps_direction():
    g = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    g0 = {k: v.copy() for k, v in g.items()}
    clipped, total = clip_grad_norm(g, 1.0)
    assert total == 5.0
    assert grad_norm(clipped) == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(clipped["a"], [0.6, 0.0])
    np.testing.assert_allclose(clipped["b"], [[0.8]])
    for k in g:  # inputs untouched, outputs are new arrays
        assert np.array_equal(g[k], g0[k]) and clipped[k] is not g[k]
    same, total = clip_grad_norm(g, 10.0)
    assert total == 5.0
    for k in g:
        assert np.array_equal(same[k], g[k]) and same[k] is not g[k]


@needs_torch
def test_clip_grad_norm_matches_torch():
    r = rng(11)
    g = {"a": r.normal(size=(3, 4)) * 3, "b": r.normal(size=(5,))}
    clipped, total = clip_grad_norm(g, 2.0)
    ts = [torch.zeros(v.shape, dtype=torch.float64, requires_grad=True) for v in g.values()]
    for t, v in zip(ts, g.values()):
        t.grad = torch.tensor(v)
    tnorm = torch.nn.utils.clip_grad_norm_(ts, 2.0)
    assert abs(total - tnorm.item()) < 1e-12
    # torch divides by (norm + 1e-6); the exact rule differs by a relative 1e-6 / norm
    for t, v in zip(ts, clipped.values()):
        np.testing.assert_allclose(v, t.grad.numpy(), rtol=1e-6)


def test_clip_grad_norm_with_nonfinite_norm_returns_unscaled_copies():
    g = {"a": np.array([np.inf, 1.0])}
    clipped, total = clip_grad_norm(g, 1.0)
    assert np.isinf(total)
    assert clipped["a"][1] == 1.0


def test_clip_grad_value():
    g = {"a": np.array([-3.0, 0.5, 2.0])}
    out = clip_grad_value(g, 1.0)
    np.testing.assert_array_equal(out["a"], [-1.0, 0.5, 1.0])
    assert g["a"][0] == -3.0
    with pytest.raises(ValueError):
        clip_grad_value(g, 0.0)


# --- properties over random shapes (hypothesis) ---------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(lead=st.lists(st.integers(1, 4), min_size=0, max_size=3), K=st.integers(1, 6), seed=st.integers(0, 10_000),
       scale=st.sampled_from([1e-3, 1.0, 50.0, 1e4]))
def test_cross_entropy_properties(lead, K, seed, scale):
    r = rng(seed)
    logits = r.normal(size=tuple(lead) + (K,)) * scale
    targets = r.integers(0, K, size=tuple(lead))
    loss, d = softmax_cross_entropy(logits, targets)
    assert np.isfinite(loss) and loss >= 0
    assert d.shape == logits.shape and np.all(np.isfinite(d))
    np.testing.assert_allclose(d.sum(-1), 0.0, atol=1e-12)  # softmax - onehot sums to 0 per position
    n = max(1, int(np.prod(lead)))
    assert np.all(d >= -1.0 / n - 1e-15) and np.all(d <= 1.0 / n + 1e-15)
    # shifting every logit of a position by a constant changes nothing
    loss2, d2 = softmax_cross_entropy(logits + 7.0, targets)
    assert abs(loss2 - loss) <= 1e-9 * max(1.0, loss)


@settings(max_examples=40, deadline=None)
@given(shapes=st.lists(st.lists(st.integers(1, 4), min_size=0, max_size=3), min_size=1, max_size=4),
       seed=st.integers(0, 10_000), max_norm=st.floats(1e-3, 1e3))
def test_clip_grad_norm_properties(shapes, seed, max_norm):
    r = rng(seed)
    grads = {f"g{k}": r.normal(size=tuple(s)) * 10 for k, s in enumerate(shapes)}
    clipped, total = clip_grad_norm(grads, max_norm)
    flat = np.concatenate([np.ravel(g) for g in grads.values()])
    assert abs(total - np.linalg.norm(flat)) <= 1e-12 * max(1.0, total)
    new = grad_norm(clipped)
    assert new <= max_norm * (1 + 1e-12) or abs(new - total) <= 1e-12 * total
    assert abs(new - min(total, max_norm)) <= 1e-12 * max(1.0, total)
    if total > 0:  # same direction
        flat_c = np.concatenate([np.ravel(g) for g in clipped.values()])
        np.testing.assert_allclose(flat_c * total, flat * min(total, max_norm), rtol=1e-12, atol=1e-300)
