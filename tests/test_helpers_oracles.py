"""Training drivers and helpers outside the layers, against loops and formulas written out here.

fit_char_lm against a hand-written truncated-BPTT loop; hidden_grad_norms for every head, loss and
input kind against the model's own gradients; run_seeds and Run.history; the vocabulary, batchify
and entropy at their edges; the error messages of bad input (each names the argument and value).
"""
import types

import numpy as np
import pytest

import lstm_ref as lr

TEXT = "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。\n" * 3


def tiny_char_model(vocab, seed=0):
    return lr.CharLSTM(len(vocab), embed_dim=4, hidden_size=5, seed=seed)


# ------------------------------------------------------------------------------ fit_char_lm

def reference_fit(model, ids, opt, batch_size, bptt, steps, clip):
    """Truncated BPTT written out: columns of contiguous text, state carried, reset every epoch."""
    n = len(ids) // batch_size
    data = np.asarray(ids[: n * batch_size]).reshape(batch_size, n).T
    losses, norms, step = [], [], 0
    while step < steps:
        state = None
        for s in range(0, n - 1, bptt):
            L = min(bptt, n - 1 - s)
            loss, grads, state = model.loss_and_grads(data[s:s + L], data[s + 1:s + 1 + L], state)
            norm = float(np.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads.values())))
            if clip is not None and norm > clip:
                grads = {k: g * (clip / norm) for k, g in grads.items()}
            opt.step(model.params, grads)
            losses.append(loss)
            norms.append(norm)
            step += 1
            if step == steps:
                break
    return losses, norms


@pytest.mark.parametrize("clip", [None, 0.05])
def test_fit_char_lm_is_truncated_bptt_with_epochs(clip):
    vocab = lr.CharVocab(TEXT)
    ids = vocab.encode(TEXT)
    a, b = tiny_char_model(vocab), tiny_char_model(vocab)
    steps = 11                                   # more than one epoch: 2 columns of 37, chunks of 8 -> 5 per epoch
    hist = lr.fit_char_lm(a, ids, lr.SGD(lr=0.5), batch_size=2, bptt=8, steps=steps, clip=clip)
    losses, norms = reference_fit(b, ids, lr.SGD(lr=0.5), 2, 8, steps, clip)
    assert hist["step"].tolist() == list(range(1, steps + 1))
    np.testing.assert_allclose(hist["loss"], losses, rtol=1e-12)
    np.testing.assert_allclose(hist["grad_norm"], norms, rtol=1e-12)
    for k in a.params:
        np.testing.assert_allclose(a.params[k], b.params[k], rtol=1e-12, atol=1e-14)
    assert hist["eval_step"].tolist() == [] and hist["val_loss"].tolist() == []
    if clip is not None:
        assert max(norms) > clip                 # the clipping mattered


def test_fit_char_lm_evaluates_on_schedule_and_stops_early():
    vocab = lr.CharVocab(TEXT)
    ids = vocab.encode(TEXT)
    val = ids[:30]
    model = tiny_char_model(vocab)
    hist = lr.fit_char_lm(model, ids, lr.Adam(lr=0.01), batch_size=2, bptt=8, steps=7, val_ids=val, eval_every=3)
    assert hist["eval_step"].tolist() == [3, 6, 7]   # every 3 updates and at the end
    assert hist["val_loss"][-1] == pytest.approx(lr.evaluate_char_lm(model, val), rel=1e-12)
    calls = []

    def progress(step, loss, val_loss):
        calls.append((step, loss, val_loss))
        return step >= 4

    model = tiny_char_model(vocab)
    hist = lr.fit_char_lm(model, ids, lr.Adam(lr=0.01), batch_size=2, bptt=8, steps=20, val_ids=val,
                          eval_every=2, progress=progress)
    assert [c[0] for c in calls] == [2, 4] and hist["step"][-1] == 4
    assert calls[-1][1] == hist["loss"][-1] and calls[-1][2] == hist["val_loss"][-1]


