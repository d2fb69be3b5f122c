"""Contracts of the training modules (losses, clipping, optimisers, io, modules, models, loop) at their edges.

Each test checks a statement of a docstring against an independent computation or the exact text
of an error message (bad input gets a message naming the argument, the expected and the actual
value): the smallest and largest allowed arguments, dtypes kept through a computation, what the
training loop records at each step.
"""
import warnings

import numpy as np
import pytest

import lstm_ref as lr
from lstm_ref.training import loop


def full(text):
    """A regular expression that matches exactly ``text``."""
    import re
    return "^" + re.escape(text) + "$"


# ------------------------------------------------------------------------------ losses

def test_cross_entropy_messages_name_the_argument():
    with pytest.raises(TypeError, match=r"^logits must be a float32 or float64 array"):
        lr.softmax_cross_entropy(np.zeros((2, 3), dtype=np.int64), np.zeros(2, dtype=np.int64))
    with pytest.raises(ValueError, match=full("logits must have shape (..., K), got ()")):
        lr.softmax_cross_entropy(np.float64(1.0), np.zeros((), dtype=np.int64))
    with pytest.raises(ValueError, match=full("targets must have shape (2,) (logits without the class axis), got (3,)")):
        lr.softmax_cross_entropy(np.zeros((2, 4)), np.zeros(3, dtype=np.int64))
    with pytest.raises(TypeError, match=full("targets must be an integer array of class ids, got dtype float64")):
        lr.softmax_cross_entropy(np.zeros((2, 4)), np.zeros(2))
    # the first bad target is named, also when there are several
    with pytest.raises(ValueError, match=full("targets must lie in [0, 4) or equal ignore_index=-100, got 7")):
        lr.softmax_cross_entropy(np.zeros((3, 4)), np.array([1, 7, 9]))
    with pytest.raises(ValueError, match=full("softmax_cross_entropy: no position has a target (all ignored or masked)")):
        lr.softmax_cross_entropy(np.zeros((2, 4)), np.array([1, 2]), mask=np.zeros(2))
    with pytest.raises(ValueError, match=full("mask must have shape (2,), got (3,)")):
        lr.softmax_cross_entropy(np.zeros((2, 4)), np.array([1, 2]), mask=np.ones(3))
    with pytest.raises(TypeError, match=full("mask must be a bool or numeric array, got dtype <U1")):
        lr.softmax_cross_entropy(np.zeros((2, 4)), np.array([1, 2]), mask=np.array(["a", "b"]))
    with pytest.raises(ValueError, match=full("accuracy: no position has a target")):
        lr.accuracy(np.zeros((2, 4)), np.full(2, lr.IGNORE_INDEX))


def test_mse_messages_name_the_argument():
    with pytest.raises(TypeError, match=r"^pred must be a float32 or float64 array"):
        lr.mse(np.zeros(3, dtype=np.int64), np.zeros(3))
    with pytest.raises(TypeError, match=full("target must be a numeric array, got dtype <U1")):
        lr.mse(np.zeros(2), np.array(["a", "b"]))
    with pytest.raises(ValueError, match=full("target must have the shape of pred (2,), got (3,)")):
        lr.mse(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match=full("mse of empty arrays")):
        lr.mse(np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match=full("mse: the mask leaves no entry")):
        lr.mse(np.zeros(2), np.zeros(2), mask=np.zeros(2))


def test_cross_entropy_with_one_class_and_ignored_positions():
    # K = 1: every valid position is certain (loss 0, gradient 0); ignored positions never index a class
    loss, d = lr.softmax_cross_entropy(np.array([[0.3], [5.0], [-2.0]]), np.array([0, lr.IGNORE_INDEX, 0]))
    assert loss == 0.0 and d.shape == (3, 1) and not d.any()


