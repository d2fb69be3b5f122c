"""Synthetic tasks: determinism, shapes, dtypes and the statistics their docstrings state."""
import math

import numpy as np
import pytest

from lstm_ref.course.tasks import (
    HOCHREITER_TOLERANCE, adding_baseline_mse, adding_correct, adding_problem, continual_stream,
    copy_memory, copy_memory_baseline, future_tagging, temporal_order,
)
from lstm_ref import IGNORE_INDEX, softmax_cross_entropy

GENERATORS = [
    lambda seed: adding_problem(5, 30, seed=seed),
    lambda seed: adding_problem(5, 30, seed=seed, form="hochreiter"),
    lambda seed: temporal_order(5, 30, seed=seed),
    lambda seed: copy_memory(5, 12, seed=seed),
    lambda seed: future_tagging(5, 12, 4, k=2, seed=seed),
    lambda seed: continual_stream(5, 40, seed=seed),
]


@pytest.mark.parametrize("gen", GENERATORS)
def test_seeded_and_deterministic(gen):
    a, b, c = gen(3), gen(3), gen(4)
    for u, v in zip(a, b):
        assert np.array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


def test_generators_leave_global_random_state_alone():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    for gen in GENERATORS:
        gen(0)
    assert np.array_equal(np.random.get_state()[1], before)


def test_adding_uniform_structure():
    x, y = adding_problem(400, 50, seed=1)
    assert x.shape == (50, 400, 2) and y.shape == (400, 1)
    assert x.dtype == np.float64 and y.dtype == np.float64
    values, markers = x[..., 0], x[..., 1]
    assert values.min() >= 0 and values.max() <= 1
    assert np.all(markers.sum(0) == 2) and set(np.unique(markers)) == {0.0, 1.0}
    assert np.all(markers[:25].sum(0) == 1) and np.all(markers[25:].sum(0) == 1)
    np.testing.assert_allclose(y[:, 0], (values * markers).sum(0), atol=1e-15)


def test_adding_uniform_mean_baseline_is_one_sixth():
    _, y = adding_problem(200_000, 4, seed=2)
    measured = float(np.mean((y - 1.0) ** 2))  # always predict the mean 1
    assert adding_baseline_mse("uniform") == 1 / 6
    assert abs(measured - 1 / 6) < 0.003
    assert abs(float(y.mean()) - 1.0) < 0.005


