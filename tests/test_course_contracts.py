"""Contracts of the course modules (the character model, tasks, experiment drivers) at their edges.

Each test checks a statement of a docstring against an independent computation: the smallest and
largest allowed arguments, dropout statistics and its gradient by central differences, what each
constructor argument does to the initial parameters, and that a documented default is the value
the docstring states.
"""
import re
import time
import types

import numpy as np
import pytest

import lstm_ref as lr
from lstm_ref.course import charlm


def full(text):
    """A regular expression that matches exactly ``text``."""
    return "^" + re.escape(text) + "$"


# ------------------------------------------------------------------------------ the character model

def forget_bias_total(lstm):
    """b_f = bias_ih + bias_hh over the forget rows H:2H of every layer."""
    H = lstm.hidden_size
    return [lstm.params[f"bias_ih_l{k}"][H:2 * H] + lstm.params[f"bias_hh_l{k}"][H:2 * H]
            for k in range(lstm.num_layers)]


def test_char_lstm_forget_bias_and_embed_std_act_on_the_documented_parts():
    base = lr.CharLSTM(9, 3, 4, num_layers=2, seed=5)
    for b in forget_bias_total(base.rnn):                        # the default: b_f = 0 exactly
        np.testing.assert_array_equal(b, 0.0)
    one = lr.CharLSTM(9, 3, 4, num_layers=2, seed=5, forget_bias=1.0)
    for b in forget_bias_total(one.rnn):
        np.testing.assert_array_equal(b, 1.0)
    small = lr.CharLSTM(9, 3, 4, num_layers=2, seed=5, embed_std=0.1)
    # embed_std scales the N(0, 1) embeddings and nothing else
    np.testing.assert_allclose(small.embed.params["weight"], 0.1 * base.embed.params["weight"], rtol=1e-15)
    for k in base.params:
        if k != "embed.weight":
            np.testing.assert_array_equal(small.params[k], base.params[k])
    w = lr.CharLSTM(400, 50, 4, seed=0).embed.params["weight"]  # N(0, 1): mean 0, variance 1
    assert abs(w.mean()) < 0.02 and abs(w.var() - 1.0) < 0.02


def test_char_lstm_parts_are_seeded_and_drawn_independently():
    a, again, b = lr.CharLSTM(9, 4, 4, seed=1), lr.CharLSTM(9, 4, 4, seed=1), lr.CharLSTM(9, 4, 4, seed=2)
    for part in ("embed", "rnn", "head"):
        pa, pb = getattr(a, part).params, getattr(b, part).params
        for k in pa:
            np.testing.assert_array_equal(pa[k], getattr(again, part).params[k])   # a seed fixes every part
            assert not np.allclose(pa[k], pb[k]), (part, k)                        # another seed changes each
    # no two parts start from the same random numbers (hidden_size = embed_dim makes the LSTM's and
    # the head's uniform bounds equal, so a shared seed would show as equal leading entries)
    firsts = {k: v.ravel()[:4] for k, v in a.params.items() if v.size >= 4 and not k.startswith("rnn.bias")}
    keys = sorted(firsts)
    for i, k1 in enumerate(keys):
        for k2 in keys[i + 1:]:
            assert not np.allclose(np.abs(firsts[k1]), np.abs(firsts[k2])), (k1, k2)


