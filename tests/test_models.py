"""SequenceModel (end-to-end gradcheck, heads, parameters) and train (clipping, evaluation, early stop)."""
import numpy as np
import pytest

import lstm_ref as lr
from lstm_ref.core.finite_diff import numerical_gradient
from lstm_ref.training.io import load_params, save_params
from lstm_ref import SequenceModel, train
from lstm_ref import IGNORE_INDEX, SGD, Adam, grad_norm

T, B, I, H, O = 4, 3, 3, 3, 2

CONFIGS = [
    # kind, head, loss, num_layers, bidirectional, vocab_size, layer kwargs
    ("lstm", "last", "mse", 1, False, None, {}),
    ("lstm", "final", "xent", 2, True, None, {}),
    ("lstm", "all", "xent", 1, True, 5, {}),
    ("lstm", "last", "xent", 1, False, None, {"variant": "peephole", "forget_bias": 1.0}),
    ("lstm", "final", "mse", 1, True, None, {"variant": "coupled"}),
    ("lstm", "all", "mse", 1, False, None, {"variant": "no_forget", "init": "orthogonal"}),
    ("gru", "final", "mse", 1, True, None, {}),
    ("gru", "all", "xent", 2, False, 4, {"reset_after": False}),
    ("rnn", "last", "xent", 1, True, None, {}),
    ("rnn", "all", "mse", 2, True, None, {}),
]


def _ids(cfg):
    kind, head, loss, L, bi, vocab, kw = cfg
    extra = "-".join(f"{k}={v}" for k, v in kw.items())
    return f"{kind}-{head}-{loss}-L{L}-{'bi' if bi else 'uni'}" + (f"-vocab{vocab}" if vocab else "") + (
        f"-{extra}" if extra else "")


def make_batch(model, seed=1, T=T, B=B):
    r = np.random.default_rng(seed)
    if model.vocab_size is not None:
        x = r.integers(0, model.vocab_size, size=(T, B))
    else:
        x = r.standard_normal((T, B, model.input_size))
    out_shape = (T, B) if model.head == "all" else (B,)
    if model.loss == "xent":
        y = r.integers(0, model.output_size, size=out_shape)
    else:
        y = r.standard_normal(out_shape + (model.output_size,))
    return x, y


# Round-off floor of the numerical gradient: with the six-point central difference and
# eps=1e-3 the absolute error of the estimate is ~1e-13 in float64 for these losses of size ~1
# (measured max 2.4e-13 over all configurations below). An entry of size 5e-8 therefore cannot
# show a relative error below 1e-7 however right it is, so each entry must satisfy
#     |a - b| / max(1e-8, |a| + |b|) <= 1e-7   (gradcheck's measure)   or   |a - b| <= 1e-12.
# The second branch only ever applies to entries with |a| + |b| < 1e-5.
REL_TOL, ABS_FLOOR = 1e-7, 1e-12


def loss_of_params(model, x, y, mask=None):
    """f(**params) -> the model's loss with those parameter values copied in (for gradcheck)."""
    params = model.params

    def f(**p):
        for k, v in p.items():
            np.copyto(params[k], v)
        return model.loss_value(x, y, mask=mask)

    return f


def assert_gradients_match(f, inputs, analytic):
    for name, a in analytic.items():
        num = numerical_gradient(f, inputs, name, eps=1e-3, order=6)
        err = np.abs(a - num)
        rel = err / np.maximum(1e-8, np.abs(a) + np.abs(num))
        ok = (rel <= REL_TOL) | (err <= ABS_FLOOR)
        if not ok.all():
            i = np.unravel_index(np.argmax(np.where(ok, 0, rel)), rel.shape)
            raise AssertionError(f"{name}{i}: analytic {a[i]!r}, numerical {num[i]!r}, rel {rel[i]:.3g}")
    f(**inputs)  # leave the model at the unperturbed point


