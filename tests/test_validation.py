"""Bad input to the layers: every case raises ValueError or TypeError naming the argument and the
expected and actual shape (at least 15 cases per layer class)."""
import re

import numpy as np
import pytest

import lstm_ref as lr

I, H, B, T = 3, 4, 2, 5
KINDS = ["lstm", "gru", "rnn"]
CLS = {"lstm": lr.LSTM, "gru": lr.GRU, "rnn": lr.RNN}
G = {"lstm": 4, "gru": 3, "rnn": 1}


def layer(kind, **kw):
    return CLS[kind](I, H, **kw)


def good_state(kind, L=1, b=B, dtype=np.float64):
    h = np.zeros((L, b, H), dtype)
    return (h, h.copy()) if kind == "lstm" else h


def wrap(kind, h):
    """An initial state made of h: (h, c) for the LSTM, h otherwise."""
    return (h, np.zeros((1, B, H))) if kind == "lstm" else h


def x_ok(dtype=np.float64):
    return np.zeros((T, B, I), dtype)


def forwarded(kind, **kw):
    m = layer(kind, **kw)
    m.forward(x_ok())
    return m


def with_param(kind, key, value):
    m = layer(kind)
    m.params[key] = value
    return m


def sd_with(kind, **changes):
    sd = layer(kind).state_dict()
    sd.update(changes)
    return sd


def sd_without(kind, key):
    sd = layer(kind).state_dict()
    del sd[key]
    return sd


def nan_at(a, idx, value=np.nan):
    a = a.copy()
    a[idx] = value
    return a


