"""Parity with torch.nn.RNN / nn.LSTM / nn.GRU on copied weights (float64: ≤ 1e-10 absolute).

Where torch is importable the layers are compared with it live (tests marked ``torch``); where it is
not, those tests skip with the install command, and the golden arrays in tests/data (written from
torch by scripts/make_golden.py) are compared instead, so parity is checked either way.
"""
import pathlib

import numpy as np
import pytest

import lstm_ref as lr

try:
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None

TORCH_MISSING = ("PyTorch is not installed, so lstm_ref is compared with the golden arrays in tests/data "
                 "only; to run the live parity tests: make setup-dev (torch==2.13.0+cpu; README, Locked versions)")
ATOL = 1e-10
DATA = pathlib.Path(__file__).parent / "data"
CLS = {"lstm": lr.LSTM, "gru": lr.GRU, "rnn": lr.RNN}


@pytest.fixture
def tc():
    if torch is None:
        pytest.skip(TORCH_MISSING)
    return torch


def compare_with_torch(tc, kind, L, bi, dtype=np.float64, T=6, B=3, I=4, H=5, seed=0, **kw):
    """Run torch and lstm_ref on the same weights and data; return {quantity: max abs difference}."""
    tdt = tc.float64 if dtype == np.float64 else tc.float32
    tc.manual_seed(seed)
    m = {"lstm": tc.nn.LSTM, "gru": tc.nn.GRU, "rnn": tc.nn.RNN}[kind](I, H, num_layers=L, bidirectional=bi,
                                                                      dtype=tdt, **kw)
    ours = CLS[kind](I, H, num_layers=L, bidirectional=bi, dtype=dtype, seed=seed + 1, **kw)
    ours.load_state_dict(m.state_dict())                  # torch tensors are accepted directly
    D = 2 if bi else 1
    r = np.random.default_rng(seed)
    a = {k: r.standard_normal(s).astype(dtype) for k, s in
         (("x", (T, B, I)), ("h0", (L * D, B, H)), ("c0", (L * D, B, H)), ("dy", (T, B, D * H)),
          ("dh", (L * D, B, H)), ("dc", (L * D, B, H)))}
    t = {k: tc.tensor(v, requires_grad=k in ("x", "h0", "c0")) for k, v in a.items()}
    if kind == "lstm":
        yt, (ht, ct) = m(t["x"], (t["h0"], t["c0"]))
        ((yt * t["dy"]).sum() + (ht * t["dh"]).sum() + (ct * t["dc"]).sum()).backward()
        y, (h, c) = ours.forward(a["x"], (a["h0"], a["c0"]))
        dx, (dh0, dc0) = ours.backward(a["dy"], (a["dh"], a["dc"]))
        pairs = {"y": (y, yt), "h_n": (h, ht), "c_n": (c, ct), "dx": (dx, t["x"].grad),
                 "dh0": (dh0, t["h0"].grad), "dc0": (dc0, t["c0"].grad)}
    else:
        yt, ht = m(t["x"], t["h0"])
        ((yt * t["dy"]).sum() + (ht * t["dh"]).sum()).backward()
        y, h = ours.forward(a["x"], a["h0"])
        dx, dh0 = ours.backward(a["dy"], a["dh"])
        pairs = {"y": (y, yt), "h_n": (h, ht), "dx": (dx, t["x"].grad), "dh0": (dh0, t["h0"].grad)}
    named = dict(m.named_parameters())
    assert list(named) == list(ours.grads)
    pairs.update({"grad " + k: (ours.grads[k], p.grad) for k, p in named.items()})
    diffs = {}
    for name, (ours_v, torch_v) in pairs.items():
        torch_v = torch_v.detach().numpy()
        assert ours_v.shape == torch_v.shape and ours_v.dtype == torch_v.dtype, name
        diffs[name] = float(np.max(np.abs(ours_v - torch_v)))
    return diffs