def test_cross_entropy_of_extreme_logits_raises_no_warning():
    logits = np.array([[1e308, -1e308, 0.0], [-1e308, 1e308, 1e308]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, d = lr.softmax_cross_entropy(logits, np.array([0, 1]))
    assert loss == pytest.approx(np.log(2) / 2, rel=1e-12)
    np.testing.assert_allclose(d, [[0, 0, 0], [0, -0.25, 0.25]], atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_masked_losses_keep_the_dtype_of_their_input(dtype):
    r = np.random.default_rng(0)
    pred, target = r.normal(size=(4, 3)).astype(dtype), r.normal(size=(4, 3))
    mask = (r.random((4, 3)) > 0.3).astype(np.float64)
    loss, d = lr.mse(pred, target, mask=mask)
    assert d.dtype == dtype
    diff = pred.astype(np.float64) - target.astype(dtype)
    assert loss == pytest.approx((mask * diff ** 2).sum() / mask.sum(), rel=1e-6)
    logits, t = r.normal(size=(4, 5)).astype(dtype), r.integers(0, 5, 4)
    loss, d = lr.softmax_cross_entropy(logits, t, mask=np.array([1.0, 0.0, 2.0, 1.0]))
    assert d.dtype == dtype and isinstance(loss, float)


# ------------------------------------------------------------------------------ clipping, optimisers, io

def test_clip_and_optimiser_messages_name_the_argument():
    with pytest.raises(TypeError, match=full("grads must be a dict of name -> array, got list")):
        lr.grad_norm([np.zeros(2)])
    with pytest.raises(ValueError, match=full("max_norm must be > 0, got 0")):
        lr.clip_grad_norm({"a": np.ones(2)}, 0)
    with pytest.raises(ValueError, match=full("clip_value must be > 0, got -1")):
        lr.clip_grad_value({"a": np.ones(2)}, -1)
    with pytest.raises(ValueError, match=full("lr must be > 0, got 0")):
        lr.SGD(lr=0)
    with pytest.raises(ValueError, match=full("momentum must be in [0, 1), got 1.0")):
        lr.SGD(momentum=1.0)
    with pytest.raises(ValueError, match=full("betas must lie in [0, 1), got (0.9, 1.0)")):
        lr.Adam(betas=(0.9, 1.0))
    p = {"w": np.zeros(2)}
    opt = lr.SGD()
    with pytest.raises(TypeError, match=full("params and grads must be dicts of name -> array")):
        opt.step(p, [np.zeros(2)])
    with pytest.raises(ValueError, match=full("grads has key 'v' that is not in params (keys ['w'])")):
        opt.step(p, {"v": np.zeros(2)})
    with pytest.raises(TypeError, match=full("params['w'] must be a float32 or float64 numpy array")):
        opt.step({"w": [0.0, 0.0]}, {"w": np.zeros(2)})
    with pytest.raises(ValueError, match=full("grads['w'] must have shape (2,) (the parameter's), got (3,)")):
        opt.step(p, {"w": np.zeros(3)})
    with pytest.raises(TypeError, match=full("grads['w'] has dtype float32 but params['w'] is float64; "
                                             "mixing dtypes is not allowed")):
        opt.step(p, {"w": np.zeros(2, dtype=np.float32)})


def test_io_messages_name_the_argument(tmp_path):
    with pytest.raises(TypeError, match=full("state_dict must be a dict of arrays, got list")):
        lr.training.io.copy_params_into({"w": np.zeros(2)}, [np.zeros(2)])
    with pytest.raises(TypeError, match=full("params keys must be non-empty strings, got ''")):
        lr.save_params(tmp_path / "a", {"": np.zeros(2)})
    with pytest.raises(TypeError, match=full("params['w'] must be a numeric array, got dtype <U1")):
        lr.save_params(tmp_path / "a", {"w": np.array(["x"])})


def test_copy_params_into_casts_to_each_parameter_dtype_in_place():
    params = {"a": np.zeros(3, dtype=np.float32), "b": np.zeros((2, 2))}
    a, b = params["a"], params["b"]
    src = {"a": np.array([1.0, 2.0, 1 / 3]), "b": np.arange(4, dtype=np.float32).reshape(2, 2)}
    lr.training.io.copy_params_into(params, src)
    assert params["a"] is a and params["b"] is b                # the model's own arrays
    assert a.dtype == np.float32 and a[2] == np.float32(1 / 3)
    np.testing.assert_array_equal(b, [[0, 1], [2, 3]])
    src["b"][0, 0] = 9                                          # copied, not shared
    assert b[0, 0] == 0


# ------------------------------------------------------------------------------ Linear, Embedding

def test_linear_and_embedding_initialisation_is_pytorchs():
    lin = lr.Linear(25, 400, seed=3)
    for w in lin.params.values():                               # U(-1/sqrt(in), 1/sqrt(in)) = U(-0.2, 0.2)
        assert w.min() >= -0.2 and w.max() <= 0.2 and w.max() > 0.19 and w.min() < -0.19
    w = lin.params["weight"]
    assert abs(w.var() - 0.2 ** 2 / 3) < 0.002 and abs(w.mean()) < 0.005
    assert not np.allclose(lr.Linear(25, 400, seed=4).params["weight"], w)
    np.testing.assert_array_equal(lr.Linear(25, 400, seed=3).params["bias"], lin.params["bias"])
    assert not np.allclose(lin.params["bias"], w[:, 0])         # weight and bias are different draws
    emb = lr.Embedding(300, 20, seed=1).params["weight"]
    assert emb.shape == (300, 20) and abs(emb.mean()) < 0.02 and abs(emb.var() - 1) < 0.03
    for layer in (lr.Linear(3, 2), lr.Embedding(3, 2)):
        np.testing.assert_array_equal(layer.params["weight"], type(layer)(3, 2, seed=0).params["weight"])
        assert all(not g.any() and g.shape == layer.params[k].shape for k, g in layer.grads.items())
    assert lr.Linear(3, 2, dtype=np.float32).dtype == np.float32 == lr.Embedding(3, 2, dtype=np.float32).dtype


def test_linear_and_embedding_messages():
    with pytest.raises(ValueError, match=full("in_features and out_features must be >= 1, got 0 and 2")):
        lr.Linear(0, 2)
    with pytest.raises(ValueError, match=full("num_embeddings and dim must be >= 1, got 4 and 0")):
        lr.Embedding(4, 0)
    with pytest.raises(ValueError, match=full("Linear.backward called before forward: no cached input x")):
        lr.Linear(2, 3).backward(np.zeros(3))
    with pytest.raises(ValueError, match=full("Embedding.backward called before forward: no cached indices")):
        lr.Embedding(2, 3).backward(np.zeros(3))
    with pytest.raises(ValueError, match=full("weight must have shape (out, in), got (3,)")):
        lr.linear_forward(np.zeros(3), np.zeros(3), np.zeros(1))
    with pytest.raises(ValueError, match=full("bias must have shape (out=2,), got (3,)")):
        lr.linear_forward(np.zeros(3), np.zeros((2, 3)), np.zeros(3))
    _, cache = lr.linear_forward(np.zeros((4, 3)), np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match=full("dout must have shape (4, 2) (the shape of out), got (4, 3)")):
        lr.linear_backward(np.zeros((4, 3)), cache)
    emb = lr.Embedding(4, 2)
    with pytest.raises(ValueError, match=full("idx values must lie in [0, 4), got min 0 and max 4 (shape (2,))")):
        emb.forward(np.array([0, 4]))
    with pytest.raises(ValueError, match=full("idx values must lie in [0, 4), got min -1 and max 1 (shape (2,))")):
        emb.forward(np.array([-1, 1]))
    emb.forward(np.array([[0, 3]]))
    with pytest.raises(ValueError, match=full("de must have shape (1, 2, 2), got (2, 2)")):
        emb.backward(np.zeros((2, 2)))
    assert repr(lr.Linear(2, 3)) == "Linear(in_features=2, out_features=3, dtype=float64)"
    assert repr(lr.Embedding(5, 4, dtype=np.float32)) == "Embedding(num_embeddings=5, dim=4, dtype=float32)"


def test_linear_backward_over_leading_axes_is_the_sum_of_per_row_gradients():
    r = np.random.default_rng(0)
    x, w, b = r.normal(size=(2, 3, 4)), r.normal(size=(5, 4)), r.normal(size=5)
    dout = r.normal(size=(2, 3, 5))
    out, cache = lr.linear_forward(x, w, b)
    dx, dw, db = lr.linear_backward(dout, cache)
    rows = [(i, j) for i in range(2) for j in range(3)]
    np.testing.assert_allclose(out, np.einsum("ijk,lk->ijl", x, w) + b, rtol=1e-13)
    np.testing.assert_allclose(dw, sum(np.outer(dout[i, j], x[i, j]) for i, j in rows), rtol=1e-12)
    np.testing.assert_allclose(db, sum(dout[i, j] for i, j in rows), rtol=1e-12)
    np.testing.assert_allclose(dx, np.einsum("ijl,lk->ijk", dout, w), rtol=1e-12)


# ------------------------------------------------------------------------------ SequenceModel

def test_sequence_model_messages():
    with pytest.raises(ValueError, match=r"^kind must be one of \[.*'lstm'.*\], got 'LSTM'$"):
        lr.SequenceModel("LSTM", 2, 3, 1)
    with pytest.raises(ValueError, match=full("head must be one of ('last', 'final', 'all'), got 'first'")):
        lr.SequenceModel("lstm", 2, 3, 1, head="first")
    with pytest.raises(ValueError, match=full("loss must be one of ('mse', 'xent'), got 'l1'")):
        lr.SequenceModel("lstm", 2, 3, 1, loss="l1")
    model = lr.SequenceModel("gru", 2, 3, 1)
    with pytest.raises(ValueError, match=full("backward called before forward: run forward(x) first")):
        model.backward(np.zeros((4, 1)))
    with pytest.raises(ValueError, match=full("x must have at least one time step for head='last', got T=0")):
        model.forward(np.zeros((0, 4, 2)))
    with pytest.raises(ValueError, match=full("y must have the shape of the model output (4, 1) for loss='mse', got (4,)")):
        model.loss_and_grads(np.zeros((3, 4, 2)), np.zeros(4))
    xent = lr.SequenceModel("rnn", 2, 3, 5, loss="xent", head="all")
    with pytest.raises(ValueError, match=full("y must be integer class ids of shape (3, 4) for loss='xent', got (4,)")):
        xent.loss_and_grads(np.zeros((3, 4, 2)), np.zeros(4, dtype=np.int64))
    emb = lr.SequenceModel("lstm", 2, 3, 1, vocab_size=6)
    with pytest.raises(ValueError, match=full("x must be integer token ids of shape (T, B), got (3, 4, 2)")):
        emb.forward(np.zeros((3, 4, 2), dtype=np.int64))


def test_sequence_model_defaults_and_parts():
    model = lr.SequenceModel("lstm", 2, 3, 4)
    assert (model.head, model.loss, model.num_layers, model.bidirectional) == ("last", "mse", 1, False)
    assert model.embed is None and model.vocab_size is None and model.dtype == np.float64
    ref = lr.LSTM(2, 3, seed=0)                                  # the layer is built with the model's seed
    for k, v in ref.params.items():
        np.testing.assert_array_equal(model.params["rnn." + k], v)
    other = lr.SequenceModel("lstm", 2, 3, 4, seed=1)
    assert not np.allclose(other.params["head.weight"], model.params["head.weight"])
    # the head's seed is derived from the model seed, not equal to it
    assert not np.allclose(lr.Linear(3, 4, seed=0).params["weight"], model.params["head.weight"])
    emb = lr.SequenceModel("gru", 2, 3, 4, vocab_size=7, dtype=np.float32, bidirectional=True, num_layers=2)
    assert emb.params["embed.weight"].shape == (7, 2) and emb.params["head.weight"].shape == (4, 6)
    assert emb.vocab_size == 7 and emb.bidirectional is True and emb.num_layers == 2
    assert all(v.dtype == np.float32 for v in emb.params.values())
    assert not np.allclose(lr.Embedding(7, 2, seed=0).params["weight"], emb.params["embed.weight"].astype(np.float64))
    assert list(emb.params)[0] == "embed.weight" and list(emb.params)[-1] == "head.bias"
    assert model.num_params() == sum(v.size for v in model.params.values()) == 4 * 3 * (2 + 3) + 2 * 12 + 4 * 3 + 4


@pytest.mark.parametrize("head", ["last", "final", "all"])
def test_sequence_model_head_features_written_out(head):
    model = lr.SequenceModel("lstm", 2, 3, 4, head=head, bidirectional=True, num_layers=2, seed=2)
    x = np.random.default_rng(1).normal(size=(5, 2, 2))
    y, (h_n, _) = model.rnn.forward(x)
    feat = {"last": y[-1], "final": np.concatenate([h_n[-2], h_n[-1]], axis=-1), "all": y}[head]
    W, b = model.params["head.weight"], model.params["head.bias"]
    np.testing.assert_allclose(model.predict(x), feat @ W.T + b, rtol=1e-12)
    assert model.loss_value(x, model.predict(x)) == 0.0


# ------------------------------------------------------------------------------ the training loop

class Quadratic:
    """loss = 0.5 ||w - c||^2 on every batch: the loop's bookkeeping can be computed by hand."""

    def __init__(self, c, w0):
        self.c = np.asarray(c, dtype=np.float64)
        self.params = {"w": np.array(w0, dtype=np.float64)}

    def loss_and_grads(self, x, y):
        d = self.params["w"] - self.c
        with np.errstate(over="ignore"):                       # a diverging run overflows to inf
            return 0.5 * float(d @ d), {"w": d.copy()}


def test_train_records_every_update_and_evaluates_on_schedule():
    model = Quadratic([0.0, 0.0], [3.0, 4.0])
    evals = []
    hist = lr.train(model, lambda s: (None, None), 7, lr.SGD(lr=0.5),
                    eval_fn=lambda m: evals.append(m.params["w"].copy()) or float(np.abs(m.params["w"]).sum()),
                    eval_every=3)
    # w halves at every update: loss before update k is 0.5 * 25 / 4^(k-1), norm 5 / 2^(k-1)
    np.testing.assert_array_equal(hist["step"], np.arange(1, 8))
    np.testing.assert_allclose(hist["loss"], 12.5 / 4.0 ** np.arange(7), rtol=1e-15)
    np.testing.assert_allclose(hist["grad_norm"], 5.0 / 2.0 ** np.arange(7), rtol=1e-15)
    np.testing.assert_array_equal(hist["eval_step"], [3, 6, 7])          # every 3 updates and after the last
    np.testing.assert_allclose(hist["eval"], [7 / 8, 7 / 64, 7 / 128], rtol=1e-15)
    assert hist["reached"] is None and hist["diverged"] is None
    assert hist["step"].dtype == hist["eval_step"].dtype == np.int64
    assert hist["loss"].dtype == hist["grad_norm"].dtype == hist["eval"].dtype == np.float64
    hist = lr.train(Quadratic([0.0], [1.0]), lambda s: (None, None), 4, lr.SGD(lr=0.5), eval_fn=lambda m: 0.0)
    assert hist["eval_step"].tolist() == [4]                            # the default eval_every is 50


def test_train_stops_at_the_target_and_at_a_divergence():
    model = Quadratic([0.0], [1.0])
    hist = lr.train(model, lambda s: (None, None), 50, lr.SGD(lr=0.5),
                    eval_fn=lambda m: abs(float(m.params["w"][0])), eval_every=1, target=0.125)
    assert hist["reached"] == 3 and hist["step"][-1] == 3 and hist["eval"][-1] == 0.125   # <= target stops
    assert model.params["w"][0] == 0.125
    blowup = Quadratic([0.0], [1.0])
    hist = lr.train(blowup, lambda s: (None, None), 50, lr.SGD(lr=3e307))
    assert hist["diverged"] is not None and hist["step"][-1] == hist["diverged"]
    assert not np.isfinite(hist["loss"][-1]) or not np.isfinite(hist["grad_norm"][-1])
    assert np.isfinite(blowup.params["w"]).all()                        # the diverged update is not applied
    hist = lr.train(Quadratic([0.0], [1.0]), lambda s: (None, None), 0, lr.SGD())
    assert hist["step"].size == 0 and hist["eval"].size == 0 and hist["reached"] is None


def test_train_clips_only_above_the_threshold():
    for w0, clip, expected in (([3.0, 4.0], 1.0, [3.0 - 0.6, 4.0 - 0.8]),     # norm 5 > 1: clipped to 1
                               ([0.3, 0.4], 1.0, [0.0, 0.0]),                 # norm 0.5 <= 1: unchanged
                               ([0.6, 0.8], 1.0, [0.0, 0.0])):                # norm 1 == clip: unchanged
        model = Quadratic([0.0, 0.0], w0)
        hist = lr.train(model, lambda s: (None, None), 1, lr.SGD(lr=1.0), clip=clip)
        np.testing.assert_allclose(model.params["w"], expected, atol=1e-15)
        assert hist["grad_norm"][0] == pytest.approx(np.hypot(*w0), rel=1e-15)   # recorded before clipping


def test_train_messages_and_batches():
    model = Quadratic([0.0], [1.0])
    seen = []

    def batch_fn(s):
        seen.append(s)
        return None, None

    lr.train(model, batch_fn, 3, lr.SGD())
    assert seen == [0, 1, 2]
    with pytest.raises(ValueError, match=full("steps must be >= 0, got -1")):
        lr.train(model, batch_fn, -1, lr.SGD())
    with pytest.raises(ValueError, match=full("eval_every must be >= 1, got 0")):
        lr.train(model, batch_fn, 1, lr.SGD(), eval_every=0)
    with pytest.raises(ValueError, match=full("clip must be None or a positive max norm, got 0")):
        lr.train(model, batch_fn, 1, lr.SGD(), clip=0)
    with pytest.raises(ValueError, match=full("target needs an eval_fn to compare with")):
        lr.train(model, batch_fn, 1, lr.SGD(), target=0.1)
    lr.train(model, batch_fn, 1, lr.SGD(), eval_every=1)               # the smallest eval_every


def test_progress_enabled_follows_the_argument_then_the_environment(monkeypatch):
    assert loop.progress_enabled(True) is True and loop.progress_enabled(False) is False
    assert loop.progress_enabled(0) is False and loop.progress_enabled(1) is True
    for value, on in (("0", False), (" OFF ", False), ("No", False), ("false", False), ("1", True), ("yes", True)):
        monkeypatch.setenv("LSTM_REF_PROGRESS", value)
        assert loop.progress_enabled() is on, value
    monkeypatch.delenv("LSTM_REF_PROGRESS")
    assert loop.progress_enabled() is True
    assert loop.PROGRESS_DELAY == 3.0


def test_progress_bar_follows_the_argument_and_is_erased_at_the_end(monkeypatch, capsys):
    monkeypatch.setattr(loop, "PROGRESS_DELAY", 0.0)
    monkeypatch.setenv("LSTM_REF_PROGRESS", "0")
    lr.train(Quadratic([0.0], [1.0]), lambda s: (None, None), 3, lr.SGD(), progress=True)
    err = capsys.readouterr().err
    assert "training:" in err and "/3 [" in err                 # an explicit True wins over the environment
    assert err.endswith("\r") and not err.endswith("\n")        # the bar does not stay in the output
    monkeypatch.setenv("LSTM_REF_PROGRESS", "1")
    lr.train(Quadratic([0.0], [1.0]), lambda s: (None, None), 3, lr.SGD(), progress=False)
    assert capsys.readouterr().err == ""


def test_clip_grad_norm_uses_a_given_norm_and_scales_integer_gradients():
    grads = {"a": np.array([3.0, 4.0]), "b": np.array([[0.0]])}
    out, total = lr.clip_grad_norm(grads, 1.0, norm=10.0)       # the caller's norm is used as given
    assert total == 10.0
    np.testing.assert_allclose(out["a"], [0.3, 0.4], rtol=1e-15)
    out, total = lr.clip_grad_norm({"a": np.array([3, 4])}, 1.0)
    assert total == 5.0 and out["a"].dtype.kind == "f"
    np.testing.assert_allclose(out["a"], [0.6, 0.8], rtol=1e-15)
    same, total = lr.clip_grad_norm({"a": np.array([3, 4])}, 5.0)   # at the threshold: unchanged copy
    assert total == 5.0 and same["a"].tolist() == [3, 4]


def test_train_defaults_and_the_dtypes_of_an_empty_history():
    hist = lr.train(Quadratic([0.0], [1.0]), lambda s: (None, None), 60, lr.SGD(lr=0.01), eval_fn=lambda m: 1.0)
    assert hist["eval_step"].tolist() == [50, 60]                       # eval_every defaults to 50
    empty = lr.train(Quadratic([0.0], [1.0]), lambda s: (None, None), 0, lr.SGD())
    assert empty["step"].dtype == empty["eval_step"].dtype == np.int64
    assert empty["loss"].dtype == empty["grad_norm"].dtype == empty["eval"].dtype == np.float64


def test_progress_bar_counts_the_updates_and_shows_the_loss(monkeypatch):
    bars = []
    make = loop._progress_bar
    monkeypatch.setattr(loop, "_progress_bar", lambda total, progress: bars.append(make(total, True)) or bars[-1])
    monkeypatch.setattr(loop, "PROGRESS_DELAY", 1e9)                     # never drawn
    lr.train(Quadratic([0.0, 0.0], [3.0, 4.0]), lambda s: (None, None), 3, lr.SGD(lr=0.5))
    bar, = bars
    assert (bar.n, bar.total, bar.desc, bar.unit, bar.leave) == (3, 3, "training", "update", False)
    assert bar.delay == 1e9 and bar.postfix == f"loss={12.5 / 16:.4f}"    # the loss before the last update


def test_grad_norm_of_huge_and_tiny_gradients():
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                  # the overflow is handled, not warned about
        assert lr.grad_norm({"a": np.array([1e200, 1e200])}) == pytest.approx(np.sqrt(2) * 1e200, rel=1e-15)
    # float32 gradients are squared in float64: 3e-30 squared underflows in float32
    assert lr.grad_norm({"a": np.array([3e-30, 4e-30], dtype=np.float32)}) == pytest.approx(5e-30, rel=1e-6, abs=0)


def test_masked_mse_gradient_written_out():
    r = np.random.default_rng(1)
    pred, target = r.normal(size=(3, 4)), r.normal(size=(3, 4))
    mask = np.zeros((3, 4))
    mask[1, 2] = 1.0                                                     # a single entry: total weight 1
    loss, d = lr.mse(pred, target, mask=mask)
    diff = pred - target
    assert loss == pytest.approx(diff[1, 2] ** 2, rel=1e-14)
    np.testing.assert_allclose(d, 2.0 * mask * diff, rtol=1e-14)
    w = r.random((3, 4)) * 3
    loss, d = lr.mse(pred, target, mask=w)
    np.testing.assert_allclose(d, 2.0 * w * diff / w.sum(), rtol=1e-13)
    assert loss == pytest.approx((w * diff ** 2).sum() / w.sum(), rel=1e-13)


def test_leading_axes_in_messages_and_embedding_gradient_dtype():
    with pytest.raises(ValueError, match=full("targets must have shape (2, 3) (logits without the class axis), got (2,)")):
        lr.softmax_cross_entropy(np.zeros((2, 3, 4)), np.zeros(2, dtype=np.int64))
    emb = lr.Embedding(4, 2, dtype=np.float32)
    emb.forward(np.array([0, 3]))
    with pytest.raises(TypeError, match=r"^de has dtype float64 but the parameters are float32"):
        emb.backward(np.zeros((2, 2)))
    with pytest.raises(TypeError, match=r"^de must be a float32 or float64 array"):
        emb.backward(np.zeros((2, 2), dtype=np.int64))


def test_sequence_model_mse_uses_the_mask_and_float32_final_head_stays_float32():
    r = np.random.default_rng(2)
    model = lr.SequenceModel("lstm", 2, 3, 2, head="all", seed=1)
    x, y = r.normal(size=(4, 3, 2)), r.normal(size=(4, 3, 2))
    mask = (r.random((4, 3, 2)) > 0.5).astype(np.float64)
    assert model.loss_value(x, y, mask=mask) == pytest.approx(lr.mse(model.predict(x), y, mask=mask)[0], rel=1e-14)
    assert model.loss_value(x, y, mask=mask) != pytest.approx(model.loss_value(x, y), rel=1e-6)
    f32 = lr.SequenceModel("gru", 2, 3, 1, head="final", bidirectional=True, num_layers=2, dtype=np.float32)
    _, grads = f32.loss_and_grads(x.astype(np.float32), np.zeros((3, 1), dtype=np.float32))
    assert all(g.dtype == np.float32 for g in grads.values())


def test_final_head_gradient_reaches_the_top_layer_of_a_stacked_bidirectional_model():
    model = lr.SequenceModel("gru", 1, 2, 1, head="final", bidirectional=True, num_layers=2, seed=3)
    r = np.random.default_rng(4)
    x, y = r.normal(size=(3, 1, 1)), r.normal(size=(1, 1))
    _, grads = model.loss_and_grads(x, y)
    params = model.params
    names = ["rnn.bias_hh_l1", "rnn.bias_hh_l1_reverse", "rnn.bias_hh_l0_reverse"]

    def loss(**p):
        saved = {k: params[k].copy() for k in p}
        for k, v in p.items():
            params[k][...] = v
        value = model.loss_value(x, y)
        for k, v in saved.items():
            params[k][...] = v
        return value

    inputs = {k: params[k].copy() for k in names}
    for name in names:
        num = lr.numerical_gradient(loss, inputs, name, eps=1e-6, order=4)
        np.testing.assert_allclose(grads[name], num, rtol=1e-6, atol=1e-10, err_msg=name)
        assert np.abs(num).max() > 1e-6


@pytest.mark.parametrize("num_layers", [1, 3])
def test_final_head_of_a_unidirectional_model_equals_the_last_head(num_layers):
    x = np.random.default_rng(5).normal(size=(4, 2, 2))
    final = lr.SequenceModel("gru", 2, 3, 2, head="final", num_layers=num_layers, seed=6)
    last = lr.SequenceModel("gru", 2, 3, 2, head="last", num_layers=num_layers, seed=6)
    np.testing.assert_allclose(final.predict(x), last.predict(x), rtol=1e-13)
    with pytest.raises(ValueError, match=full("x must have at least one time step for head='final', got T=0")):
        final.forward(np.zeros((0, 2, 2)))


def test_sequence_model_embedding_is_seeded_and_linear_backward_names_dout():
    a, b = (lr.SequenceModel("lstm", 3, 4, 2, vocab_size=6, seed=7) for _ in range(2))
    np.testing.assert_array_equal(a.params["embed.weight"], b.params["embed.weight"])
    _, cache = lr.linear_forward(np.zeros((4, 3)), np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(TypeError, match=r"^dout must be a float32 or float64 array"):
        lr.linear_backward(np.zeros((4, 2), dtype=np.int64), cache)


def test_linear_messages_name_weight_bias_and_dout():
    x = np.zeros((4, 3), dtype=np.float32)
    w, b = np.zeros((2, 3), dtype=np.float32), np.zeros(2, dtype=np.float32)
    with pytest.raises(TypeError, match=r"^weight must be a float32 or float64 array"):
        lr.linear_forward(x, w.astype(np.int64), b)
    with pytest.raises(TypeError, match=r"^bias must be a float32 or float64 array"):
        lr.linear_forward(x, w, b.astype(np.int64))
    with pytest.raises(TypeError, match=r"^bias has dtype float64 but the parameters are float32"):
        lr.linear_forward(x, w, b.astype(np.float64))
    _, cache = lr.linear_forward(x, w, b)
    with pytest.raises(TypeError, match=r"^dout has dtype float64 but the parameters are float32"):
        lr.linear_backward(np.zeros((4, 2)), cache)


def test_prefixed_defaults_to_the_parameters():
    parts = [("embed", lr.Embedding(3, 2)), ("head", lr.Linear(2, 3))]
    assert lr.training.modules.prefixed(parts).keys() == lr.training.modules.prefixed(parts, "params").keys()
    assert all(v is parts[0][1].params["weight"] for k, v in lr.training.modules.prefixed(parts).items()
               if k == "embed.weight")