def test_char_lstm_dropout_masks_zero_a_fraction_p_and_rescale_the_rest():
    p = 0.3
    model = lr.CharLSTM(50, 10, 8, seed=0, dropout=p)
    masks = []
    draw = model._dropout_mask

    def spy(shape):
        masks.append(draw(shape))
        return masks[-1]

    model._dropout_mask = spy
    x = np.random.default_rng(0).integers(0, 50, size=(40, 5))
    model.loss_and_grads(x, x)
    assert len(masks) == 2
    m_e, m_h = masks
    assert m_e.shape == (40, 5, 10) and m_h.shape == (40, 5, 8)
    for m in masks:
        assert m.dtype == model.dtype
        assert set(np.unique(m)) == {0.0, 1.0 / (1.0 - p)}      # survivors scaled by 1 / (1 - p)
        assert abs((m == 0).mean() - p) < 0.05                   # binomial sd ~0.008 over 1600-2000 entries
    model.loss_and_grads(x, x)
    assert not np.array_equal(masks[2], m_e)                     # a fresh mask every call
    # the same seed draws the same masks: training with dropout is reproducible
    twin = lr.CharLSTM(50, 10, 8, seed=0, dropout=p)
    l1, g1, _ = lr.CharLSTM(50, 10, 8, seed=0, dropout=p).loss_and_grads(x, x)
    l2, g2, _ = twin.loss_and_grads(x, x)
    assert l1 == l2 and all(np.array_equal(g1[k], g2[k]) for k in g1)
    # without dropout loss_and_grads is the plain teacher-forced loss of forward
    plain = lr.CharLSTM(50, 10, 8, seed=0)
    logits, _ = plain.forward(x)
    loss, _, _ = plain.loss_and_grads(x, x)
    assert loss == pytest.approx(lr.softmax_cross_entropy(logits.reshape(200, 50), x.reshape(200))[0], rel=1e-14)