LIVE = [(kind, L, bi, {}) for kind in ("lstm", "gru", "rnn") for L in (1, 2) for bi in (False, True)]
LIVE += [("rnn", 2, True, {"nonlinearity": "relu"})]


@pytest.mark.torch
@pytest.mark.parametrize("kind,L,bi,kw", LIVE,
                         ids=[f"{k}-L{L}-{'bi' if bi else 'uni'}{'-relu' if kw else ''}" for k, L, bi, kw in LIVE])
def test_float64_parity_with_torch(tc, kind, L, bi, kw):
    diffs = compare_with_torch(tc, kind, L, bi, **kw)
    assert max(diffs.values()) <= ATOL, diffs


@pytest.mark.torch
@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_float32_parity_with_torch(tc, kind):
    diffs = compare_with_torch(tc, kind, 2, True, dtype=np.float32, T=8, B=4, I=6, H=7, seed=3)
    assert max(diffs.values()) <= 2e-5, diffs


@pytest.mark.torch
def test_long_sequence_and_larger_batch(tc):
    diffs = compare_with_torch(tc, "lstm", 1, True, T=60, B=5, I=3, H=8, seed=4)
    assert max(diffs.values()) <= ATOL, diffs


@pytest.mark.torch
def test_torch_init_distribution_matches_lstm_ref(tc):
    """Both draw every weight from U(-1/sqrt(H), 1/sqrt(H)): same bound, same variance 1/(3H)."""
    H = 64
    ours = np.concatenate([v.ravel() for v in lr.LSTM(32, H, forget_bias=None, seed=0).params.values()])
    theirs = np.concatenate([p.detach().numpy().ravel() for p in tc.nn.LSTM(32, H).parameters()])
    for v in (ours, theirs):
        assert np.max(np.abs(v)) <= 1 / np.sqrt(H)
        assert abs(np.var(v) * 3 * H - 1) < 0.05


# --- golden arrays: parity without torch -----------------------------------------------------------------

GOLDEN = sorted(DATA.glob("golden_*.npz"))


def test_golden_files_exist():
    assert len(GOLDEN) >= 4, "run scripts/make_golden.py"


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_parity(path):
    with np.load(path, allow_pickle=False) as z:
        g = {k: z[k] for k in z.files}
    kind, L, bi, nonlin, _ = (str(v) for v in g["config"])
    L, bi = int(L), bi == "True"
    T, B, I = g["x"].shape
    H = g["h0"].shape[2]
    layer = CLS[kind](I, H, num_layers=L, bidirectional=bi, **({"nonlinearity": nonlin} if nonlin else {}))
    shapes = {k: v.shape for k, v in layer.params.items()}
    names = [str(n) for n in g["param_names"]]
    assert names == list(shapes)
    split = np.cumsum([int(np.prod(s)) for s in shapes.values()])[:-1]
    params = {k: v.reshape(shapes[k]) for k, v in zip(names, np.split(g["params"], split))}
    grads = {k: v.reshape(shapes[k]) for k, v in zip(names, np.split(g["grads"], split))}
    layer.load_state_dict(params)
    if kind == "lstm":
        y, (h_n, c_n) = layer.forward(g["x"], (g["h0"], g["c0"]))
        dx, (dh0, dc0) = layer.backward(g["dy"], (g["dh_n"], g["dc_n"]))
        got = {"y": y, "h_n": h_n, "c_n": c_n, "dx": dx, "dh0": dh0, "dc0": dc0}
    else:
        y, h_n = layer.forward(g["x"], g["h0"])
        dx, dh0 = layer.backward(g["dy"], g["dh_n"])
        got = {"y": y, "h_n": h_n, "dx": dx, "dh0": dh0}
    diffs = {k: float(np.max(np.abs(v - g[k]))) for k, v in got.items()}
    diffs.update({"grad " + k: float(np.max(np.abs(layer.grads[k] - grads[k]))) for k in names})
    assert max(diffs.values()) <= ATOL, diffs