def test_char_lm_train_step_returns_the_norm_before_clipping():
    vocab = lr.CharVocab(TEXT)
    ids = vocab.encode(TEXT).reshape(-1, 1)
    model, twin = tiny_char_model(vocab), tiny_char_model(vocab)
    loss, grads, state = twin.loss_and_grads(ids[:10], ids[1:11], None)
    norm = lr.grad_norm(grads)
    got_loss, got_norm, got_state = lr.char_lm_train_step(model, ids[:10], ids[1:11], None, lr.SGD(lr=1.0), clip=norm / 4)
    assert got_loss == loss and got_norm == pytest.approx(norm, rel=1e-14)
    for k in model.params:                       # the step taken was the clipped gradient
        np.testing.assert_allclose(model.params[k], twin.params[k] - grads[k] / 4, rtol=1e-12, atol=1e-15)
    for s, t in zip(got_state, state):
        np.testing.assert_array_equal(s, t)


def test_char_lstm_initial_state_and_size():
    model = lr.CharLSTM(7, embed_dim=3, hidden_size=4, num_layers=2)
    h, c = model.initial_state(5)
    assert h.shape == c.shape == (2, 5, 4) and h.dtype == model.dtype
    assert not h.any() and not c.any() and h is not c
    assert model.num_params() == sum(v.size for v in model.params.values())
    # embedding 7*3 + layer 0: 4*4*(3+4) + 2*4*4 + layer 1: 4*4*(4+4) + 2*4*4 + head 7*4 + 7
    assert model.num_params() == 21 + (112 + 32) + (128 + 32) + 35


# ------------------------------------------------------------------------------ vocabulary, batchify, entropy

def test_vocab_decode_range_and_shape():
    vocab = lr.CharVocab("abc")
    assert vocab.decode(np.array([[0, 2], [1, 0]])) == "acba"    # any shape, read in C order
    assert vocab.decode(np.array([0])) == "a" and vocab.decode(np.array([2])) == "c"
    assert vocab.decode(np.array([], dtype=np.int64)) == ""
    for bad in ([3], [-1], [0, 3], [-1, 2]):
        with pytest.raises(ValueError, match=r"ids must lie in \[0, 3\), got range"):
            vocab.decode(np.array(bad))


def test_batchify_edges_and_messages():
    out = lr.batchify(np.arange(7), 3)
    np.testing.assert_array_equal(out, [[0, 2, 4], [1, 3, 5]])
    assert out.dtype == np.int64
    assert lr.batchify(np.arange(4, dtype=np.int32), 2).dtype == np.int64
    with pytest.raises(ValueError, match=r"ids must hold at least 2 \* batch_size = 6 ids, got 5"):
        lr.batchify(np.arange(5), 3)
    with pytest.raises(ValueError, match=r"ids must have shape \(N,\), got \(2, 3\)"):
        lr.batchify(np.zeros((2, 3), int), 1)


def test_entropy_is_float64_and_ignores_zeros():
    p = np.array([0.5, 0.5, 0.0], dtype=np.float32)
    assert lr.entropy(p).dtype == np.float64
    assert lr.entropy(p) == pytest.approx(np.log(2), rel=1e-15)
    assert lr.entropy(np.array([1.0, 0.0, 0.0, 0.0])) == 0.0
    assert lr.entropy([0.25, 0.75]) == pytest.approx(-(0.25 * np.log(0.25) + 0.75 * np.log(0.75)), rel=1e-15)


# ------------------------------------------------------------------------------ hidden_grad_norms

def layer_grads(model, x, y):
    _, grads = model.loss_and_grads(x, y)
    return {k[len("rnn."):-len("_l0")]: v for k, v in grads.items() if k.startswith("rnn.")}


@pytest.mark.parametrize("kind, kwargs", [("rnn", {"nonlinearity": "relu"}), ("lstm", {"variant": "peephole"}),
                                          ("gru", {"reset_after": False})])
