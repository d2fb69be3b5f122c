"""Property-based tests (hypothesis) of the layers over random shapes, including T = 0 or 1, B = 1, H = 1.

Shapes go up to T = 40 and H = 33, and the fast path's backward is made to work in blocks of a
drawn number of time steps (1 to 9), so block boundaries fall at every place: inside a sequence,
at its ends, and on the last, shorter block. Draws are derandomised (the same examples every run).
"""
import importlib
from unittest import mock

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

import lstm_ref as lr
from _layer_helpers import make_layer, max_abs_diff, random_io, run_layer, step_reference

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None)
LAYERS = importlib.import_module(lr.LSTM.__module__)     # where the fast path and its _BLOCK live


def tiny(kind, kw, T, L=1, bi=False):
    """An explicit edge case: B = I = H = 1."""
    return example((kind, kw, dict(T=T, B=1, I=1, H=1, L=L, bi=bi, seed=0, block=1)))


def edge_cases(test):
    """Always run T = 1 and T = 0 with B = I = H = 1 for every layer class, besides the random draws."""
    for case in (tiny("lstm", {"variant": "vanilla"}, 1), tiny("gru", {"reset_after": True}, 1, L=2, bi=True),
                 tiny("rnn", {"nonlinearity": "tanh"}, 1), tiny("lstm", {"variant": "peephole"}, 0, L=2, bi=True),
                 tiny("gru", {"reset_after": False}, 0), tiny("rnn", {"nonlinearity": "relu"}, 0, bi=True)):
        test = case(test)
    return test


@st.composite
def configs(draw):
    kind = draw(st.sampled_from(["lstm", "gru", "rnn"]))
    kw = {}
    if kind == "lstm":
        kw["variant"] = draw(st.sampled_from(lr.LSTM_VARIANTS))
    elif kind == "gru":
        kw["reset_after"] = draw(st.booleans())
    else:
        kw["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
    dims = dict(T=draw(st.integers(0, 40)), B=draw(st.integers(1, 3)), I=draw(st.integers(1, 3)),
                H=draw(st.integers(1, 33)), L=draw(st.integers(1, 2)), bi=draw(st.booleans()),
                seed=draw(st.integers(0, 2 ** 16)), block=draw(st.integers(1, 9)))
    return kind, kw, dims


@SETTINGS
@given(configs())
@edge_cases
def test_fast_path_equals_step_functions_on_random_shapes(cfg):
    kind, kw, d = cfg
    layer = make_layer(kind, d["I"], d["H"], d["L"], d["bi"], seed=d["seed"], **kw)
    x, state, dy, dstate = random_io(layer, d["T"], d["B"], seed=d["seed"] + 1)
    with mock.patch.object(LAYERS, "_BLOCK", d["B"] * d["H"] * d["block"]):   # blocks of d["block"] steps
        assert LAYERS._block_steps(max(d["T"], 1), d["B"] * d["H"]) == min(d["block"], max(d["T"], 1))
        fast = run_layer(layer, x, state, dy, dstate)
    y, s_n, dx, _, grads = fast
    D = 2 if d["bi"] else 1
    assert y.shape == (d["T"], d["B"], D * d["H"])
    assert dx.shape == x.shape
    for s in (s_n if kind == "lstm" else (s_n,)):
        assert s.shape == (d["L"] * D, d["B"], d["H"])
    assert all(grads[k].shape == v.shape for k, v in layer.params.items())
    diffs = max_abs_diff(fast, step_reference(layer, x, state, dy, dstate))
    assert max(diffs.values()) <= 1e-12, diffs


@SETTINGS
@given(configs())
@edge_cases
def test_inputs_are_never_mutated(cfg):
    kind, kw, d = cfg
    layer = make_layer(kind, d["I"], d["H"], d["L"], d["bi"], seed=d["seed"], **kw)
    io = random_io(layer, d["T"], d["B"], seed=d["seed"])
    flat = [io[0], io[2], *(io[1] if kind == "lstm" else (io[1],)), *(io[3] if kind == "lstm" else (io[3],))]
    before = [a.copy() for a in flat] + [v.copy() for v in layer.params.values()]
    run_layer(layer, *io)
    for a, b in zip(flat + list(layer.params.values()), before):
        np.testing.assert_array_equal(a, b)


@SETTINGS
@given(configs())
@edge_cases
def test_outputs_are_bounded_and_float32_tracks_float64(cfg):
    kind, kw, d = cfg
    l64 = make_layer(kind, d["I"], d["H"], d["L"], d["bi"], seed=d["seed"], **kw)
    l32 = make_layer(kind, d["I"], d["H"], d["L"], d["bi"], dtype=np.float32, seed=d["seed"], **kw)
    x, state, _, _ = random_io(l64, d["T"], d["B"], seed=d["seed"])
    y64, _ = l64.forward(x, state)
    cast = (lambda s: tuple(a.astype(np.float32) for a in s)) if kind == "lstm" else (lambda s: s.astype(np.float32))
    y32, _ = l32.forward(x.astype(np.float32), cast(state))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, atol=1e-5, rtol=1e-4)
    # h = o * tanh(c) and h = tanh(a) lie in (-1, 1); a GRU's h is a convex mix of n in (-1, 1) and
    # h_prev, so it never leaves [-max(1, |h0|), max(1, |h0|)]
    if (kind == "rnn" and kw["nonlinearity"] == "tanh") or (kind == "lstm" and kw["variant"] != "no_output_act"):
        assert np.all(np.abs(y64) < 1)
    if kind == "gru":
        assert np.all(np.abs(y64) <= max(1.0, np.max(np.abs(state))) + 1e-12)
