"""The public non-layer pieces against independent oracles: statistics and formulas written out here.

- initialisers: orthogonality and gain, draws that differ from the identity and from each other,
  the Gram-Schmidt construction they document, uniform bounds and variance, the forget-bias rows;
- tasks: every target recomputed from the inputs alone, for every task and both adding forms;
- sampling: the entropy of softmax(l / tau) against its closed form and derivative, and the
  sampler against the inverse-CDF rule it documents;
- optimisers: several steps against the update formulas written out element by element;
- clipping: both sides of the threshold, for the norm and the value.
"""
import math

import numpy as np
import pytest

import lstm_ref as lr


def gram_schmidt(a):
    """The Q of a = QR with diag(R) > 0, by classical Gram-Schmidt on the columns of a."""
    n = a.shape[1]
    q = np.zeros_like(a)
    for j in range(n):
        v = a[:, j].copy()
        for i in range(j):
            v -= (q[:, i] @ a[:, j]) * q[:, i]
        q[:, j] = v / np.linalg.norm(v)
    return q


# ------------------------------------------------------------------------------ initialisers

@pytest.mark.parametrize("n", [1, 2, 5, 33])
@pytest.mark.parametrize("gain", [1.0, 0.5, 2.0])
def test_orthogonal_is_orthogonal_with_its_gain_and_not_the_identity(n, gain):
    Q = lr.orthogonal(np.random.default_rng(n), n, gain=gain)
    assert Q.shape == (n, n) and Q.dtype == np.float64
    np.testing.assert_allclose(Q @ Q.T, gain ** 2 * np.eye(n), atol=1e-12)
    np.testing.assert_allclose(Q.T @ Q, gain ** 2 * np.eye(n), atol=1e-12)
    assert abs(abs(np.linalg.det(Q / gain)) - 1.0) < 1e-10
    if n > 1:
        assert np.max(np.abs(Q - gain * np.eye(n))) > 0.1 * gain, "orthogonal() returned the identity"


def test_orthogonal_is_gram_schmidt_of_a_gaussian_draw():
    """The documented construction: QR of a standard normal matrix with the signs fixed so that
    diag(R) > 0, which is Gram-Schmidt on its columns (and Haar-distributed)."""
    for seed, n in ((0, 4), (1, 7), (2, 16)):
        a = np.random.default_rng(seed).standard_normal((n, n))
        np.testing.assert_allclose(lr.orthogonal(np.random.default_rng(seed), n), gram_schmidt(a), atol=1e-10)


def test_orthogonal_draws_differ_and_are_seeded():
    rng = np.random.default_rng(0)
    first, second = lr.orthogonal(rng, 6), lr.orthogonal(rng, 6)
    assert np.max(np.abs(first - second)) > 0.1
    np.testing.assert_array_equal(first, lr.orthogonal(np.random.default_rng(0), 6))
    assert np.max(np.abs(first - lr.orthogonal(np.random.default_rng(1), 6))) > 0.1


def test_orthogonal_is_spread_over_the_group():
    """Haar: the first column is uniform on the sphere, so E[Q_00] = 0 and E[Q_00^2] = 1/n."""
    rng, n, draws = np.random.default_rng(5), 3, 3000
    q00 = np.array([lr.orthogonal(rng, n)[0, 0] for _ in range(draws)])
    se = math.sqrt(1 / n / draws)
    assert abs(q00.mean()) < 5 * se
    assert abs((q00 ** 2).mean() - 1 / n) < 0.03
    assert (q00 > 0).mean() > 0.4 and (q00 < 0).mean() > 0.4       # no fixed sign


def test_orthogonal_float32_and_gain():
    Q = lr.orthogonal(np.random.default_rng(3), 8, dtype=np.float32, gain=1.5)
    assert Q.dtype == np.float32
    np.testing.assert_allclose(Q.astype(np.float64) @ Q.T.astype(np.float64), 2.25 * np.eye(8), atol=1e-5)