def test_hidden_grad_norms_cross_entropy_models(kind, kwargs):
    model = lr.make_model(kind, "temporal_order", hidden_size=4, seed=3, **kwargs)
    x, y = lr.task_data("temporal_order", 6, 10, seed=4)
    norms, grads = lr.hidden_grad_norms(model, x, y, return_grads=True)
    for k, g in layer_grads(model, x, y).items():
        np.testing.assert_allclose(grads[k], g, rtol=1e-9, atol=1e-13)
    assert norms.shape == (10,) and norms.dtype == np.float64 and np.all(norms > 0)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_hidden_grad_norms_head_all_with_embedding(kind):
    model = lr.SequenceModel(kind, 3, 4, 5, head="all", loss="xent", vocab_size=5, seed=2)
    x, y, mask = lr.future_tagging(4, 9, 5, k=2, seed=1, one_hot=False)
    norms, grads = lr.hidden_grad_norms(model, x, y, return_grads=True)
    for k, g in layer_grads(model, x, y).items():
        np.testing.assert_allclose(grads[k], g, rtol=1e-9, atol=1e-13)
    # with a loss at every step, the last step's gradient comes from the head alone
    logits = model.predict(x)
    _, dlogits = lr.softmax_cross_entropy(logits, y)
    assert norms[-1] == pytest.approx(np.linalg.norm(dlogits[-1] @ model.params["head.weight"]), rel=1e-10)


def test_hidden_grad_norms_takes_kind_loss_and_head_from_arguments():
    """A bare object with only params works when kind, loss, head and the cell options are given."""
    model = lr.SequenceModel("gru", 2, 4, 1, head="last", loss="mse", seed=5, reset_after=False)
    x, y = lr.task_data("adding", 3, 7, seed=2)
    bare = types.SimpleNamespace(params=model.params)
    full = lr.hidden_grad_norms(model, x, y)
    np.testing.assert_allclose(lr.hidden_grad_norms(bare, x, y, kind="gru", loss="mse", head="last",
                                                    reset_after=False), full, rtol=1e-12)
    other = lr.hidden_grad_norms(bare, x, y, kind="gru", loss="mse", head="last", reset_after=True)
    assert np.max(np.abs(other - full)) > 1e-6   # the cell option matters, so it was read
    with pytest.raises(ValueError, match=r"head must be 'last', 'final' or 'all', got 'middle'"):
        lr.hidden_grad_norms(bare, x, y, kind="gru", loss="mse", head="middle")
    with pytest.raises(ValueError, match=r"kind.*'tcn'"):
        lr.hidden_grad_norms(bare, x, y, kind="tcn", loss="mse", head="last")


def test_hidden_grad_norms_rejects_models_it_cannot_unroll():
    x, y = lr.task_data("adding", 2, 5, seed=0)
    bi = lr.SequenceModel("lstm", 2, 3, 1, bidirectional=True)
    with pytest.raises(ValueError, match="model must be a single-layer unidirectional model for hidden_grad_norms"):
        lr.hidden_grad_norms(bi, x, y)
    bare = types.SimpleNamespace(params={"head.weight": np.zeros((1, 3)), "head.bias": np.zeros(1)})
    with pytest.raises(ValueError, match=r"params: no 'rnn\.\*_l0' entries found \(keys \['head.bias', 'head.weight'\]\)"):
        lr.hidden_grad_norms(bare, x, y, kind="lstm", loss="mse", head="last")


def test_hidden_grad_norms_float32_model():
    model = lr.make_model("lstm", "adding", hidden_size=4, seed=1, dtype=np.float32)
    x, y = lr.task_data("adding", 3, 6, seed=3)
    n32 = lr.hidden_grad_norms(model, x.astype(np.float32), y.astype(np.float32))
    m64 = lr.make_model("lstm", "adding", hidden_size=4, seed=1)
    m64.load_state_dict({k: v.astype(np.float64) for k, v in model.state_dict().items()})
    assert n32.dtype == np.float64
    np.testing.assert_allclose(n32, lr.hidden_grad_norms(m64, x, y), rtol=1e-4)


# ------------------------------------------------------------------------------ experiment drivers