def test_gradient_assertion_catches_small_errors():
    model = SequenceModel("lstm", I, H, O, head="final", loss="xent", bidirectional=True, seed=3)
    x, y = make_batch(model)
    _, grads = model.loss_and_grads(x, y)

    f = loss_of_params(model, x, y)

    k = "rnn.weight_hh_l0"
    i = np.unravel_index(np.argmax(np.abs(grads[k])), grads[k].shape)
    wrong = dict(grads)
    wrong[k] = grads[k].copy()
    wrong[k][i] *= 1 + 1e-6
    p0 = model.state_dict()
    with pytest.raises(AssertionError, match=r"rnn.weight_hh_l0"):
        assert_gradients_match(f, p0, {k: wrong[k]})
    assert_gradients_match(f, p0, {k: grads[k]})


@pytest.mark.parametrize("cfg", CONFIGS, ids=_ids)
def test_gradcheck_end_to_end(cfg):
    kind, head, loss, L, bi, vocab, kw = cfg
    model = SequenceModel(kind, I, H, O, head=head, loss=loss, num_layers=L, bidirectional=bi,
                          vocab_size=vocab, seed=3, **kw)
    x, y = make_batch(model)
    value, grads = model.loss_and_grads(x, y)
    assert set(grads) == set(model.params)
    for k, g in grads.items():
        assert g.shape == model.params[k].shape and g.dtype == np.float64, k

    f = loss_of_params(model, x, y)

    assert f(**model.state_dict()) == value
    assert_gradients_match(f, model.state_dict(), grads)


def test_gradcheck_with_ignored_targets_and_mask():
    model = SequenceModel("lstm", I, H, O, head="all", loss="xent", bidirectional=True, seed=4)
    x, y = make_batch(model, seed=2)
    y[-1] = IGNORE_INDEX
    mask = np.ones(y.shape)
    mask[0, 0] = 0.0
    loss, grads = model.loss_and_grads(x, y, mask=mask)

    f = loss_of_params(model, x, y, mask)

    assert_gradients_match(f, model.state_dict(), grads)
    # the ignored and masked positions do not influence the loss at all
    y2 = y.copy()
    y2[-1] = 0
    y2[0, 0] = (y[0, 0] + 1) % O
    assert model.loss_value(x, np.where(y == IGNORE_INDEX, IGNORE_INDEX, y2), mask=mask) == loss


def test_backward_returns_dx_that_passes_gradcheck():
    model = SequenceModel("gru", I, H, O, head="final", loss="mse", bidirectional=True, seed=5)
    x, y = make_batch(model)

    def f(x):
        return model.loss_value(x, y)

    out = model.forward(x)
    _, dout = lr.mse(out, y)
    dx = model.backward(dout)
    assert dx.shape == x.shape
    assert_gradients_match(f, {"x": x}, {"x": dx})


def test_heads_select_the_documented_features():
    x = np.random.default_rng(0).standard_normal((5, 2, I))
    for kind in ("lstm", "gru", "rnn"):
        m_last = SequenceModel(kind, I, H, O, head="last", bidirectional=True, seed=1)
        m_final = SequenceModel(kind, I, H, O, head="final", bidirectional=True, seed=1)
        m_all = SequenceModel(kind, I, H, O, head="all", bidirectional=True, seed=1)
        y, state = m_last.rnn.forward(x)
        h_n = state[0] if kind == "lstm" else state
        W, b = m_last.head_layer.params["weight"], m_last.head_layer.params["bias"]
        # "last": y[-1] = [h_fwd_T, h_bwd_T]
        np.testing.assert_allclose(m_last.predict(x), y[-1] @ W.T + b, atol=1e-14)
        # "final": [h_fwd_T, h_bwd_1]: the backward half is its state after reading all of x
        sentence = np.concatenate([y[-1, :, :H], y[0, :, H:]], axis=-1)
        np.testing.assert_allclose(np.concatenate([h_n[0], h_n[1]], axis=-1), sentence, atol=1e-15)
        np.testing.assert_allclose(m_final.predict(x), sentence @ W.T + b, atol=1e-14)
        assert not np.allclose(m_final.predict(x), m_last.predict(x))
        # "all": every step
        np.testing.assert_allclose(m_all.predict(x), y @ W.T + b, atol=1e-14)
    # unidirectional: "final" and "last" coincide
    a = SequenceModel("lstm", I, H, O, head="last", num_layers=2, seed=2).predict(x)
    c = SequenceModel("lstm", I, H, O, head="final", num_layers=2, seed=2).predict(x)
    np.testing.assert_allclose(a, c, atol=1e-15)