@pytest.mark.parametrize("G", [1, 3, 4])
def test_orthogonal_blocks_are_each_orthogonal_and_distinct(G):
    H = 5
    W = lr.orthogonal_blocks(np.random.default_rng(2), G, H, gain=0.9)
    assert W.shape == (G * H, H)
    blocks = [W[k * H:(k + 1) * H] for k in range(G)]
    for B in blocks:
        np.testing.assert_allclose(B @ B.T, 0.81 * np.eye(H), atol=1e-12)
        assert np.max(np.abs(B - 0.9 * np.eye(H))) > 0.1
    for i in range(G):
        for j in range(i):
            assert np.max(np.abs(blocks[i] - blocks[j])) > 0.1


def test_orthogonal_init_of_the_layers_uses_orthogonal_blocks():
    for layer, G in ((lr.LSTM(3, 6, init="orthogonal", seed=4), 4), (lr.GRU(3, 6, init="orthogonal", seed=4), 3),
                     (lr.RNN(3, 6, init="orthogonal", seed=4), 1)):
        W = layer.params["weight_hh_l0"]
        for k in range(G):
            B = W[k * 6:(k + 1) * 6]
            np.testing.assert_allclose(B @ B.T, np.eye(6), atol=1e-12)
            assert np.max(np.abs(B - np.eye(6))) > 0.1
    plain = lr.LSTM(3, 6, seed=4).params["weight_hh_l0"][:6]
    assert np.max(np.abs(plain @ plain.T - np.eye(6))) > 0.1     # the default is not orthogonal


@pytest.mark.parametrize("H", [1, 4, 25])
def test_uniform_init_bounds_mean_and_variance(H):
    k = 1 / math.sqrt(H)
    w = lr.uniform_init(np.random.default_rng(H), (200, 250), H)
    assert w.shape == (200, 250) and w.dtype == np.float64
    assert np.all(np.abs(w) <= k)
    assert w.max() > 0.99 * k and w.min() < -0.99 * k                # the whole interval is used
    n = w.size
    assert abs(w.mean()) < 5 * k / math.sqrt(3 * n)
    assert abs(w.var() - k * k / 3) < 0.02 * k * k / 3               # Var U(-k, k) = k^2 / 3
    assert lr.uniform_init(np.random.default_rng(0), (3,), H, dtype=np.float32).dtype == np.float32


def test_uniform_init_draws_from_the_generator():
    a = lr.uniform_init(np.random.default_rng(9), (4, 4), 4)
    np.testing.assert_array_equal(a, np.random.default_rng(9).uniform(-0.5, 0.5, size=(4, 4)))
    rng = np.random.default_rng(9)
    assert np.max(np.abs(lr.uniform_init(rng, (4, 4), 4) - lr.uniform_init(rng, (4, 4), 4))) > 0


@pytest.mark.parametrize("value", [0.0, 1.0, -2.5])
def test_set_forget_bias_sets_only_the_forget_rows(value):
    H = 3
    rng = np.random.default_rng(0)
    bi, bh = rng.uniform(-1, 1, 4 * H), rng.uniform(-1, 1, 4 * H)
    bi0, bh0 = bi.copy(), bh.copy()
    ni, nh = lr.set_forget_bias(bi, bh, value)
    np.testing.assert_array_equal(bi, bi0)                            # inputs untouched
    np.testing.assert_array_equal(bh, bh0)
    forget = np.zeros(4 * H, bool)
    forget[H:2 * H] = True                                            # gate order i, f, g, o
    np.testing.assert_array_equal(ni[forget], value)
    np.testing.assert_array_equal(nh[forget], 0.0)
    np.testing.assert_array_equal(ni[~forget], bi0[~forget])
    np.testing.assert_array_equal(nh[~forget], bh0[~forget])


# ------------------------------------------------------------------------------ tasks