def test_run_seeds_and_history():
    runs = lr.run_seeds([3, 4], "rnn", task="adding", T=6, hidden_size=4, steps=6, eval_every=3, batch_size=8,
                        n_test=16)
    assert [r.seed for r in runs] == [3, 4] and all(r.kind == "rnn" for r in runs)
    one = lr.run_to_threshold("rnn", seed=4, task="adding", T=6, hidden_size=4, steps=6, eval_every=3, batch_size=8,
                              n_test=16)
    np.testing.assert_array_equal(runs[1].loss, one.loss)
    h = runs[0].history()
    assert set(h) == {"step", "loss", "grad_norm", "eval_step", "eval", "reached"}
    for k in ("step", "loss", "grad_norm", "eval_step", "eval"):
        np.testing.assert_array_equal(h[k], getattr(runs[0], k))
    assert h["reached"] == runs[0].reached
    u = lr.updates_to_threshold(runs)
    assert u.dtype == np.float64 and u.shape == (2,)


def test_sequence_model_repr_names_its_parts():
    model = lr.SequenceModel("gru", 2, 3, 1, head="all", loss="xent")
    assert repr(model) == f"SequenceModel({model.rnn!r} -> head='all' Linear -> loss='xent')"
    assert repr(model.rnn).startswith("GRU(2, 3, ")


# ------------------------------------------------------------------------------ messages of bad input

def test_bad_input_messages_name_the_argument():
    with pytest.raises(TypeError, match="grads must be a dict of name -> array, got list"):
        lr.clip_grad_value([np.zeros(2)], 1.0)
    with pytest.raises(TypeError, match="params must be a dict of name -> array, got list"):
        lr.save_params("x.npz", [np.zeros(2)])
    with pytest.raises(ValueError, match="n_symbols and length must be >= 1, got 8 and 0"):
        lr.copy_memory(2, 3, length=0)
    with pytest.raises(ValueError, match="n_symbols and length must be >= 1, got 0 and 4"):
        lr.copy_memory(2, 3, n_symbols=0, length=4)
    with pytest.raises(ValueError, match=r"K \(number of symbols\) must be >= 2, got 1"):
        lr.future_tagging(2, 5, 1)