def test_parameters_names_seeds_and_views():
    m = SequenceModel("lstm", I, H, O, vocab_size=7, num_layers=2, bidirectional=True, seed=11)
    names = list(m.params)
    assert names[0] == "embed.weight" and names[-2:] == ["head.weight", "head.bias"]
    assert "rnn.weight_hh_l1_reverse" in names
    assert m.params["embed.weight"].shape == (7, I)
    assert m.params["head.weight"].shape == (O, 2 * H)
    assert m.num_params() == sum(v.size for v in m.params.values())
    # the recurrent layer is the one lr.LSTM builds with the same seed
    ref = lr.LSTM(I, H, num_layers=2, bidirectional=True, seed=11)
    for k, v in ref.params.items():
        np.testing.assert_array_equal(m.params["rnn." + k], v)
    other = SequenceModel("lstm", I, H, O, vocab_size=7, num_layers=2, bidirectional=True, seed=12)
    assert not np.array_equal(other.params["head.weight"], m.params["head.weight"])
    # params are the layers' arrays: an in-place update changes the model
    x, _ = make_batch(m)
    before = m.predict(x)
    m.params["head.bias"] += 1.0
    np.testing.assert_allclose(m.predict(x), before + 1.0, atol=1e-12)


def test_optimiser_step_through_model_params_lowers_the_loss():
    m = SequenceModel("gru", I, H, O, head="last", loss="mse", seed=6)
    x, y = make_batch(m, B=8)
    loss0, grads = m.loss_and_grads(x, y)
    SGD(lr=0.05).step(m.params, grads)
    assert m.loss_value(x, y) < loss0


def test_state_dict_round_trip_through_npz(tmp_path):
    m = SequenceModel("lstm", I, H, O, vocab_size=6, head="all", loss="xent", seed=7)
    x, _ = make_batch(m)
    path = save_params(tmp_path / "model.npz", m.state_dict())
    fresh = SequenceModel("lstm", I, H, O, vocab_size=6, head="all", loss="xent", seed=8)
    assert not np.allclose(fresh.predict(x), m.predict(x))
    fresh.load_state_dict(load_params(path))
    np.testing.assert_array_equal(fresh.predict(x), m.predict(x))
    bad = load_params(path)
    bad["rnn.weight_ih_l9"] = bad.pop("rnn.weight_ih_l0")
    with pytest.raises(ValueError, match=r"unknown keys \['rnn.weight_ih_l9'\].*missing keys \['rnn.weight_ih_l0'\]"):
        fresh.load_state_dict(bad)
    bad = load_params(path)
    bad["head.bias"] = np.zeros(O + 1)
    with pytest.raises(ValueError, match=r"head.bias.*\(2,\).*\(3,\)"):
        fresh.load_state_dict(bad)


def test_float32_model():
    m = SequenceModel("lstm", I, H, O, head="all", dtype=np.float32, seed=0)
    x = np.random.default_rng(0).standard_normal((T, B, I)).astype(np.float32)
    y = np.zeros((T, B, O), np.float32)
    loss, grads = m.loss_and_grads(x, y)
    assert all(g.dtype == np.float32 for g in grads.values())
    m64 = SequenceModel("lstm", I, H, O, head="all", seed=0)
    loss64, _ = m64.loss_and_grads(x.astype(np.float64), y.astype(np.float64))
    assert abs(loss - loss64) < 1e-5
    with pytest.raises(TypeError, match="float64"):
        m.loss_and_grads(x.astype(np.float64), y)