def test_adding_uniform_targets_from_x():
    for T in (2, 3, 9, 40):
        x, y = lr.adding_problem(64, T, seed=T)
        values, markers = x[..., 0], x[..., 1]
        assert x.shape == (T, 64, 2) and y.shape == (64, 1)
        assert set(np.unique(markers)) <= {0.0, 1.0}
        assert np.all((markers == 1).sum(0) == 2)
        assert np.all((markers[: T // 2] == 1).sum(0) == 1)           # one in each half
        assert np.all((values >= 0) & (values < 1))
        np.testing.assert_allclose(y[:, 0], (values * markers).sum(0), rtol=0, atol=1e-15)


def test_adding_hochreiter_targets_from_x():
    for T in (22, 23, 50, 101):
        x, y = lr.adding_problem(200, T, seed=T, form="hochreiter")
        values, markers = x[..., 0], x[..., 1]
        assert set(np.unique(markers)) <= {-1.0, 0.0, 1.0}
        marked = markers == 1
        assert np.all(marked.sum(0) == 2)
        first = marked.argmax(0)
        second = T - 1 - marked[::-1].argmax(0)
        assert np.all(first < 10)                                      # X1 among the first ten steps
        assert np.all(second < T // 2) and np.all(second != first)     # X2: T/2 - 1 candidates,
        # the first T/2 steps without the one of X1 (Hochreiter & Schmidhuber 1997, Experiment 4)
        # -1 on the first and last step unless they are marked; 0 everywhere else
        end = np.zeros_like(markers, bool)
        end[[0, T - 1]] = True
        np.testing.assert_array_equal(markers[end & ~marked], -1.0)
        assert np.all(markers[~end & ~marked] == 0)
        # X1 on the first step holds 0 (as in the paper); step 0 marked with a value is X2, whose
        # partner X1 then lies among the first ten steps
        zeroed = marked[0] & (values[0] == 0)
        assert np.all(second[marked[0] & ~zeroed] < 10)
        assert 0.04 < zeroed.mean() < 0.16                               # P(X1 on step 0) = 1/10
        assert np.all(np.abs(values) <= 1)
        np.testing.assert_allclose(y[:, 0], 0.5 + (values * marked).sum(0) / 4, rtol=0, atol=1e-15)


def test_temporal_order_targets_from_x():
    X, Y = lr.TEMPORAL_ORDER_SYMBOLS.index("X"), lr.TEMPORAL_ORDER_SYMBOLS.index("Y")
    for T in (8, 9, 12, 30, 100):
        x, y = lr.temporal_order(600, T, seed=T)
        assert np.all(x.sum(-1) == 1)
        ids = x.argmax(-1)
        assert np.all(ids[0] == lr.TEMPORAL_ORDER_SYMBOLS.index("E"))
        assert np.all(ids[-1] == lr.TEMPORAL_ORDER_SYMBOLS.index("B"))
        relevant = (ids == X) | (ids == Y)
        assert np.all(relevant.sum(0) == 2)
        t1 = relevant.argmax(0)
        t2 = T - 1 - relevant[::-1].argmax(0)
        cols = np.arange(600)
        s1, s2 = ids[t1, cols] == Y, ids[t2, cols] == Y
        expected = [lr.TEMPORAL_ORDER_CLASSES.index({(0, 0): "Q: X..X", (0, 1): "R: X..Y", (1, 0): "S: Y..X",
                                                     (1, 1): "U: Y..Y"}[(a, b)]) for a, b in zip(s1, s2)]
        np.testing.assert_array_equal(y, expected)
        assert set(y) == {0, 1, 2, 3}
        # t1 uniform in [round(0.1 T), round(0.2 T)], t2 in [round(0.5 T), round(0.6 T)] (at least 1, at most T - 2)
        lo1, hi1 = max(1, round(0.1 * T)), round(0.2 * T)
        lo2, hi2 = round(0.5 * T), min(T - 2, round(0.6 * T))
        assert set(t1) == set(range(lo1, hi1 + 1)) and set(t2) == set(range(lo2, hi2 + 1))
        if T == 100:                                                   # the paper's ranges
            assert (lo1, hi1, lo2, hi2) == (10, 20, 50, 60)


@pytest.mark.parametrize("T, n_symbols, length", [(1, 1, 1), (5, 8, 10), (20, 3, 4)])
def test_copy_memory_targets_from_x(T, n_symbols, length):
    x, y = lr.copy_memory(50, T, seed=1, n_symbols=n_symbols, length=length)
    ids, y2 = lr.copy_memory(50, T, seed=1, n_symbols=n_symbols, length=length, one_hot=False)
    np.testing.assert_array_equal(x.argmax(-1), ids)
    np.testing.assert_array_equal(y, y2)
    L = T + 2 * length
    assert ids.shape == (L, 50) and x.shape == (L, 50, n_symbols + 2)
    go = np.flatnonzero(np.all(ids == n_symbols + 1, axis=1))
    np.testing.assert_array_equal(go, [T + length - 1])                 # one delimiter, after the gap
    data = ids[:length]
    assert np.all((data >= 1) & (data <= n_symbols))
    assert len(np.unique(data)) == n_symbols                             # every symbol drawn, i.i.d. per cell
    if length > 1:
        assert np.any(data[0] != data[1]) and np.any(data[:, 0] != data[:, 1])
    assert np.all(np.delete(ids, list(range(length)) + [T + length - 1], axis=0) == 0)
    np.testing.assert_array_equal(y[: T + length], 0)
    np.testing.assert_array_equal(y[T + length:], data)
    assert lr.copy_memory_baseline(T, n_symbols, length) == pytest.approx(length * math.log(n_symbols) / L)


@pytest.mark.parametrize("k", [0, 1, 3])
def test_future_tagging_targets_from_x(k):
    x, y, mask = lr.future_tagging(20, 12, 5, k=k, seed=k)
    ids = x.argmax(-1)
    for t in range(12):
        if t + k < 12:
            np.testing.assert_array_equal(y[t], ids[t + k])
            assert mask[t].all()
        else:
            assert np.all(y[t] == lr.IGNORE_INDEX) and not mask[t].any()


def test_continual_stream_sum_targets_from_x():
    x, y, starts = lr.continual_stream(30, 60, seed=4, return_segments=True)
    np.testing.assert_array_equal(x[..., 0] == 1, starts)
    assert np.all(starts[0])
    for b in range(30):
        total = 0.0
        for t in range(60):
            total = (0.0 if x[t, b, 0] == 1 else total) + x[t, b, 1]
            assert y[t, b] == int(total > 0), (t, b)
    seg = np.diff(np.append(np.flatnonzero(starts[:, 0]), 60))
    assert seg[:-1].min() >= 4 and seg[:-1].max() <= 10


def test_continual_stream_latch_targets_from_x():
    ids, y, starts = lr.continual_stream(30, 60, seed=5, task="latch", n_keys=3, n_noise=2, one_hot=False,
                                         return_segments=True)
    for b in range(30):
        key = None
        for t in range(60):
            if ids[t, b] < 3:                                          # a key symbol starts a segment
                key = ids[t, b]
                assert starts[t, b]
            else:
                assert not starts[t, b]
            assert y[t, b] == key
    x, _ = lr.continual_stream(30, 60, seed=5, task="latch", n_keys=3, n_noise=2)
    np.testing.assert_array_equal(x.argmax(-1), ids)


# ------------------------------------------------------------------------------ sampling

LOGITS = np.array([2.0, 1.0, 0.5, -1.0, 0.0])


@pytest.mark.parametrize("tau", [0.25, 0.7, 1.0, 2.0, 10.0])
def test_temperature_entropy_equals_its_closed_form(tau):
    """p = softmax(l / tau): H = log Z - E_p[l] / tau with Z = sum exp(l / tau)."""
    p = lr.temperature_probs(LOGITS, tau)
    z = np.exp(LOGITS / tau)
    np.testing.assert_allclose(p, z / z.sum(), rtol=1e-14)
    closed = math.log(z.sum()) - float(p @ LOGITS) / tau
    assert abs(lr.entropy(p) - closed) < 1e-12
    assert abs(lr.entropy(p) - float(-(p * np.log(p)).sum())) < 1e-12


def test_temperature_raises_entropy_at_the_derived_rate():
    """dH/dtau = Var_p(l) / tau^3 > 0: entropy rises with temperature, from 0 (arg-max) to log K."""
    taus = np.geomspace(0.05, 50, 40)
    H = np.array([lr.entropy(lr.temperature_probs(LOGITS, t)) for t in taus])
    assert np.all(np.diff(H) > 0)
    assert H[0] < 1e-6 and abs(H[-1] - math.log(5)) < 0.01
    for tau in (0.5, 1.0, 3.0):
        eps = 1e-5 * tau
        numeric = (lr.entropy(lr.temperature_probs(LOGITS, tau + eps))
                   - lr.entropy(lr.temperature_probs(LOGITS, tau - eps))) / (2 * eps)
        p = lr.temperature_probs(LOGITS, tau)
        var = float(p @ LOGITS ** 2 - (p @ LOGITS) ** 2)
        assert abs(numeric - var / tau ** 3) < 1e-6
    with pytest.raises(ValueError, match="temperature"):
        lr.temperature_probs(LOGITS, 0.0)


def test_entropy_of_degenerate_and_uniform_distributions():
    assert lr.entropy(np.array([0.0, 1.0, 0.0])) == 0.0
    assert abs(lr.entropy(np.full(7, 1 / 7)) - math.log(7)) < 1e-14
    np.testing.assert_allclose(lr.entropy(np.array([[0.5, 0.5], [1.0, 0.0]])), [math.log(2), 0.0])


class FixedLogits:
    """A stand-in model whose next-character logits are always the same."""

    def __init__(self, logits):
        self.logits = np.asarray(logits, dtype=np.float64)
        self.calls = []

    def forward(self, ids, state):
        self.calls.append(ids.copy())
        return np.broadcast_to(self.logits, (ids.shape[0], 1, self.logits.size)), state


@pytest.mark.parametrize("tau", [0.5, 1.0, 2.0])
def test_sample_is_the_inverse_cdf_of_the_tempered_distribution(tau):
    vocab = lr.CharVocab("abcde")
    model = FixedLogits(LOGITS)
    text = lr.sample(model, vocab, "ab", 300, temperature=tau, seed=11)
    cdf = np.cumsum(lr.temperature_probs(LOGITS, tau))
    u = np.random.default_rng(11).random(300)
    expected = "".join(vocab.chars[min(int(np.searchsorted(cdf, ui * cdf[-1], side="right")), 4)] for ui in u)
    assert text == expected
    np.testing.assert_array_equal(model.calls[0][:, 0], vocab.encode("ab"))   # the prime is read first
    assert all(int(c[0, 0]) == vocab.encode(ch)[0] for c, ch in zip(model.calls[1:], text))  # then own samples


def test_sample_frequencies_follow_the_temperature():
    vocab = lr.CharVocab("abcde")
    for tau in (0.5, 2.0):
        text = lr.sample(FixedLogits(LOGITS), vocab, "a", 4000, temperature=tau, seed=1)
        freq = np.array([text.count(c) for c in vocab.chars]) / len(text)
        p = lr.temperature_probs(LOGITS, tau)
        assert np.all(np.abs(freq - p) < 4 * np.sqrt(p * (1 - p) / 4000) + 1e-3)


def test_sample_stops_at_the_stop_string():
    vocab = lr.CharVocab("ab")
    text = lr.sample(FixedLogits([0.0, 0.0]), vocab, "a", 200, seed=0, stop="bb")
    assert text.endswith("bb") and "bb" not in text[:-1]


# ------------------------------------------------------------------------------ optimisers

def sgd_reference(p0, grads, lr_, momentum):
    p, v, out = p0.copy(), None, []
    for g in grads:
        if momentum:
            v = g.copy() if v is None else momentum * v + g
            p = p - lr_ * v
        else:
            p = p - lr_ * g
        out.append(p.copy())
    return out


def adagrad_reference(p0, grads, lr_, eps):
    p, s, out = p0.copy(), np.zeros_like(p0), []
    for g in grads:
        s = s + g ** 2
        p = p - lr_ * g / (np.sqrt(s) + eps)
        out.append(p.copy())
    return out


def adam_reference(p0, grads, lr_, b1, b2, eps):
    """Kingma & Ba, Algorithm 1, element by element (eps added to the corrected sqrt(v))."""
    p, out = [float(e) for e in p0.ravel()], []
    m, v = [0.0] * len(p), [0.0] * len(p)
    for t, g in enumerate(grads, start=1):
        for i, gi in enumerate(g.ravel()):
            m[i] = b1 * m[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi * gi
            m_hat, v_hat = m[i] / (1 - b1 ** t), v[i] / (1 - b2 ** t)
            p[i] -= lr_ * m_hat / (math.sqrt(v_hat) + eps)
        out.append(np.array(p).reshape(p0.shape))
    return out


def gradient_sequence(shape, steps=7, seed=0):
    r = np.random.default_rng(seed)
    return [r.standard_normal(shape) * r.choice([1e-3, 1.0, 20.0], size=shape) for _ in range(steps)]


@pytest.mark.parametrize("make, reference", [
    (lambda: lr.SGD(lr=0.1), lambda p, g: sgd_reference(p, g, 0.1, 0.0)),
    (lambda: lr.SGD(lr=0.05, momentum=0.9), lambda p, g: sgd_reference(p, g, 0.05, 0.9)),
    (lambda: lr.SGD(lr=0.3, momentum=0.5), lambda p, g: sgd_reference(p, g, 0.3, 0.5)),
    (lambda: lr.Adagrad(lr=0.1), lambda p, g: adagrad_reference(p, g, 0.1, 1e-10)),
    (lambda: lr.Adagrad(lr=0.5, eps=0.1), lambda p, g: adagrad_reference(p, g, 0.5, 0.1)),
    (lambda: lr.Adam(), lambda p, g: adam_reference(p, g, 1e-3, 0.9, 0.999, 1e-8)),
    (lambda: lr.Adam(lr=0.05, betas=(0.5, 0.9), eps=0.01), lambda p, g: adam_reference(p, g, 0.05, 0.5, 0.9, 0.01)),
], ids=["sgd", "sgd_momentum", "sgd_momentum_half", "adagrad", "adagrad_eps", "adam", "adam_custom"])
def test_optimiser_follows_its_written_out_update(make, reference):
    p0 = np.random.default_rng(1).standard_normal((3, 4))
    grads = gradient_sequence(p0.shape)
    params, opt = {"w": p0.copy()}, make()
    for step, (g, expected) in enumerate(zip(grads, reference(p0, grads))):
        opt.step(params, {"w": g})
        np.testing.assert_allclose(params["w"], expected, rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")


def test_optimiser_defaults_are_the_documented_ones():
    assert (lr.SGD().lr, lr.SGD().momentum) == (0.1, 0.0)
    assert (lr.Adagrad().lr, lr.Adagrad().eps) == (0.1, 1e-10)
    adam = lr.Adam()
    assert (adam.lr, adam.betas, adam.eps) == (1e-3, (0.9, 0.999), 1e-8)


def test_adam_counts_steps_per_parameter():
    """A parameter first updated at step 3 gets the bias correction of its own first step."""
    opt = lr.Adam(lr=0.1)
    params = {"a": np.zeros(2), "b": np.zeros(2)}
    for _ in range(2):
        opt.step(params, {"a": np.ones(2)})
    opt.step(params, {"a": np.ones(2), "b": np.full(2, 3.0)})
    np.testing.assert_allclose(params["b"], adam_reference(np.zeros(2), [np.full(2, 3.0)], 0.1, 0.9, 0.999, 1e-8)[0])


@pytest.mark.parametrize("make", [lambda: lr.SGD(lr=0.1, momentum=0.9), lambda: lr.Adagrad(), lambda: lr.Adam()])
def test_optimiser_float32_stays_close_to_float64(make):
    p0 = np.random.default_rng(2).standard_normal(5)
    grads = gradient_sequence(p0.shape, seed=3)
    p64, p32 = {"w": p0.copy()}, {"w": p0.astype(np.float32)}
    o64, o32 = make(), make()
    for g in grads:
        o64.step(p64, {"w": g})
        o32.step(p32, {"w": g.astype(np.float32)})
    assert p32["w"].dtype == np.float32
    np.testing.assert_allclose(p32["w"], p64["w"], rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------------ clipping

@pytest.mark.parametrize("factor", [0.5, 1.0, 1.0 + 1e-9, 2.0, 100.0])
def test_clip_grad_norm_on_both_sides_of_the_threshold(factor):
    r = np.random.default_rng(4)
    grads = {"a": r.standard_normal((3, 2)), "b": r.standard_normal(4)}
    norm = math.sqrt(sum(float((g ** 2).sum()) for g in grads.values()))
    max_norm = norm / factor                      # factor > 1: the norm is above the threshold
    clipped, total = lr.clip_grad_norm(grads, max_norm)
    assert abs(total - norm) < 1e-12
    for k, g in grads.items():
        if factor > 1:
            np.testing.assert_allclose(clipped[k], g * (max_norm / norm), rtol=1e-14)
        else:                                     # at or below the threshold: unchanged
            np.testing.assert_array_equal(clipped[k], g)
    assert abs(lr.grad_norm(clipped) - min(norm, max_norm)) < 1e-12
    with pytest.raises(ValueError, match="max_norm"):
        lr.clip_grad_norm(grads, 0.0)


def test_clip_grad_norm_float32_keeps_dtype():
    grads = {"a": np.array([3.0, 4.0], np.float32)}
    clipped, total = lr.clip_grad_norm(grads, 1.0)
    assert clipped["a"].dtype == np.float32 and total == 5.0
    np.testing.assert_allclose(clipped["a"], [0.6, 0.8], rtol=1e-6)


def test_clip_grad_value_on_both_sides():
    c = 0.75
    g = {"a": np.array([-2.0, -c, -0.5, 0.0, 0.5, c, 2.0]), "b": np.array([[c + 1e-12, -c - 1e-12]])}
    out = lr.clip_grad_value(g, c)
    np.testing.assert_array_equal(out["a"], [-c, -c, -0.5, 0.0, 0.5, c, c])
    np.testing.assert_array_equal(out["b"], [[c, -c]])
    assert out["a"] is not g["a"] and g["a"][0] == -2.0
    with pytest.raises(ValueError, match="clip_value"):
        lr.clip_grad_value(g, -1.0)


def test_adam_betas_bounds_and_optimiser_input_checks():
    for betas in ((0.0, 0.0), (0.999, 0.0), (0.0, 0.9999)):
        lr.Adam(betas=betas)                                   # 0 <= b < 1 is allowed
    for betas in ((1.0, 0.9), (0.9, 1.0), (-0.1, 0.9), (0.9, -0.1), (1.5, 0.9), (0.9, 1.5)):
        with pytest.raises(ValueError, match="betas must lie in"):
            lr.Adam(betas=betas)
    with pytest.raises(TypeError, match="params and grads must be dicts"):
        lr.SGD().step([np.zeros(2)], {"w": np.zeros(2)})
    with pytest.raises(TypeError, match="float32 or float64 numpy array"):
        lr.SGD().step({"w": [0.0, 1.0]}, {"w": np.zeros(2)})


def test_orthogonal_blocks_keep_their_dtype():
    W = lr.orthogonal_blocks(np.random.default_rng(0), 3, 4, dtype=np.float32)
    assert W.dtype == np.float32 and W.shape == (12, 4)
