"""RNN, LSTM and GRU layers: gradcheck, agreement with the teaching step functions, API behaviour."""
import numpy as np
import pytest

import lstm_ref as lr
from _layer_helpers import make_layer, max_abs_diff, random_io, run_layer, step_reference

TOL = 1e-7                           # gradcheck, max relative error


def stencil(kind, kw):
    """Finite-difference step and stencil for a configuration.

    Default: 4-point central differences with eps = 1e-3 (truncation O(eps^4) ~ 1e-12, round-off
    ~1e-16 |f| / eps ~ 1e-12), accurate enough for gradient entries as small as ~1e-5 (the GRU has some).
    ReLU: its kinks must not be stepped over, so the 2-point stencil with eps = 1e-5.
    """
    if kw.get("nonlinearity") == "relu":
        return {"eps": 1e-5, "order": 2}
    return {"eps": 1e-3, "order": 4}

CONFIGS = [  # (kind, num_layers, bidirectional, layer kwargs)
    *[("lstm", 1, False, {"variant": v}) for v in lr.LSTM_VARIANTS],
    ("mgu", 2, True, {}),
    ("lstm", 2, True, {}),
    ("lstm", 2, True, {"variant": "peephole"}),
    ("gru", 2, True, {"reset_after": True}),
    ("gru", 2, True, {"reset_after": False}),
    ("rnn", 2, True, {"nonlinearity": "tanh"}),
    ("rnn", 2, True, {"nonlinearity": "relu"}),
]
IDS = [f"{k}-L{L}-{'bi' if bi else 'uni'}-{'-'.join(map(str, kw.values())) or 'default'}" for k, L, bi, kw in CONFIGS]


def state_inputs(layer, state):
    if isinstance(layer, lr.LSTM):
        return {"h0": state[0], "c0": state[1]}
    return {"h0": state}


@pytest.mark.parametrize("kind,L,bi,kw", CONFIGS, ids=IDS)
def test_layer_gradcheck_every_parameter_x_and_initial_state(kind, L, bi, kw):
    layer = make_layer(kind, 3, 3, L, bi, seed=4, **kw)
    x, state, dy, dstate = random_io(layer, T=3, B=2, seed=5)
    is_lstm = isinstance(layer, lr.LSTM)
    probe = make_layer(kind, 3, 3, L, bi, **kw)

    def f(x, h0, c0=None, **params):
        probe.load_state_dict(params)
        y, s = probe.forward(x, (h0, c0) if is_lstm else h0)
        loss = np.sum(y * dy)
        if is_lstm:
            return float(loss + np.sum(s[0] * dstate[0]) + np.sum(s[1] * dstate[1]))
        return float(loss + np.sum(s * dstate))

    layer.forward(x, state)
    dx, ds0 = layer.backward(dy, dstate)
    analytic = {"x": dx, **({"h0": ds0[0], "c0": ds0[1]} if is_lstm else {"h0": ds0}), **layer.grads}
    inputs = {"x": x, **state_inputs(layer, state), **layer.state_dict()}
    errs = lr.gradcheck(f, inputs, analytic, **stencil(kind, kw))
    assert set(errs) == set(inputs)
    assert max(errs.values()) < TOL, {k: v for k, v in errs.items() if v >= TOL}


@pytest.mark.parametrize("kind,L,bi,kw", CONFIGS, ids=IDS)
def test_fast_layer_equals_teaching_step_functions(kind, L, bi, kw):
    layer = make_layer(kind, 4, 5, L, bi, seed=6, **kw)
    x, state, dy, dstate = random_io(layer, T=7, B=3, seed=7)
    diffs = max_abs_diff(run_layer(layer, x, state, dy, dstate), step_reference(layer, x, state, dy, dstate))
    assert max(diffs.values()) <= 1e-12, diffs


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_zero_length_sequence(kind):
    layer = make_layer(kind, 3, 4, 2, True)
    x, state, _, dstate = random_io(layer, T=0, B=2)
    y, s = layer.forward(x, state)
    assert y.shape == (0, 2, 8)
    dx, ds = layer.backward(np.zeros((0, 2, 8)), dstate)
    assert dx.shape == (0, 2, 3)
    pairs = zip(s, state) if kind == "lstm" else [(s, state)]
    pairs_d = zip(ds, dstate) if kind == "lstm" else [(ds, dstate)]
    for a, b in [*pairs, *pairs_d]:                 # no step: final state = initial state
        np.testing.assert_array_equal(a, b)
    assert all(not np.any(g) for g in layer.grads.values())


