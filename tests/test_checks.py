"""gradcheck, numerical_gradient, rel_error and self_check."""
import numpy as np
import pytest

import lstm_ref as lr
from lstm_ref.core.finite_diff import gradcheck, numerical_gradient, rel_error
from lstm_ref.course.checks import self_check


def _tanh_sq(W, x):
    return float(np.sum(np.tanh(W @ x) ** 2))


def _tanh_sq_grads(W, x):
    t = np.tanh(W @ x)
    g = 2 * t * (1 - t**2)
    return {"W": np.outer(g, x), "x": W.T @ g}


@pytest.fixture
def wx():
    rng = np.random.default_rng(0)
    return rng.normal(size=(3, 4)), rng.normal(size=(4,))


def test_rel_error_formula():
    assert rel_error(1.0, 1.0) == 0.0
    assert rel_error(0.0, 0.0) == 0.0  # floor 1e-8 avoids 0/0
    assert rel_error(np.array([1.0, 3.0]), np.array([1.0, 1.0])) == pytest.approx(2 / 4)
    assert rel_error(1e-9, 0.0) == pytest.approx(1e-9 / 1e-8)
    assert rel_error(np.array([1.0, np.nan]), np.array([1.0, 1.0])) == float("inf")
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        rel_error(np.zeros(2), np.zeros(3))


def test_gradcheck_accepts_correct_gradients(wx):
    W, x = wx
    errs = gradcheck(_tanh_sq, {"W": W, "x": x}, _tanh_sq_grads(W, x))
    assert set(errs) == {"W", "x"}
    assert max(errs.values()) < 1e-7


def test_gradcheck_order4_is_more_accurate(wx):
    W, x = wx
    e2 = gradcheck(_tanh_sq, {"W": W, "x": x}, _tanh_sq_grads(W, x))
    e4 = gradcheck(_tanh_sq, {"W": W, "x": x}, _tanh_sq_grads(W, x), eps=1e-3, order=4)
    assert max(e4.values()) < 1e-9
    assert max(e4.values()) < max(e2.values())


def test_gradcheck_order6_and_exactly_flat_directions(wx):
    W, x = wx
    e6 = gradcheck(_tanh_sq, {"W": W, "x": x}, _tanh_sq_grads(W, x), eps=1e-2, order=6)
    assert max(e6.values()) < 1e-9

    # An input the function ignores has gradient exactly 0; the differences are taken before
    # the stencil weights multiply them, so the estimate is exactly 0 too (no round-off residue).
    def f(W, x, unused):
        return _tanh_sq(W, x) + 0.0 * float(np.sum(unused))

    for order in (2, 4, 6):
        g = numerical_gradient(f, {"W": W, "x": x, "unused": np.ones(3)}, "unused", eps=1e-3, order=order)
        assert np.all(g == 0.0)


def test_gradcheck_detects_a_wrong_gradient(wx):
    W, x = wx
    grads = _tanh_sq_grads(W, x)
    grads["W"] = grads["W"].copy()
    grads["W"][1, 2] += 1e-3
    errs = gradcheck(_tanh_sq, {"W": W, "x": x}, grads)
    assert errs["W"] > 1e-5
    assert errs["x"] < 1e-7
    # a transposed-but-same-shape mistake is caught too
    grads = _tanh_sq_grads(W, x)
    errs = gradcheck(_tanh_sq, {"W": W, "x": x}, {"x": -grads["x"]})
    assert errs["x"] > 0.9


def test_gradcheck_never_mutates_inputs(wx):
    W, x = wx
    W0, x0 = W.copy(), x.copy()

    def f(W, x):
        return _tanh_sq(W, x)

    gradcheck(f, {"W": W, "x": x}, _tanh_sq_grads(W, x))
    numerical_gradient(f, {"W": W, "x": x}, "W")
    assert np.array_equal(W, W0) and np.array_equal(x, x0)


def test_gradcheck_passes_through_non_array_inputs():
    def f(x, scale):
        return scale * float(np.sum(x**3))

    x = np.array([0.5, -1.0, 2.0])
    errs = gradcheck(f, {"x": x, "scale": 2.0}, {"x": 6.0 * x**2})
    assert errs["x"] < 1e-8


def test_numerical_gradient_matches_known_derivative():
    x = np.linspace(-2, 2, 7).reshape(7, 1)
    g = numerical_gradient(lambda x: float(np.sum(np.sin(x))), {"x": x}, "x")
    assert g.shape == x.shape
    assert np.max(np.abs(g - np.cos(x))) < 1e-9