def test_adding_hochreiter_structure():
    T = 40
    x, y = adding_problem(2000, T, seed=3, form="hochreiter")
    values, markers = x[..., 0], x[..., 1]
    assert values.min() >= -1 and values.max() <= 1
    ones = markers == 1.0
    assert np.all(ones.sum(0) == 2)
    first = ones.argmax(0)
    last = T - 1 - ones[::-1].argmax(0)
    assert np.all(first < 10)                   # X1 among the first ten steps
    assert np.all(last < T // 2)                # X2 among the first T/2 steps (T/2 - 1 unmarked ones)
    # -1 markers on the first and the last step, unless the first step is marked
    assert np.all(markers[T - 1] == -1)
    assert np.all((markers[0] == -1) | ones[0])
    assert np.all((markers[1:T - 1] == 0) | ones[1:T - 1])
    # X1 = 0 when X1 falls on the first pair (probability 1/10); U[-1, 1] values are never exactly 0
    zero_first = ones[0] & (values[0] == 0)
    assert abs(float(zero_first.mean()) - 0.1) < 0.025
    assert np.count_nonzero(values == 0) == np.count_nonzero(zero_first)
    np.testing.assert_allclose(y[:, 0], 0.5 + (values * ones).sum(0) / 4, atol=1e-15)
    assert y.min() >= 0 and y.max() <= 1
    # the positions of X1 and X2 are spread over their whole ranges
    assert set(np.unique(first)) == set(range(10))
    assert set(np.unique(last)) == set(range(1, T // 2))


def test_adding_hochreiter_x2_has_t_half_minus_one_candidates():
    # "one of the first T/2 - 1 still unmarked pairs": X1 uniform on the first 10 steps, X2 uniform
    # on T/2 - 1 candidates, so a pair with a < 10 <= b < T/2 (only X1 = a, X2 = b can make it)
    # has probability 1/10 * 1/(T/2 - 1); with T/2 - 2 candidates it would be 1/10 * 1/(T/2 - 2)
    T, n = 30, 60_000
    x, _ = adding_problem(n, T, seed=11, form="hochreiter")
    pos = np.sort(np.argwhere((x[..., 1] == 1.0).T)[:, 1].reshape(-1, 2), axis=1)
    late = (pos[:, 1] >= 10) & (pos[:, 1] < T // 2)
    expected = n * 10 * (T // 2 - 10) / (10 * (T // 2 - 1))
    assert abs(late.sum() / expected - 1) < 0.02, (late.sum(), expected)
    counts = np.bincount(pos[late, 1] * 10 + pos[late, 0])
    counts = counts[counts > 0]
    assert counts.size == 10 * (T // 2 - 10) and counts.min() > 0.7 * counts.mean()   # every pair, evenly


def test_adding_hochreiter_baseline_and_criterion():
    _, y = adding_problem(100_000, 22, seed=4, form="hochreiter")
    measured = float(np.mean((y - 0.5) ** 2))
    assert adding_baseline_mse("hochreiter") == 19 / 480
    assert abs(measured - 19 / 480) < 0.0005
    assert abs(float(y.mean()) - 0.5) < 0.002
    assert adding_correct(y + 0.039, y) == 1.0
    assert adding_correct(y + 0.041, y) == 0.0
    assert HOCHREITER_TOLERANCE == 0.04
    # predicting 0.5 is "correct" only for a small fraction of sequences
    assert adding_correct(np.full_like(y, 0.5), y) < 0.2


def test_adding_validation():
    with pytest.raises(ValueError, match="form"):
        adding_problem(2, 10, form="sum")
    with pytest.raises(ValueError, match="T must be an integer >= 22"):
        adding_problem(2, 10, form="hochreiter")
    with pytest.raises(ValueError, match="n"):
        adding_problem(0, 10)


def test_temporal_order_structure_and_classes():
    T = 100
    x, y = temporal_order(4000, T, seed=5)
    assert x.shape == (T, 4000, 8) and y.shape == (4000,) and y.dtype == np.int64
    assert np.all(x.sum(-1) == 1)
    ids = x.argmax(-1)
    assert np.all(ids[0] == 6) and np.all(ids[-1] == 7)           # E ... B
    rel = (ids == 4) | (ids == 5)
    assert np.all(rel.sum(0) == 2)
    t1 = rel.argmax(0)
    t2 = T - 1 - rel[::-1].argmax(0)
    assert t1.min() == 10 and t1.max() == 20                    # the paper's ranges at T = 100
    assert t2.min() == 50 and t2.max() == 60
    s1 = ids[t1, np.arange(4000)] - 4
    s2 = ids[t2, np.arange(4000)] - 4
    assert np.array_equal(y, 2 * s1 + s2)
    counts = np.bincount(y, minlength=4) / 4000
    assert np.all(np.abs(counts - 0.25) < 0.03)
    other = ids[1:-1][~rel[1:-1]]
    assert set(np.unique(other)) == {0, 1, 2, 3}


def test_temporal_order_scales_with_T():
    T = 30
    x, _ = temporal_order(500, T, seed=6)
    rel = (x.argmax(-1) == 4) | (x.argmax(-1) == 5)
    t1 = rel.argmax(0)
    t2 = T - 1 - rel[::-1].argmax(0)
    assert t1.min() >= 3 and t1.max() <= 6 and t2.min() >= 15 and t2.max() <= 18
    x, _ = temporal_order(50, 8, seed=0)  # the smallest allowed length still works
    assert np.all((x.argmax(-1) >= 4).sum(0) == 4)


def test_copy_memory_layout_and_baseline():
    T, n_sym, length = 15, 8, 10
    x, y = copy_memory(300, T, seed=7, n_symbols=n_sym, length=length)
    L = T + 2 * length
    assert x.shape == (L, 300, n_sym + 2) and y.shape == (L, 300)
    ids = x.argmax(-1)
    assert np.all((ids[:length] >= 1) & (ids[:length] <= n_sym))
    assert np.all(ids[length:T + length - 1] == 0)
    assert np.all(ids[T + length - 1] == n_sym + 1)
    assert np.all(ids[T + length:] == 0)
    assert np.all(y[:T + length] == 0)
    assert np.array_equal(y[T + length:], ids[:length])
    # the memoryless strategy: blank for sure, then uniform over the data symbols
    logits = np.zeros((L, 300, n_sym + 2))
    logits[:T + length, :, 0] = 50.0
    logits[T + length:, :, 0] = -np.inf
    logits[T + length:, :, n_sym + 1] = -np.inf
    loss, _ = softmax_cross_entropy(np.where(np.isinf(logits), -1e9, logits), y)
    assert abs(loss - copy_memory_baseline(T, n_sym, length)) < 1e-12
    assert copy_memory_baseline(T, n_sym, length) == length * math.log(n_sym) / L
    ids2, _ = copy_memory(3, T, seed=7, n_symbols=n_sym, length=length, one_hot=False)
    assert ids2.dtype == np.int64 and ids2.shape == (L, 3)


def test_future_tagging_targets_and_mask():
    T, K, k = 12, 5, 3
    x, y, mask = future_tagging(200, T, K, k=k, seed=8)
    assert x.shape == (T, 200, K) and y.shape == (T, 200) and mask.shape == (T, 200)
    ids = x.argmax(-1)
    assert np.array_equal(y[:T - k], ids[k:])
    assert np.all(mask[:T - k]) and not mask[T - k:].any()
    assert np.all(y[T - k:] == IGNORE_INDEX)
    assert set(np.unique(ids)) == set(range(K))
    ids2, y2, _ = future_tagging(200, T, K, k=k, seed=8, one_hot=False)
    assert np.array_equal(ids2, ids) and np.array_equal(y2, y)
    # the past says nothing about the target: for a left-to-right reader the best guess is chance
    x, y, mask = future_tagging(20000, 6, 4, k=1, seed=9, one_hot=False)
    same = float(np.mean(x[:5] == y[:5]))
    assert abs(same - 0.25) < 0.01
    with pytest.raises(ValueError, match="k must satisfy"):
        future_tagging(2, 3, 4, k=3)


def _check_segments(starts, seg_min, seg_max):
    T, n = starts.shape
    assert np.all(starts[0])                                   # the stream starts with a segment
    for b in range(n):
        s = np.flatnonzero(starts[:, b])
        gaps = np.diff(s)
        assert gaps.min() >= seg_min and gaps.max() <= seg_max
        assert T - s[-1] <= seg_max


def test_continual_stream_sum_targets():
    T = 300
    x, y, starts = continual_stream(12, T, seed=10, seg_min=3, seg_max=9, return_segments=True)
    assert x.shape == (T, 12, 2) and y.shape == (T, 12) and y.dtype == np.int64
    _check_segments(starts, 3, 9)
    assert np.array_equal(x[..., 0], starts.astype(float))     # the start marker channel
    v = x[..., 1]
    assert v.min() >= -1 and v.max() <= 1
    for b in range(12):                                        # the definition, step by step
        s = 0.0
        for t in range(T):
            s = (0.0 if starts[t, b] else s) + v[t, b]
            assert y[t, b] == (s > 0)
    # the classes are balanced, and the target is not the sign of the whole stream's running sum
    x, y = continual_stream(400, T, seed=12, seg_min=3, seg_max=9)
    assert abs(float(y.mean()) - 0.5) < 0.02
    assert float(np.mean(y == (np.cumsum(x[..., 1], 0) > 0))) < 0.75


def test_continual_stream_latch_targets():
    n_keys, n_noise = 3, 2
    x, y, starts = continual_stream(50, 200, seed=10, task="latch", n_keys=n_keys, n_noise=n_noise,
                                    seg_min=4, seg_max=8, return_segments=True)
    assert x.shape == (200, 50, n_keys + n_noise) and y.shape == (200, 50)
    _check_segments(starts, 4, 8)
    ids = x.argmax(-1)
    assert np.array_equal(ids < n_keys, starts)                # keys exactly at segment starts
    for b in range(50):
        s = np.flatnonzero(starts[:, b])
        for t0, t1 in zip(s, list(s[1:]) + [200]):
            assert np.all(y[t0:t1, b] == ids[t0, b])           # target = key of the current segment
    # with keys drawn at random, a memory of the first key is at chance on later segments
    x, y = continual_stream(2000, 100, seed=11, task="latch")
    assert abs(float(np.mean(y[-1] == y[0])) - 0.5) < 0.04
    assert set(np.unique(x.argmax(-1))) == {0, 1, 2, 3}
    ids, _ = continual_stream(3, 20, seed=11, task="latch", one_hot=False)
    assert ids.shape == (20, 3) and ids.dtype == np.int64


def test_continual_stream_validation():
    with pytest.raises(ValueError, match="seg_min"):
        continual_stream(2, 10, seg_min=0)
    with pytest.raises(ValueError, match="seg_min"):
        continual_stream(2, 10, seg_min=5, seg_max=4)
    with pytest.raises(ValueError, match="n_keys"):
        continual_stream(2, 10, task="latch", n_keys=1)
    with pytest.raises(ValueError, match="task"):
        continual_stream(2, 10, task="parity")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 5), T=st.integers(1, 12), K=st.integers(2, 6), k=st.integers(0, 11), seed=st.integers(0, 99))
def test_future_tagging_any_shape(n, T, K, k, seed):
    if k >= T:
        with pytest.raises(ValueError):
            future_tagging(n, T, K, k=k, seed=seed)
        return
    x, y, mask = future_tagging(n, T, K, k=k, seed=seed)
    assert x.shape == (T, n, K) and y.shape == mask.shape == (T, n)
    assert np.array_equal(y[mask], x.argmax(-1)[k:].reshape(-1))
    assert mask.sum() == (T - k) * n


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 4), T=st.integers(1, 40), seg_min=st.integers(1, 5), extra=st.integers(0, 5),
       seed=st.integers(0, 99), task=st.sampled_from(["sum", "latch"]))
def test_continual_stream_any_shape(n, T, seg_min, extra, seed, task):
    x, y, starts = continual_stream(n, T, seed=seed, seg_min=seg_min, seg_max=seg_min + extra, task=task,
                                    return_segments=True)
    assert y.shape == starts.shape == (T, n) and x.shape[:2] == (T, n)
    assert np.all(starts[0])
    for b in range(n):
        s = np.flatnonzero(starts[:, b])
        assert np.all(np.diff(s) >= seg_min) and np.all(np.diff(s) <= seg_min + extra)
        assert T - s[-1] <= seg_min + extra