# (id, call(kind), exception, fragments that must all appear in the message; {G} is the gate count)
CASES = [
    ("x rank 2", lambda k: layer(k).forward(np.zeros((T, I))), ValueError,
     ["x must have shape (T, B, I=3)", "got (5, 3)"]),
    ("x rank 4", lambda k: layer(k).forward(np.zeros((T, B, I, 1))), ValueError,
     ["x must have shape (T, B, I=3)", "got (5, 2, 3, 1)"]),
    ("x wrong I", lambda k: layer(k).forward(np.zeros((T, B, I + 2))), ValueError,
     ["x must have shape (T, B, I=3)", "got (5, 2, 5)"]),
    ("x integer", lambda k: layer(k).forward(np.zeros((T, B, I), dtype=np.int64)), TypeError,
     ["x must be a float32 or float64 array of shape (T, B, I=3)", "dtype int64", "shape (5, 2, 3)"]),
    ("x float32 into float64 layer", lambda k: layer(k).forward(x_ok(np.float32)), TypeError,
     ["x has dtype float32 but the parameters are float64", "(T, B, I=3)", "got (5, 2, 3)"]),
    ("x float64 into float32 layer", lambda k: layer(k, dtype=np.float32).forward(x_ok()), TypeError,
     ["x has dtype float64 but the parameters are float32", "(T, B, I=3)", "got (5, 2, 3)"]),
    ("x NaN", lambda k: layer(k).forward(nan_at(x_ok(), (1, 0, 2))), ValueError,
     ["x (expected shape (T, B, I=3), got (5, 2, 3)) contains NaN or inf"]),
    ("x inf", lambda k: layer(k).forward(nan_at(x_ok(), (0, 1, 0), np.inf)), ValueError,
     ["x (expected shape (T, B, I=3), got (5, 2, 3)) contains NaN or inf"]),
    ("param NaN", lambda k: with_param(k, "weight_hh_l0", nan_at(layer(k).params["weight_hh_l0"], (0, 0)))
     .forward(x_ok()), ValueError,
     ["params['weight_hh_l0'] (expected shape (G*H={GH}, H=4), got ({GH}, 4)) contains NaN or inf"]),
    ("param inf", lambda k: with_param(k, "bias_ih_l0", nan_at(layer(k).params["bias_ih_l0"], 0, -np.inf))
     .forward(x_ok()), ValueError,
     ["params['bias_ih_l0'] (expected shape (G*H={GH},), got ({GH},)) contains NaN or inf"]),
    ("param wrong shape", lambda k: with_param(k, "weight_ih_l0", np.zeros((G[k] * H, I + 1))).forward(x_ok()),
     ValueError, ["params['weight_ih_l0'] must have shape (G*H={GH}, I=3), got ({GH}, 4)"]),
    ("param mixed dtype", lambda k: with_param(k, "bias_hh_l0", np.zeros(G[k] * H, np.float32)).forward(x_ok()),
     TypeError, ["params['bias_hh_l0'] has dtype float32 but the parameters are float64", "got ({GH},)"]),
    ("h0 wrong batch", lambda k: layer(k).forward(x_ok(), wrap(k, np.zeros((1, B + 1, H)))), ValueError,
     ["h0 must have shape (L*D=1, B=2, H=4), got (1, 3, 4)"]),
    ("h0 wrong layers", lambda k: layer(k).forward(x_ok(), wrap(k, np.zeros((2, B, H)))), ValueError,
     ["h0 must have shape (L*D=1, B=2, H=4), got (2, 2, 4)"]),
    ("h0 rank 2", lambda k: layer(k).forward(x_ok(), wrap(k, np.zeros((B, H)))), ValueError,
     ["h0 must have shape (L*D=1, B=2, H=4), got (2, 4)"]),
    ("h0 float32", lambda k: layer(k).forward(x_ok(), wrap(k, np.zeros((1, B, H), np.float32))), TypeError,
     ["h0 has dtype float32 but the parameters are float64", "(L*D=1, B=2, H=4)", "got (1, 2, 4)"]),
    ("h0 bidirectional count", lambda k: layer(k, bidirectional=True, num_layers=2)
     .forward(x_ok(), wrap(k, np.zeros((2, B, H))) if k != "lstm" else (np.zeros((2, B, H)), np.zeros((4, B, H)))),
     ValueError, ["h0 must have shape (L*D=4, B=2, H=4), got (2, 2, 4)"]),
    ("dy wrong shape", lambda k: forwarded(k).backward(np.zeros((T, B, H + 1))), ValueError,
     ["dy must have shape (T=5, B=2, D*H=4), got (5, 2, 5)"]),
    ("dy wrong length", lambda k: forwarded(k).backward(np.zeros((T - 1, B, H))), ValueError,
     ["dy must have shape (T=5, B=2, D*H=4), got (4, 2, 4)"]),
    ("dy integer", lambda k: forwarded(k).backward(np.zeros((T, B, H), np.int32)), TypeError,
     ["dy must be a float32 or float64 array of shape (T=5, B=2, D*H=4)", "dtype int32", "shape (5, 2, 4)"]),
    ("dy NaN", lambda k: forwarded(k).backward(nan_at(np.zeros((T, B, H)), (0, 0, 0))), ValueError,
     ["dy (expected shape (T=5, B=2, D*H=4), got (5, 2, 4)) contains NaN or inf"]),
    ("backward before forward", lambda k: layer(k).backward(np.zeros((T, B, H))), ValueError,
     ["dy: backward() was called before forward()", "expected shape (T, B, D*H", "got dy of shape (5, 2, 4)"]),
    ("dh_n wrong shape", lambda k: forwarded(k).backward(
        None, (np.zeros((1, B, H + 1)), None) if k == "lstm" else np.zeros((1, B, H + 1))), ValueError,
     ["dh_n must have shape (L*D=1, B=2, H=4), got (1, 2, 5)"]),
    ("state_dict unknown key", lambda k: layer(k).load_state_dict(sd_with(k, weight_xx_l0=np.zeros(3))),
     ValueError, ["unknown keys ['weight_xx_l0']"]),
    ("state_dict missing key", lambda k: layer(k).load_state_dict(sd_without(k, "bias_hh_l0")),
     ValueError, ["missing keys ['bias_hh_l0']"]),
    ("state_dict wrong shape", lambda k: layer(k).load_state_dict(sd_with(k, weight_hh_l0=np.zeros((G[k] * H, H + 1)))),
     ValueError, ["state_dict['weight_hh_l0'] must have shape (G*H={GH}, H=4), got ({GH}, 5)"]),
    ("state_dict integer", lambda k: layer(k).load_state_dict(sd_with(k, bias_ih_l0=np.zeros(G[k] * H, np.int64))),
     TypeError, ["state_dict['bias_ih_l0'] must be a float32 or float64 array of shape (G*H={GH},)",
                 "dtype int64", "shape ({GH},)"]),
    ("state_dict NaN", lambda k: layer(k).load_state_dict(sd_with(k, bias_ih_l0=np.full(G[k] * H, np.nan))),
     ValueError, ["state_dict['bias_ih_l0'] (expected shape (G*H={GH},), got ({GH},)) contains NaN or inf"]),
    ("bad hidden_size", lambda k: CLS[k](I, 0), ValueError, ["hidden_size must be a positive integer, got 0"]),
    ("integer dtype", lambda k: CLS[k](I, H, dtype=np.int32), TypeError, ["dtype must be float32 or float64, got int32"]),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_with_clear_message(kind, case):
    _, call, exc, fragments = case
    with pytest.raises(exc) as info:
        call(kind)
    msg = str(info.value)
    for frag in fragments:
        frag = frag.replace("{GH}", str(G[kind] * H))
        assert frag in msg, f"{frag!r} not in {msg!r}"


def test_at_least_15_shape_naming_cases_per_layer_class():
    shape_cases = [c for c in CASES if any(re.search(r"\(\d", f) or "shape" in f for f in c[3])]
    assert len(shape_cases) >= 15


@pytest.mark.parametrize("kind", KINDS)
def test_state_container_errors(kind):
    m = layer(kind)
    if kind == "lstm":
        with pytest.raises(TypeError, match=r"state must be None or a pair \(h, c\) of arrays of shape \(L\*D, B, H\)"):
            m.forward(x_ok(), np.zeros((1, B, H)))
        with pytest.raises(ValueError, match=r"c0 must have shape \(L\*D=1, B=2, H=4\), got \(1, 2, 3\)"):
            m.forward(x_ok(), (np.zeros((1, B, H)), np.zeros((1, B, 3))))
    else:  # a (h, c) pair is not an h
        with pytest.raises(ValueError, match=r"h0 must have shape \(L\*D=1, B=2, H=4\), got \(2, 1, 2, 4\)"):
            m.forward(x_ok(), good_state("lstm"))


def test_bad_constructor_options():
    with pytest.raises(ValueError, match="variant must be one of"):
        lr.LSTM(I, H, variant="forgetful")
    with pytest.raises(ValueError, match="init must be 'pytorch' or 'orthogonal'"):
        lr.GRU(I, H, init="xavier")
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu'"):
        lr.RNN(I, H, nonlinearity="sigmoid")