def test_task_defaults_are_the_documented_ones():
    np.testing.assert_array_equal(lr.copy_memory(3, 4)[0], lr.copy_memory(3, 4, seed=0, n_symbols=8, length=10)[0])
    for a, b in zip(lr.future_tagging(3, 6, 4), lr.future_tagging(3, 6, 4, k=3, seed=0, one_hot=True)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(lr.continual_stream(3, 20), lr.continual_stream(3, 20, seed=0, seg_min=4, seg_max=10, task="sum")):
        np.testing.assert_array_equal(a, b)
    assert lr.copy_memory_baseline(5) == pytest.approx(10 * np.log(8) / 25, rel=1e-15)
    np.testing.assert_array_equal(lr.temporal_order(3, 9)[0], lr.temporal_order(3, 9, seed=0)[0])


def test_save_params_path_suffix(tmp_path):
    params = {"w": np.arange(6.0).reshape(2, 3)}
    written = lr.save_params(tmp_path / "a.npz", params)
    assert written == str(tmp_path / "a.npz") and sorted(p.name for p in tmp_path.iterdir()) == ["a.npz"]
    assert lr.save_params(tmp_path / "b", params) == str(tmp_path / "b.npz")
    assert lr.save_params(str(tmp_path / "c.NPZ"), params) == str(tmp_path / "c.NPZ.npz")
    np.testing.assert_array_equal(lr.load_params(written)["w"], params["w"])


def test_adding_correct_is_strict_at_the_tolerance():
    y = np.zeros((4, 1))
    pred = np.array([[0.0], [0.039], [0.04], [-0.05]])
    assert lr.adding_correct(pred, y, tol=0.04) == 0.5          # |error| < tol, not <=
    assert lr.adding_correct(pred, y) == 0.5                    # the default is Hochreiter's 0.04
    with pytest.raises(ValueError, match=r"pred must have the shape of y \(4, 1\), got \(4,\)"):
        lr.adding_correct(pred[:, 0], y)


def test_continual_stream_validation_of_segments_and_alphabet():
    x, y = lr.continual_stream(2, 12, task="latch", n_keys=2, n_noise=1, one_hot=False)
    assert set(np.unique(x)) <= {0, 1, 2}                          # one noise symbol is enough
    for bad in (dict(seg_min=2.5), dict(seg_max=6.5), dict(seg_min=5, seg_max=4), dict(seg_min=0)):
        with pytest.raises(ValueError, match="seg_min <= seg_max"):
            lr.continual_stream(2, 12, **bad)
    with pytest.raises(ValueError, match="n_keys >= 2 and n_noise >= 1, got 2 and 0"):
        lr.continual_stream(2, 12, task="latch", n_noise=0)


def test_accuracy_over_time_and_batch_axes():
    r = np.random.default_rng(0)
    logits = r.normal(size=(5, 3, 4))
    targets = r.integers(0, 4, size=(5, 3))
    targets[0, 0] = lr.IGNORE_INDEX
    pred = logits.argmax(-1)
    valid = targets != lr.IGNORE_INDEX
    assert lr.accuracy(logits, targets) == pytest.approx((pred == targets)[valid].mean(), rel=1e-15)
    with pytest.raises(ValueError, match=r"targets must have shape \(5, 3\), got \(5,\)"):
        lr.accuracy(logits, targets[:, 0])
    with pytest.raises(ValueError, match="accuracy: no position has a target"):
        lr.accuracy(logits, np.full((5, 3), lr.IGNORE_INDEX))


def test_sequence_model_repr_with_embedding():
    model = lr.SequenceModel("lstm", 3, 4, 2, vocab_size=6)
    assert repr(model).startswith("SequenceModel(Embedding(6, 3) -> LSTM(")


def test_char_lstm_float32_initial_state():
    h, c = lr.CharLSTM(5, 2, 3, dtype=np.float32).initial_state(2)
    assert h.dtype == c.dtype == np.float32


def test_run_seeds_defaults_to_the_lstm():
    runs = lr.run_seeds([0], task="adding", T=5, hidden_size=3, steps=2, eval_every=1, batch_size=4, n_test=8)
    assert runs[0].kind == "lstm" and "weight_hh_l0" in runs[0].model.rnn.params


def test_hidden_grad_norms_explicit_loss_and_head_override_the_model():
    x, _ = lr.task_data("temporal_order", 5, 9, seed=1)
    y_onehot = np.eye(4)[np.arange(5) % 4]
    xent = lr.make_model("gru", "temporal_order", hidden_size=3, seed=6)       # loss "xent", head "last"
    mse = lr.SequenceModel("gru", 8, 3, 4, head="last", loss="mse", seed=6)
    np.testing.assert_allclose(lr.hidden_grad_norms(xent, x, y_onehot, loss="mse"),
                               lr.hidden_grad_norms(mse, x, y_onehot), rtol=1e-12)
    final = lr.SequenceModel("gru", 8, 3, 4, head="final", loss="mse", seed=6)
    np.testing.assert_allclose(lr.hidden_grad_norms(final, x, y_onehot), lr.hidden_grad_norms(mse, x, y_onehot),
                               rtol=1e-12)                              # one direction: final = last
    y_all = np.tile(y_onehot, (9, 1, 1))
    every = lr.SequenceModel("gru", 8, 3, 4, head="all", loss="mse", seed=6)
    np.testing.assert_allclose(lr.hidden_grad_norms(mse, x, y_all, head="all"), lr.hidden_grad_norms(every, x, y_all),
                               rtol=1e-12)


def test_hidden_grad_norms_defaults_to_mse_on_the_last_step():
    """Without loss and head (on the model or as arguments), the documented defaults apply."""
    model = lr.SequenceModel("lstm", 2, 3, 1, seed=4)
    x, y = lr.task_data("adding", 3, 6, seed=2)
    bare = types.SimpleNamespace(params=model.params)
    np.testing.assert_allclose(lr.hidden_grad_norms(bare, x, y, kind="lstm"), lr.hidden_grad_norms(model, x, y),
                               rtol=1e-12)


SMALL = dict(T=8, hidden_size=3, steps=4, eval_every=2, batch_size=8, n_test=16)


@pytest.mark.parametrize("kind, task", [("gru", "adding"), ("lstm", "temporal_order")])
def test_run_to_threshold_is_adam_on_the_documented_batches(kind, task):
    """Batch k has task seed (seed + 1) * 10_000_019 + k; the test set is fixed; the metric is the
    test MSE (adding) or error rate (temporal order) of the trained model."""
    run = lr.run_to_threshold(kind, task=task, seed=2, threshold=None, lr=0.02, clip=0.5, **SMALL)
    model = lr.make_model(kind, task, hidden_size=3, seed=2)

    def batch_fn(step):
        return lr.task_data(task, 8, 8, (2 + 1) * 10_000_019 + int(step))

    hist = lr.train(model, batch_fn, 4, lr.Adam(lr=0.02), clip=0.5, eval_every=2)
    np.testing.assert_allclose(run.loss, hist["loss"], rtol=1e-12)
    for k in model.params:
        np.testing.assert_allclose(run.model.params[k], model.params[k], rtol=1e-12, atol=1e-14)
    x_test, y_test = run.test
    out = model.predict(x_test)
    expected = (np.mean((out.reshape(y_test.shape) - y_test) ** 2) if task == "adding"
                else np.mean(out.argmax(-1) != y_test))
    assert run.final_eval == pytest.approx(expected, rel=1e-12) and run.eval[-1] == run.final_eval
    assert list(run.eval_step) == [2, 4] and run.reached is None
    assert isinstance(run.seconds, float) and run.seconds > 0
    assert run.config.hidden_size == 3 and run.model.rnn.hidden_size == 3


def test_run_to_threshold_passes_clip_task_and_layer_options():
    base = dict(SMALL, threshold=None)
    clipped = lr.run_to_threshold("lstm", clip=1e-3, **base)
    free = lr.run_to_threshold("lstm", clip=None, **base)
    assert clipped.loss[0] == free.loss[0] and np.all(clipped.grad_norm > 1e-3)
    assert abs(clipped.loss[-1] - free.loss[-1]) > 1e-6              # the clip reached the optimiser
    h = lr.run_to_threshold("lstm", task_kwargs={"form": "hochreiter"}, **dict(base, T=24))
    np.testing.assert_array_equal(h.test[0], lr.adding_problem(16, 24, seed=h.config.test_seed,
                                                               form="hochreiter")[0])
    coupled = lr.run_to_threshold("lstm", layer={"variant": "coupled"}, **base)
    assert coupled.model.rnn.variant == "coupled"
    f32 = lr.run_to_threshold("gru", task="temporal_order", dtype=np.float32, **base)
    assert f32.test[0].dtype == np.float32 and f32.test[1].dtype == np.int64   # class ids stay integers


def test_run_to_threshold_stops_only_when_asked():
    always = dict(SMALL, threshold=1e9)
    stopped = lr.run_to_threshold("rnn", **always)
    assert stopped.reached == 2 and list(stopped.step) == [1, 2]
    full = lr.run_to_threshold("rnn", stop_at_threshold=False, **always)
    assert full.reached == 2 and len(full.step) == 4
    for bad in (dict(steps=0), dict(eval_every=0)):
        with pytest.raises(ValueError, match="steps and eval_every must be >= 1"):
            lr.run_to_threshold("rnn", **dict(SMALL, **bad))
    one = lr.run_to_threshold("rnn", **dict(SMALL, steps=1, eval_every=1, threshold=None))
    assert len(one.step) == 1 and list(one.eval_step) == [1]


def test_sgd_momentum_validation_message():
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\), got 1.5"):
        lr.SGD(momentum=1.5)