def test_model_validation():
    with pytest.raises(ValueError, match="kind"):
        SequenceModel("transformer", I, H, O)
    with pytest.raises(ValueError, match="head"):
        SequenceModel("lstm", I, H, O, head="mean")
    with pytest.raises(ValueError, match="loss"):
        SequenceModel("lstm", I, H, O, loss="hinge")
    m = SequenceModel("lstm", I, H, O, head="last", loss="mse")
    x = np.zeros((T, B, I))
    with pytest.raises(ValueError, match=r"y must have the shape of the model output \(3, 2\).*got \(3,\)"):
        m.loss_and_grads(x, np.zeros(B))
    mx = SequenceModel("lstm", I, H, O, head="all", loss="xent")
    with pytest.raises(ValueError, match=r"y must be integer class ids of shape \(4, 3\)"):
        mx.loss_and_grads(x, np.zeros(B, int))
    with pytest.raises(ValueError, match="x must have shape"):
        m.predict(np.zeros((T, B, I + 1)))
    me = SequenceModel("lstm", I, H, O, vocab_size=5)
    with pytest.raises(ValueError, match=r"x must be integer token ids of shape \(T, B\)"):
        me.predict(np.zeros((T, B, I), int))
    with pytest.raises(TypeError, match="integer"):
        me.predict(np.zeros((T, B)))
    with pytest.raises(ValueError, match="T=0"):
        m.predict(np.zeros((0, B, I)))
    with pytest.raises(ValueError, match="before forward"):
        SequenceModel("gru", I, H, O).backward(np.zeros((B, O)))


def test_model_never_mutates_inputs():
    m = SequenceModel("lstm", I, H, O, head="all", loss="xent", bidirectional=True)
    x, y = make_batch(m)
    x0, y0 = x.copy(), y.copy()
    m.loss_and_grads(x, y)
    assert np.array_equal(x, x0) and np.array_equal(y, y0)


# --- train ----------------------------------------------------------------------------------------

def test_train_learns_the_adding_problem():
    model = SequenceModel("lstm", 2, 16, 1, head="last", loss="mse", seed=0)
    xe, ye = lr.adding_problem(500, 10, seed=999)
    hist = train(model, lambda s: lr.adding_problem(32, 10, seed=s), 800, Adam(lr=1e-2), clip=1.0,
                 eval_fn=lambda m: m.loss_value(xe, ye), eval_every=50, target=0.02)
    baseline = lr.adding_baseline_mse("uniform")
    assert hist["reached"] is not None and hist["eval"][-1] <= 0.02 < baseline / 8
    assert hist["eval"][0] > 0.1  # it did start near the mean baseline 1/6
    assert hist["step"][-1] == hist["reached"] == hist["eval_step"][-1]


def test_train_history_and_eval_schedule():
    model = SequenceModel("rnn", I, H, O, seed=1)
    batches = {}

    def batch_fn(s):
        batches[s] = True
        return make_batch(model, seed=s)

    calls = []

    def eval_fn(m):
        calls.append(1)
        return float(len(calls))

    hist = train(model, batch_fn, 23, SGD(lr=0.01), eval_fn=eval_fn, eval_every=10)
    assert sorted(batches) == list(range(23))
    np.testing.assert_array_equal(hist["step"], np.arange(1, 24))
    np.testing.assert_array_equal(hist["eval_step"], [10, 20, 23])
    np.testing.assert_array_equal(hist["eval"], [1.0, 2.0, 3.0])
    assert hist["loss"].shape == (23,) and hist["grad_norm"].shape == (23,)
    assert np.all(hist["grad_norm"] > 0)
    assert hist["reached"] is None and hist["diverged"] is None
    # the recorded loss and norm are those of the batch before the update
    fresh = SequenceModel("rnn", I, H, O, seed=1)
    loss, grads = fresh.loss_and_grads(*make_batch(fresh, seed=0))
    assert hist["loss"][0] == loss and hist["grad_norm"][0] == grad_norm(grads)


def test_train_stops_at_target():
    model = SequenceModel("gru", I, H, O, seed=2)
    values = iter([0.9, 0.5, 0.1, 0.05])
    hist = train(model, lambda s: make_batch(model, seed=s), 100, SGD(lr=0.01),
                 eval_fn=lambda m: next(values), eval_every=5, target=0.2)
    assert hist["reached"] == 15
    assert len(hist["step"]) == 15
    np.testing.assert_array_equal(hist["eval"], [0.9, 0.5, 0.1])