def test_parameter_names_shapes_and_order_follow_pytorch():
    layer = lr.LSTM(3, 5, num_layers=2, bidirectional=True)
    expect = []
    for l in range(2):
        for sfx in ("", "_reverse"):
            I = 3 if l == 0 else 10
            expect += [(f"weight_ih_l{l}{sfx}", (20, I)), (f"weight_hh_l{l}{sfx}", (20, 5)),
                       (f"bias_ih_l{l}{sfx}", (20,)), (f"bias_hh_l{l}{sfx}", (20,))]
    assert [(k, v.shape) for k, v in layer.params.items()] == expect
    assert list(layer.grads) == [k for k, _ in expect]
    assert list(lr.GRU(3, 5).params) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    assert lr.GRU(3, 5).params["weight_ih_l0"].shape == (15, 3)
    assert lr.RNN(3, 5).params["weight_hh_l0"].shape == (5, 5)
    peep = lr.LSTM(3, 5, variant="peephole")
    assert [k for k in peep.params if "_c" in k] == ["weight_ci_l0", "weight_cf_l0", "weight_co_l0"]
    assert peep.params["weight_co_l0"].shape == (5,)


def test_initialisers_seed_and_forget_bias():
    H = 6
    a, b, c = lr.LSTM(3, H, seed=1), lr.LSTM(3, H, seed=1), lr.LSTM(3, H, seed=2)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert np.max(np.abs(a.params["weight_hh_l0"] - c.params["weight_hh_l0"])) > 0
    bound = 1 / np.sqrt(H)
    assert all(np.max(np.abs(v)) <= bound for v in a.params.values())
    # default forget_bias=0.0: the forget block of both biases is exactly zero
    assert not np.any(a.params["bias_ih_l0"][H:2 * H]) and not np.any(a.params["bias_hh_l0"][H:2 * H])
    one = lr.LSTM(3, H, num_layers=2, bidirectional=True, forget_bias=1.0)
    for k in one.params:
        if k.startswith("bias_ih"):
            np.testing.assert_array_equal(one.params[k][H:2 * H], 1.0)
            kh = "bias_hh" + k[len("bias_ih"):]
            np.testing.assert_array_equal(one.params[k][H:2 * H] + one.params[kh][H:2 * H], 1.0)
    keep = lr.LSTM(3, H, forget_bias=None)
    assert np.std(keep.params["bias_ih_l0"][H:2 * H]) > 0         # PyTorch's random forget biases
    orth = lr.GRU(3, H, init="orthogonal", dtype=np.float32)
    W = orth.params["weight_hh_l0"].astype(np.float64)
    for k in range(3):
        Q = W[k * H:(k + 1) * H]
        np.testing.assert_allclose(Q @ Q.T, np.eye(H), atol=1e-6)
    assert orth.params["weight_hh_l0"].dtype == np.float32


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_float32_path_follows_dtype_and_agrees_with_float64(kind):
    l64 = make_layer(kind, 4, 6, 2, True, dtype=np.float64, seed=3)
    l32 = make_layer(kind, 4, 6, 2, True, dtype=np.float32, seed=3)
    l32.load_state_dict(l64.state_dict())
    io64 = random_io(l64, T=6, B=3)
    io32 = random_io(l32, T=6, B=3)
    r64, r32 = run_layer(l64, *io64), run_layer(l32, *io32)
    flat32 = [r32[0], r32[2], *r32[4].values()]
    assert {a.dtype for a in flat32} == {np.dtype(np.float32)}
    diffs = max_abs_diff(r32, r64)
    assert max(diffs.values()) < 1e-4, diffs


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_backward_overwrites_grads_and_none_means_zero(kind):
    layer = make_layer(kind, 3, 4, 2, True)
    x, state, dy, dstate = random_io(layer, T=5, B=2)
    layer.forward(x, state)
    layer.backward(dy, dstate)
    first = {k: v.copy() for k, v in layer.grads.items()}
    layer.backward(dy, dstate)                      # again: same grads, not accumulated
    for k in first:
        np.testing.assert_array_equal(layer.grads[k], first[k])
    zeros_state = tuple(np.zeros_like(s) for s in dstate) if kind == "lstm" else np.zeros_like(dstate)
    a = layer.backward(np.zeros_like(dy), zeros_state)
    ga = {k: v.copy() for k, v in layer.grads.items()}
    b = layer.backward(None, None)
    for k in ga:
        np.testing.assert_array_equal(layer.grads[k], ga[k])
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.any(b[0])


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_no_input_array_is_mutated(kind):
    layer = make_layer(kind, 3, 4, 2, True)
    x, state, dy, dstate = random_io(layer, T=5, B=2)
    arrays = [x, dy, *(state if kind == "lstm" else [state]), *(dstate if kind == "lstm" else [dstate])]
    before = [a.copy() for a in arrays]
    params_before = layer.state_dict()
    sd = layer.state_dict()
    sd_before = {k: v.copy() for k, v in sd.items()}
    layer.load_state_dict(sd)
    layer.forward(x, state)
    layer.backward(dy, dstate)
    for a, b in zip(arrays, before):
        np.testing.assert_array_equal(a, b)
    for k in params_before:
        np.testing.assert_array_equal(layer.params[k], params_before[k])
        np.testing.assert_array_equal(sd[k], sd_before[k])