def test_gradcheck_validates_arguments(wx):
    W, x = wx
    with pytest.raises(ValueError, match=r"analytic\['W'\].*\(3, 4\).*\(4, 3\)"):
        gradcheck(_tanh_sq, {"W": W, "x": x}, {"W": np.zeros((4, 3))})
    with pytest.raises(KeyError, match="'V'"):
        gradcheck(_tanh_sq, {"W": W, "x": x}, {"V": np.zeros((3, 4))})
    with pytest.raises(TypeError, match="dtype int64"):
        gradcheck(lambda n: float(n.sum()), {"n": np.arange(3)}, {"n": np.ones(3)})
    with pytest.raises(ValueError, match="scalar"):
        gradcheck(lambda W, x: W @ x, {"W": W, "x": x}, {"x": np.zeros(4)})
    with pytest.raises(ValueError, match="order"):
        gradcheck(_tanh_sq, {"W": W, "x": x}, {"x": np.zeros(4)}, order=3)


def test_self_check_not_attempted(capsys):
    assert self_check(None, np.ones(3), name="Exercise 4") is None
    assert capsys.readouterr().out == "Exercise 4: not attempted yet\n"


@pytest.mark.parametrize(
    "answer, expected",
    [
        (np.ones((2, 3)), np.ones((2, 3)) + 1e-12),
        (0.1 + 0.2, 0.3),
        (3, 3),
        (3.0, 3),
        (np.int64(3), 3),
        (True, True),
        ("LSTM", "LSTM"),
        ((1, np.array([0.5, 0.25]), "a"), (1, np.array([0.5, 0.25]), "a")),
        ({"a": 1.0, "b": [2, 3]}, {"a": 1.0, "b": [2, 3]}),
        (np.array([True, False]), np.array([True, False])),
    ],
)
def test_self_check_correct(answer, expected, capsys):
    self_check(answer, expected, name="Ex")
    assert capsys.readouterr().out == "Ex: correct\n"


@pytest.mark.parametrize(
    "answer, expected, fragment",
    [
        (np.ones(3), np.ones(4), "expected shape (4,), got shape (3,)"),
        (np.array([1.0, 2.0, 3.5]), np.array([1.0, 2.0, 3.0]), "1 of 3 entries differ"),
        (np.array([1.0, np.nan]), np.array([1.0, 2.0]), "NaN"),
        (2, 3, "expected 3, got 2"),
        (2.5, 3, "expected the integer 3"),
        (False, True, "expected True, got False"),
        (1, True, "expected a bool"),
        ("GRU", "LSTM", "expected 'LSTM', got 'GRU'"),
        ((1, 2), (1, 2, 3), "expected 3 items"),
        ((1, 5), (1, 2), "at [1]"),
        ({"a": 1}, {"b": 1}, "expected keys"),
        ("0.3", 0.3, "numeric"),
        (0.30001, 0.3, "expected 0.3"),
    ],
)
def test_self_check_wrong_raises_helpful_message(answer, expected, fragment):
    with pytest.raises(AssertionError) as info:
        self_check(answer, expected, name="Exercise 2")
    msg = str(info.value)
    assert msg.startswith("Exercise 2: ")
    assert fragment in msg


def test_self_check_tolerances():
    self_check(1.0 + 5e-7, 1.0, rtol=1e-6, atol=0)
    with pytest.raises(AssertionError):
        self_check(1.0 + 5e-6, 1.0, rtol=1e-6, atol=0)
    self_check(1.0 + 5e-6, 1.0, rtol=0, atol=1e-5)


def test_claim_records_and_rejects(capsys):
    from lstm_ref import checks

    checks._CLAIMS.clear()
    lr.claim("gap is positive", 0.25 > 0, gap=0.25)
    assert capsys.readouterr().out == "checked: gap is positive (gap = 0.25)\n"
    with pytest.raises(AssertionError, match="claim failed: gap is negative"):
        lr.claim("gap is negative", 0.25 < 0, gap=0.25)
    with pytest.raises(TypeError, match="holds must be a bool"):
        lr.claim("constant", 1)
    lr.claim("gap is positive", True, gap=0.5)  # re-running a cell replaces its row
    table = repr(lr.claims_table())
    assert table.splitlines() == ["| # | claim | measured |", "|---|---|---|",
                                  "| 1 | gap is positive | gap = 0.5 |"]
    assert lr.claims_table()._repr_markdown_() == table
    checks._CLAIMS.clear()