def test_char_lstm_dropout_gradients_are_those_of_the_dropped_network():
    model = lr.CharLSTM(7, 3, 4, seed=1, dropout=0.4)
    rng = np.random.default_rng(3)
    x, y = rng.integers(0, 7, (5, 2)), rng.integers(0, 7, (5, 2))
    masks = []
    draw = model._dropout_mask
    model._dropout_mask = lambda shape: masks.append(draw(shape)) or masks[-1]
    loss, grads, _ = model.loss_and_grads(x, y)
    m_e, m_h = masks
    assert (m_e == 0).any() and (m_h == 0).any() and (m_e > 0).any()
    params = model.params

    def dropped_loss(**p):
        """The dropped-out network written out: embed, mask, LSTM, mask, head, cross-entropy."""
        saved = {k: v.copy() for k, v in params.items()}
        for k, v in p.items():
            params[k][...] = v
        e = params["embed.weight"][x] * m_e
        h, _ = model.rnn.forward(e)
        logits = (h * m_h) @ params["head.weight"].T + params["head.bias"]
        for k, v in saved.items():
            params[k][...] = v
        z = logits - logits.max(-1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
        return -np.take_along_axis(logp, y[..., None], -1).mean()

    inputs = {k: v.copy() for k, v in params.items()}
    assert loss == pytest.approx(dropped_loss(), rel=1e-13)
    for name, g in grads.items():
        num = lr.numerical_gradient(dropped_loss, inputs, name, eps=1e-5, order=4)
        assert np.abs(num - g).max() < 1e-8 * max(1.0, np.abs(g).max()), name


def test_char_lstm_loss_and_grads_checks_y_like_x():
    model = lr.CharLSTM(7, 3, 4)
    x = np.zeros((3, 2), dtype=np.int64)
    with pytest.raises(ValueError, match=r"^y\b"):
        model.loss_and_grads(x, np.full((3, 2), 7))
    with pytest.raises(ValueError, match=r"^y\b"):
        model.loss_and_grads(x, np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"^x\b"):
        model.loss_and_grads(np.full((3, 2), -1), x)
    with pytest.raises(ValueError, match=full("y must have shape (T=3, B=2), got (2, 2)")):
        model.loss_and_grads(x, np.zeros((2, 2), dtype=np.int64))


def test_char_vocab_needs_a_non_empty_str():
    for bad in ("", ["a", "b"], None, 5):
        with pytest.raises(ValueError, match="text"):
            lr.CharVocab(bad)
    assert lr.CharVocab("ba").chars == ["a", "b"]


def test_split_poems_smallest_every_and_its_type():
    poems = [{"lines": [str(k)]} for k in range(7)]
    train, val = lr.split_poems(poems, every=2)                  # the smallest allowed: every other poem
    assert [p["lines"][0] for p in val] == ["1", "3", "5"]
    assert [p["lines"][0] for p in train] == ["0", "2", "4", "6"]
    assert lr.split_poems(poems, every=np.int64(3))[1] == [poems[2], poems[5]]
    assert lr.split_poems(poems)[1] == [] and lr.split_poems(poems * 2)[1] == [poems[2]]   # default every=10
    for bad in (1, 0, -3, 2.0, "2", None):
        with pytest.raises(ValueError, match="every"):
            lr.split_poems(poems, every=bad)


def test_unigram_models_at_their_edges():
    with pytest.raises(ValueError, match="alpha"):
        lr.unigram_cross_entropy(np.array([0, 1]), np.array([1]), 2, alpha=0.0)
    # add-alpha, written out: p_k = (count_k + alpha) / (N + alpha V)
    train, ev = np.array([0, 0, 1, 2, 2, 2]), np.array([0, 3, 2])
    p = (np.array([2, 1, 3, 0]) + 0.5) / (6 + 0.5 * 4)
    assert lr.unigram_cross_entropy(train, ev, 4, alpha=0.5) == pytest.approx(-np.log(p[ev]).mean(), rel=1e-14)
    assert lr.unigram_cross_entropy(train, ev, 4) == pytest.approx(
        -np.log(((np.array([2, 1, 3, 0]) + 1.0) / 10)[ev]).mean(), rel=1e-14)      # default alpha = 1
    with pytest.raises(ValueError, match="vocab_size"):
        lr.unigram_cross_entropy(train, ev, 2)
    for bad in (np.zeros((2, 3), dtype=np.int64), np.array([0.0, 1.0]), np.array([[1]])):
        with pytest.raises(ValueError, match="ids"):
            lr.unigram_entropy(bad)
        with pytest.raises(ValueError, match="ids"):
            lr.unigram_cross_entropy(bad, np.array([0]), 3)
    assert lr.unigram_entropy(np.array([5, 5, 5])) == 0.0
    assert lr.unigram_entropy(np.array([2, 0, 0, 2])) == pytest.approx(np.log(2), rel=1e-15)


@pytest.mark.parametrize("N, bptt", [(22, 7), (23, 7), (2, 1), (9, 1), (5, 10)])
def test_tbptt_chunks_cover_the_stream_once_without_empty_chunks(N, bptt):
    data = np.arange(3 * N).reshape(N, 3)
    chunks = list(lr.tbptt_chunks(data, bptt))
    assert len(chunks) == -(-(N - 1) // bptt)                    # ceil((N - 1) / bptt)
    assert all(1 <= len(x) <= bptt and x.shape == y.shape for x, y in chunks)
    np.testing.assert_array_equal(np.concatenate([x for x, _ in chunks]), data[:-1])
    np.testing.assert_array_equal(np.concatenate([y for _, y in chunks]), data[1:])


def test_tbptt_chunks_rejects_bad_bptt_and_shapes():
    data = np.zeros((5, 2), dtype=np.int64)
    for bad in (0, -1):
        with pytest.raises(ValueError, match="bptt"):
            list(lr.tbptt_chunks(data, bad))
    with pytest.raises(ValueError, match="data"):
        list(lr.tbptt_chunks(np.zeros(5), 2))


def test_evaluate_char_lm_is_the_mean_loss_of_one_pass():
    model = lr.CharLSTM(11, 3, 5, seed=4)
    ids = np.random.default_rng(2).integers(0, 11, 300)
    logits, _ = model.forward(ids[:-1].reshape(-1, 1))
    whole = lr.softmax_cross_entropy(logits.reshape(-1, 11), ids[1:])[0]
    assert lr.evaluate_char_lm(model, ids) == pytest.approx(whole, rel=1e-12)      # default bptt 256 < 299
    assert lr.evaluate_char_lm(model, ids.reshape(2, 150)) == pytest.approx(whole, rel=1e-12)


def test_tang_char_data_forms_and_split():
    vocab, train, val = lr.tang_char_data()
    assert len(vocab) == lr.load_tang_lstm()[2]["vocab_size"]   # the default is the shipped model's data
    five = [p for p in lr.load_tang_poems() if lr.is_five_char_poem(p)]
    tr, va = lr.split_poems(five, 10)
    assert vocab.decode(train) == lr.poems_to_text(tr) and vocab.decode(val) == lr.poems_to_text(va)
    v_all, t_all, va_all = lr.tang_char_data(form="all")
    tr, va = lr.split_poems(lr.load_tang_poems(), 10)
    assert v_all.decode(t_all) == lr.poems_to_text(tr) and v_all.decode(va_all) == lr.poems_to_text(va)
    assert len(v_all) > len(vocab)
    v5, t5, va5 = lr.tang_char_data(every=5)
    tr, va = lr.split_poems(five, 5)
    assert v5.decode(va5) == lr.poems_to_text(va) and len(va5) > len(val)
    for bad in ("Five", "seven", None):
        with pytest.raises(ValueError, match="form"):
            lr.tang_char_data(form=bad)


def test_char_lm_train_step_carries_the_given_state():
    model, twin = lr.CharLSTM(7, 3, 4, seed=2), lr.CharLSTM(7, 3, 4, seed=2)
    rng = np.random.default_rng(5)
    x, y = rng.integers(0, 7, (4, 2)), rng.integers(0, 7, (4, 2))
    state = rng.normal(size=(1, 2, 4)), rng.normal(size=(1, 2, 4))
    loss, grads, new_state = twin.loss_and_grads(x, y, state)
    zero_loss = lr.CharLSTM(7, 3, 4, seed=2).loss_and_grads(x, y, None)[0]
    assert loss != pytest.approx(zero_loss, rel=1e-6)            # the state matters for this chunk
    got_loss, got_norm, got_state = lr.char_lm_train_step(model, x, y, state, lr.SGD(lr=0.1))
    assert got_loss == loss and got_norm == pytest.approx(lr.grad_norm(grads), rel=1e-14)
    for s, t in zip(got_state, new_state):
        np.testing.assert_array_equal(s, t)
    for k in model.params:
        np.testing.assert_allclose(model.params[k], twin.params[k] - 0.1 * grads[k], rtol=1e-13, atol=1e-16)


def test_load_tang_lstm_casts_the_stored_weights_to_the_requested_dtype():
    m64, vocab, config = lr.load_tang_lstm()
    m32, vocab32, _ = lr.load_tang_lstm(dtype=np.float32)
    assert m64.dtype == np.float64 and all(v.dtype == np.float64 for v in m64.params.values())
    assert m32.dtype == np.float32 and all(v.dtype == np.float32 for v in m32.params.values())
    for k, v in m64.params.items():                              # stored as float32: the cast is exact
        np.testing.assert_array_equal(m32.params[k], v.astype(np.float32))
    assert m64.num_layers == config["num_layers"] and vocab32.chars == vocab.chars


def test_char_model_messages_name_the_argument_and_the_value():
    model = lr.CharLSTM(7, 3, 4)
    x = np.zeros((3, 2), dtype=np.int64)
    with pytest.raises(ValueError, match=full("y must lie in [0, 7), got [0, 7]")):
        model.loss_and_grads(x, np.array([[0, 7], [1, 1], [2, 2]]))
    with pytest.raises(ValueError, match=full("y must be an integer array of shape (T, B), got dtype float64 with shape (3, 2)")):
        model.loss_and_grads(x, np.zeros((3, 2)))
    with pytest.raises(ValueError, match=full("x must be an integer array of shape (T, B), got dtype int64 with shape (3,)")):
        model.forward(np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match=full("dropout must be a probability in [0, 1), got -0.1")):
        lr.CharLSTM(7, 3, 4, dropout=-0.1)
    with pytest.raises(ValueError, match=full("text must be a non-empty str, got ''")):
        lr.CharVocab("")
    with pytest.raises(ValueError, match=full("every must be an int >= 2, got 1")):
        lr.split_poems([], every=1)
    with pytest.raises(ValueError, match=full("bptt must be >= 1, got 0")):
        list(lr.tbptt_chunks(np.zeros((4, 2), dtype=np.int64), 0))
    with pytest.raises(ValueError, match=full("data must have shape (N, B), got (4,)")):
        list(lr.tbptt_chunks(np.zeros(4, dtype=np.int64), 2))
    with pytest.raises(ValueError, match=full("alpha must be > 0, got 0.0")):
        lr.unigram_cross_entropy(np.array([0]), np.array([0]), 2, alpha=0.0)
    with pytest.raises(ValueError, match=full("train_ids must lie in [0, vocab_size=2), got ids up to 4")):
        lr.unigram_cross_entropy(np.array([0, 4]), np.array([0]), 2)
    with pytest.raises(ValueError, match=full("ids must be an integer array of shape (N,), got dtype int64 with shape (1, 2)")):
        lr.unigram_entropy(np.array([[0, 1]]))
    with pytest.raises(ValueError, match=full("form must be 'five' or 'all', got 'seven'")):
        lr.tang_char_data(form="seven")
    with pytest.raises(ValueError, match=full("temperature must be > 0, got 0")):
        lr.temperature_probs(np.zeros(3), 0)
    with pytest.raises(ValueError, match=full("prime must be a non-empty str, got ''")):
        lr.sample(model, lr.CharVocab("abcdefg"), "", 3)


def test_load_tang_lstm_refuses_a_corpus_that_does_not_match_its_config(monkeypatch):
    vocab, train, val = lr.tang_char_data()
    small = lr.CharVocab("".join(vocab.chars[:-1]))
    monkeypatch.setattr(charlm, "tang_char_data", lambda every, form: (small, train, val))
    n = len(vocab)
    with pytest.raises(ValueError, match=full(f"tang_lstm.json: vocab_size {n} does not match the corpus "
                                              f"vocabulary ({n - 1} characters)")):
        lr.load_tang_lstm()


# ------------------------------------------------------------------------------ experiment drivers

TINY = dict(T=8, hidden_size=3, steps=2, eval_every=1, batch_size=4, n_test=8, threshold=None)


def test_run_config_bounds_copies_and_message():
    one = lr.RunConfig(steps=1, eval_every=1)                   # the smallest budget and schedule
    assert (one.steps, one.eval_every) == (1, 1)
    kwargs = {"form": "hochreiter"}
    cfg = lr.RunConfig(task_kwargs=kwargs)
    kwargs["form"] = "uniform"                                  # the config keeps its own copy
    assert cfg.task_kwargs == {"form": "hochreiter"} and lr.RunConfig().task_kwargs == {}
    with pytest.raises(ValueError, match=full("task must be one of ['adding', 'temporal_order'], got 'copy'")):
        lr.RunConfig(task="copy")


def test_run_to_threshold_and_run_seeds_defaults_and_config():
    run = lr.run_to_threshold(**TINY)
    assert run.kind == "lstm" and type(run.model.rnn).__name__ == "LSTM" and run.seed == 0
    cfg = lr.RunConfig(**TINY)
    runs = lr.run_seeds([0, 1], "gru", config=cfg)
    assert [r.seed for r in runs] == [0, 1] and all(r.config == cfg and r.kind == "gru" for r in runs)
    np.testing.assert_array_equal(runs[1].loss, lr.run_to_threshold("gru", seed=1, config=cfg).loss)
    t0 = time.perf_counter()
    timed = lr.run_to_threshold("rnn", **TINY)
    assert 0 < timed.seconds <= time.perf_counter() - t0   # the wall time of the training


def test_hidden_grad_norms_of_a_model_whose_layer_has_no_cell_options():
    model = lr.make_model("gru", "adding", hidden_size=3, seed=0)
    x, y = lr.task_data("adding", 2, 5, seed=1)
    bare = types.SimpleNamespace(params=model.params, kind="gru", loss="mse", head="last", rnn=object())
    np.testing.assert_array_equal(lr.hidden_grad_norms(bare, x, y), lr.hidden_grad_norms(model, x, y))


def test_error_metric_is_the_fraction_of_wrong_argmax_labels():
    run = lr.run_to_threshold("lstm", seed=1, task="temporal_order", **dict(TINY, n_test=64))
    x_test, y_test = run.test
    err = float(np.mean(run.model.predict(x_test).argmax(-1) != y_test))
    # the oracle tells the error from the accuracy and from "always class 0" on this test set
    assert err != 0.5 and err != np.mean(y_test != 0)
    assert run.final_eval == err and run.eval[-1] == err


def test_hidden_grad_norms_message_for_stacked_and_bidirectional_models():
    x, y = lr.task_data("adding", 2, 5, seed=1)
    for kwargs in (dict(num_layers=2), dict(bidirectional=True)):
        model = lr.SequenceModel("rnn", 2, 3, 1, **kwargs)
        with pytest.raises(ValueError, match=full("model must be a single-layer unidirectional model for hidden_grad_norms")):
            lr.hidden_grad_norms(model, x, y)


def test_adding_baseline_defaults_to_the_uniform_form():
    assert lr.adding_baseline_mse() == 1.0 / 6.0 == lr.adding_baseline_mse("uniform")
    assert lr.adding_baseline_mse("hochreiter") == 19.0 / 480.0
    with pytest.raises(ValueError, match=full("form must be 'uniform' or 'hochreiter', got 'Uniform'")):
        lr.adding_baseline_mse("Uniform")


def test_line_format_rate_with_its_own_pattern_and_without_lines():
    vocab = lr.CharVocab("春眠不觉晓，处处闻啼鸟。\n")
    model = lr.CharLSTM(len(vocab), 3, 4, seed=0)
    rate, lines = lr.line_format_rate(model, vocab, n_samples=0, prime="春")
    assert (rate, lines) == (0.0, [])                           # no line at all: rate 0, not NaN
    rate, lines = lr.line_format_rate(model, vocab, pattern=re.compile(".+"), n_samples=2, prime="春", max_chars=12)
    assert rate == 1.0 and lines and all("\n" not in line for line in lines)
    rate5, _ = lr.line_format_rate(model, vocab, n_samples=2, prime="春", max_chars=12)
    assert rate5 == float(np.mean([bool(lr.FIVE_CHAR_LINE.match(line)) for line in lines]))


def test_make_model_defaults_build_the_model_run_to_threshold_trains_by_default():
    cfg = lr.RunConfig()
    default = lr.make_model("lstm")
    spelled = lr.make_model("lstm", cfg.task, hidden_size=cfg.hidden_size, seed=0)
    assert default.head == "last" and default.loss == "mse" and default.hidden_size == cfg.hidden_size
    for k, v in spelled.params.items():
        np.testing.assert_array_equal(default.params[k], v)
    with pytest.raises(ValueError, match=full("task must be one of ['adding', 'temporal_order'], got 'copy'")):
        lr.make_model("lstm", "copy")


def test_task_data_passes_the_seed_and_the_options():
    for task, fn in (("adding", lr.adding_problem), ("temporal_order", lr.temporal_order)):
        for a, b in zip(lr.task_data(task, 3, 9, 5), fn(3, 9, seed=5)):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError):
        lr.task_data("temporal_order", 3, 9, 5, form="hochreiter")   # an option the task does not have


def test_run_to_threshold_trains_on_batches_of_the_configured_form():
    cfg = dict(TINY, T=24, steps=3)
    run = lr.run_to_threshold("gru", seed=0, task_kwargs={"form": "hochreiter"}, **cfg)
    model = lr.make_model("gru", hidden_size=3, seed=0)
    hist = lr.train(model, lambda s: lr.adding_problem(4, 24, seed=10_000_019 + s, form="hochreiter"), 3,
                    lr.Adam(lr=1e-2), clip=1.0)
    np.testing.assert_allclose(run.loss, hist["loss"], rtol=1e-12)


def test_adding_problem_defaults_and_positions_drawn_per_sequence():
    for a, b in zip(lr.adding_problem(5, 9), lr.adding_problem(5, 9, seed=0, form="uniform")):
        np.testing.assert_array_equal(a, b)
    x, _ = lr.adding_problem(300, 21, seed=2)
    marked = x[..., 1] == 1
    first, second = marked[:10].argmax(0), 10 + marked[10:].argmax(0)
    assert set(first) == set(range(10)) and set(second) == set(range(10, 21))   # each sequence draws its own


def test_sampling_defaults_and_dtypes():
    logits = np.array([[2.0, 1.0, 0.5], [0.0, 3.0, -1.0]], dtype=np.float32)
    p = lr.temperature_probs(logits)
    assert p.dtype == np.float64                                          # computed in float64
    np.testing.assert_allclose(p, lr.softmax(logits.astype(np.float64)), rtol=1e-15)   # the default temperature is 1
    np.testing.assert_allclose(p.sum(-1), 1.0, rtol=1e-15)                # over the last axis, row by row
    vocab = lr.CharVocab("春眠不觉晓，处处闻啼鸟。\n")
    model = lr.CharLSTM(len(vocab), 3, 4, seed=0)
    assert lr.sample(model, vocab, "春", 15) == lr.sample(model, vocab, "春", 15, temperature=1.0, seed=0)


def test_float32_char_model_trains_in_float32_with_dropout():
    model = lr.CharLSTM(9, 3, 4, seed=0, dtype=np.float32, dropout=0.3)
    x = np.random.default_rng(0).integers(0, 9, (6, 2))
    loss, grads, state = model.loss_and_grads(x, x)
    assert all(g.dtype == np.float32 for g in grads.values()) and all(s.dtype == np.float32 for s in state)


def test_line_format_rate_splits_the_samples_at_line_breaks_only():
    vocab = lr.CharVocab("a b\n")
    model = lr.CharLSTM(len(vocab), 3, 4, seed=1)
    _, lines = lr.line_format_rate(model, vocab, pattern=re.compile(".+"), n_samples=3, prime="a", max_chars=30)
    texts = [lr.sample(model, vocab, "a", 30, temperature=0.8, seed=k, stop="\n\n") for k in range(3)]
    expected = [line for t in texts for line in t.split("\n") if line]
    assert lines == expected and any(" " in line for line in lines)


def test_encode_names_the_first_ten_unknown_characters_and_tasks_name_n():
    with pytest.raises(ValueError, match=full("text must hold only characters of the vocabulary, got 'cdefghijkl' outside it")):
        lr.CharVocab("ab").encode("abcdefghijklmnop")
    with pytest.raises(ValueError, match=full("n (number of sequences) must be a positive integer, got 0")):
        lr.adding_problem(0, 5)


def test_char_lstm_dropout_masks_are_not_drawn_from_the_stream_of_any_initial_weights():
    p = 0.5
    model = lr.CharLSTM(50, 10, 8, seed=0, dropout=p)
    masks = []
    draw = model._dropout_mask
    model._dropout_mask = lambda shape: masks.append(draw(shape)) or masks[-1]
    x = np.random.default_rng(0).integers(0, 50, size=(40, 5))
    model.loss_and_grads(x, x)
    kept = masks[0].ravel() > 0
    bound = 1.0 / np.sqrt(8)                                     # U(-1/sqrt(H), 1/sqrt(H)) for the LSTM and the head
    for name, w in model.params.items():
        if name == "embed.weight":
            continue
        u = (w.ravel() + bound) / (2 * bound)                    # the uniform number each weight was made from
        n = min(u.size, kept.size)
        agree = np.mean((u[:n] >= p) == kept[:n])
        assert agree < 0.75, (name, agree)                       # independent streams agree about half the time