def test_state_dict_round_trip_and_copies():
    a = lr.LSTM(3, 4, num_layers=2, bidirectional=True, seed=1)
    b = lr.LSTM(3, 4, num_layers=2, bidirectional=True, seed=2)
    sd = a.state_dict()
    sd["weight_ih_l0"][0, 0] += 1.0                     # a copy: the layer is untouched
    assert a.params["weight_ih_l0"][0, 0] != sd["weight_ih_l0"][0, 0]
    b.load_state_dict(a.state_dict())
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    np.testing.assert_array_equal(a.forward(x)[0], b.forward(x)[0])
    ref = b.params["bias_hh_l1"]
    b.load_state_dict(sd)                                # in place: references stay valid
    assert b.params["bias_hh_l1"] is ref
    assert b.params["weight_ih_l0"][0, 0] == sd["weight_ih_l0"][0, 0]


def test_bidirectional_output_layout():
    """Reverse direction's outputs come after the forward's; it reads the sequence backwards."""
    layer = lr.GRU(2, 3, bidirectional=True, seed=5)
    x = np.random.default_rng(1).standard_normal((4, 1, 2))
    y, h_n = layer.forward(x)
    fwd = lr.GRU(2, 3)
    fwd.load_state_dict({k.replace("_reverse", ""): v for k, v in layer.params.items() if "reverse" not in k})
    rev = lr.GRU(2, 3)
    rev.load_state_dict({k.replace("_reverse", ""): v for k, v in layer.params.items() if "reverse" in k})
    yf, hf = fwd.forward(x)
    yr, hr = rev.forward(x[::-1])
    np.testing.assert_allclose(y[:, :, :3], yf, atol=1e-15, rtol=0)
    np.testing.assert_allclose(y[:, :, 3:], yr[::-1], atol=1e-15, rtol=0)
    np.testing.assert_allclose(h_n, np.concatenate([hf, hr]), atol=1e-15, rtol=0)
    np.testing.assert_allclose(h_n[1], y[0, :, 3:], atol=0, rtol=0)   # h_bwd of the sentence = y at t=0


@pytest.mark.parametrize("kind,L,bi,kw", CONFIGS, ids=IDS)
def test_blocked_backward_equals_step_functions(kind, L, bi, kw, monkeypatch):
    """The backward pass works through time in cache-sized blocks; force blocks of 2 and 3 steps."""
    import lstm_ref.core.layers as layers
    for steps_per_block in (2, 3):
        monkeypatch.setattr(layers, "_BLOCK", 3 * 5 * steps_per_block)     # B * H * steps
        layer = make_layer(kind, 4, 5, L, bi, seed=8, **kw)
        x, state, dy, dstate = random_io(layer, T=7, B=3, seed=9)
        diffs = max_abs_diff(run_layer(layer, x, state, dy, dstate), step_reference(layer, x, state, dy, dstate))
        assert max(diffs.values()) <= 1e-12, diffs
    assert layers._block_steps(7, 15) == 3 and layers._block_steps(2, 15) == 2 and layers._block_steps(7, 10 ** 6) == 1
    blocks = [(lo, hi, list(s)) for lo, hi, s in layers._backward_blocks(7, False, 3)]
    assert blocks == [(4, 7, [6, 5, 4]), (1, 4, [3, 2, 1]), (0, 1, [0])]
    blocks = [(lo, hi, list(s)) for lo, hi, s in layers._backward_blocks(7, True, 3)]
    assert blocks == [(0, 3, [0, 1, 2]), (3, 6, [3, 4, 5]), (6, 7, [6])]