def test_train_clips_the_update_to_the_max_norm():
    model = SequenceModel("lstm", I, H, O, seed=3)
    x, y = make_batch(model, B=4)
    _, grads = SequenceModel("lstm", I, H, O, seed=3).loss_and_grads(x, y)
    norm = grad_norm(grads)
    c = norm / 10
    before = model.state_dict()
    hist = train(model, lambda s: (x, y), 1, SGD(lr=1.0), clip=c)
    step = {k: before[k] - v for k, v in model.params.items()}
    assert abs(grad_norm(step) - c) < 1e-12 * norm
    assert hist["grad_norm"][0] == norm  # the history keeps the norm before clipping
    for k in grads:  # same direction as the raw gradient
        np.testing.assert_allclose(step[k], grads[k] * (c / norm), atol=1e-15)


def test_train_passes_masks_from_three_tuples():
    model = SequenceModel("lstm", 4, H, 4, head="all", loss="xent", bidirectional=True, seed=4)
    x, y, mask = lr.future_tagging(8, 6, 4, k=1, seed=0)
    hist = train(model, lambda s: (x, y, mask), 2, SGD(lr=0.1))
    assert hist["loss"][0] == SequenceModel("lstm", 4, H, 4, head="all", loss="xent", bidirectional=True,
                                            seed=4).loss_value(x, y, mask=mask)


class _Exploding:
    """A stand-in model whose loss becomes NaN at the third batch."""

    def __init__(self):
        self.params = {"w": np.zeros(2)}

    def loss_and_grads(self, x, y):
        loss = float("nan") if x == 2 else 1.0
        return loss, {"w": np.ones(2)}


def test_train_stops_when_the_loss_diverges():
    model = _Exploding()
    hist = train(model, lambda s: (s, None), 10, SGD(lr=0.5))
    assert hist["diverged"] == 3
    assert len(hist["loss"]) == 3 and np.isnan(hist["loss"][-1])
    np.testing.assert_array_equal(model.params["w"], [-1.0, -1.0])  # two updates, the NaN one skipped


def test_train_with_progress_bar(capsys):
    model = SequenceModel("rnn", I, H, O, seed=5)
    hist = train(model, lambda s: make_batch(model, seed=s), 3, SGD(lr=0.01), progress=True)
    assert len(hist["step"]) == 3


def test_train_validation():
    model = SequenceModel("rnn", I, H, O)
    with pytest.raises(ValueError, match="eval_fn"):
        train(model, lambda s: make_batch(model), 3, SGD(), target=0.1)
    with pytest.raises(ValueError, match="clip"):
        train(model, lambda s: make_batch(model), 3, SGD(), clip=0.0)
    with pytest.raises(ValueError, match="eval_every"):
        train(model, lambda s: make_batch(model), 3, SGD(), eval_every=0)


def test_continual_stream_needs_the_forget_gate():
    """The design goal of lr.continual_stream: a tiny LSTM with forget gate passes 95 % within a
    small budget; the same LSTM without forget gate (f = 1) does not, and its cells grow."""
    xe, ye = lr.continual_stream(50, 400, seed=12345)
    results = {}
    for variant in ("vanilla", "no_forget"):
        model = SequenceModel("lstm", 2, 4, 2, head="all", loss="xent", seed=0, variant=variant,
                              forget_bias=1.0)
        train(model, lambda s: lr.continual_stream(16, 100, seed=s), 300, Adam(lr=1e-2), clip=1.0)
        _, (_, c_n) = model.rnn.forward(xe)
        results[variant] = (lr.accuracy(model.predict(xe), ye), float(np.abs(c_n).max()))
    assert results["vanilla"][0] > 0.95, results
    assert results["no_forget"][0] < 0.95, results
    assert results["no_forget"][1] > 10 * results["vanilla"][1], results
