"""Chapter 08's character model: the shipped weights, and the charlm building blocks.

The shipped-weights tests are fast (a forward pass over the 795 held-out characters and a few
sampled poems); they check what TANG300_SOURCE / tang_lstm.json state.
"""
import json
import pathlib

import numpy as np
import pytest

import lstm_ref as lr

DATA = pathlib.Path(lr.__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def shipped():
    return lr.load_tang_lstm()


def test_shipped_weights_load_small_and_float32():
    path = DATA / "tang_lstm.npz"
    assert path.stat().st_size < 5e6
    params = lr.load_params(path)
    assert params and all(v.dtype == np.float32 for v in params.values())
    assert "embed.weight" in params and "rnn.weight_hh_l0" in params and "head.bias" in params


def test_shipped_weights_reach_the_stated_validation_loss(shipped):
    model, vocab, config = shipped
    assert model.dtype == np.float64 and len(vocab) == config["vocab_size"]
    _, train_ids, val_ids = lr.tang_char_data(every=config["val_every"], form=config["form"])
    assert val_ids.size == config["val_chars"] and train_ids.size == config["train_chars"]
    val_loss = lr.evaluate_char_lm(model, val_ids)
    assert abs(val_loss - config["val_loss"]) < 1e-4          # the stated number is reproduced
    entropy0 = lr.unigram_entropy(train_ids)
    assert abs(entropy0 - config["unigram_entropy"]) < 1e-6
    assert val_loss < entropy0                                  # better than any context-free model
    assert val_loss < lr.unigram_cross_entropy(train_ids, val_ids, len(vocab))


def test_shipped_model_writes_five_character_couplets(shipped):
    model, vocab, config = shipped
    rate, lines = lr.line_format_rate(model, vocab, temperature=config["format_temperature"])
    assert abs(rate - config["format_rate"]) < 1e-12 and rate >= config["target_format_rate"]
    assert len(lines) >= 10


def test_vocab_is_sorted_and_round_trips():
    v = lr.CharVocab("春眠不觉晓，处处闻啼鸟。\n")
    assert v.chars == sorted(set(v.chars)) and len(v) == 12
    text = "处处闻啼鸟。"
    assert v.decode(v.encode(text)) == text
    with pytest.raises(ValueError, match="text must hold only characters of the vocabulary, got '夜' outside it"):
        v.encode("夜")


def test_batchify_and_chunks_read_the_text_in_order():
    ids = np.arange(103)
    data = lr.batchify(ids, 4)
    assert data.shape == (25, 4) and np.array_equal(data[:, 1], np.arange(25, 50))
    chunks = list(lr.tbptt_chunks(data, 7))
    xs = np.concatenate([x for x, _ in chunks])
    ys = np.concatenate([y for _, y in chunks])
    assert np.array_equal(xs, data[:-1]) and np.array_equal(ys, data[1:])   # targets = inputs shifted by one
    assert [len(x) for x, _ in chunks] == [7, 7, 7, 3]


def test_split_poems_holds_out_every_tenth():
    poems = [{"lines": [str(k)]} for k in range(25)]
    train, val = lr.split_poems(poems, every=10)
    assert [p["lines"][0] for p in val] == ["9", "19"] and len(train) == 23


def test_unigram_entropy_of_a_uniform_text():
    assert abs(lr.unigram_entropy(np.array([0, 1, 2, 3] * 5)) - np.log(4)) < 1e-12
    # add-one smoothing: every one of V=5 symbols seen, one unseen
    ce = lr.unigram_cross_entropy(np.array([0, 0, 1]), np.array([4]), 5)
    assert abs(ce - np.log(8)) < 1e-12


def test_char_lstm_gradients_match_central_differences():
    model = lr.CharLSTM(7, 3, 4, seed=1)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 7, (5, 2)), rng.integers(0, 7, (5, 2))
    h0 = rng.normal(size=(1, 2, 4)), rng.normal(size=(1, 2, 4))
    _, grads, _ = model.loss_and_grads(x, y, h0)
    params = model.params

    def f(**p):
        saved = {k: v.copy() for k, v in params.items()}
        for k, v in p.items():
            params[k][...] = v
        logits, _ = model.forward(x, h0)
        for k, v in saved.items():
            params[k][...] = v
        loss, _ = lr.softmax_cross_entropy(logits.reshape(10, 7), y.reshape(10))
        return loss

    inputs = {k: v.copy() for k, v in params.items()}
    for name, g in grads.items():
        num = lr.numerical_gradient(f, inputs, name, eps=1e-5, order=4)
        # absolute error against the gradient's scale (a relative error per element would be
        # dominated by finite-difference round-off on entries near 1e-6)
        assert np.abs(num - g).max() < 1e-8 * max(1.0, np.abs(g).max()), name
        assert np.abs(g).max() > 0


def test_carried_state_equals_one_long_pass():
    model = lr.CharLSTM(11, 3, 5, seed=2)
    ids = np.random.default_rng(1).integers(0, 11, 40)
    whole = lr.evaluate_char_lm(model, ids, bptt=1000)
    chunked = lr.evaluate_char_lm(model, ids, bptt=6)
    assert abs(whole - chunked) < 1e-12


def test_temperature_orders_entropy_and_sampling_is_seeded():
    logits = np.array([2.0, 1.0, 0.5, -1.0])
    h = [lr.entropy(lr.temperature_probs(logits, t)) for t in (0.5, 1.0, 1.5)]
    assert h[0] < h[1] < h[2] < np.log(4)
    assert np.allclose(lr.temperature_probs(logits, 1.0), lr.softmax(logits))
    model = lr.CharLSTM(12, 3, 5, seed=0)
    vocab = lr.CharVocab("春眠不觉晓，处处闻啼鸟。\n")
    a = lr.sample(model, vocab, "春", 20, temperature=1.0, seed=3)
    assert a == lr.sample(model, vocab, "春", 20, temperature=1.0, seed=3) and len(a) == 20
    assert lr.sample(model, vocab, "春", 20, seed=3, stop="。").endswith("。") or "。" not in a


def test_dropout_only_in_training_and_validated():
    model = lr.CharLSTM(9, 3, 4, seed=0, dropout=0.5)
    x = np.zeros((3, 2), dtype=np.int64)
    a, _ = model.forward(x)
    b, _ = model.forward(x)
    assert np.array_equal(a, b)
    with pytest.raises(ValueError, match="dropout"):
        lr.CharLSTM(9, 3, 4, dropout=1.0)


def test_load_state_dict_rejects_bad_keys_and_shapes():
    model = lr.CharLSTM(9, 3, 4)
    d = model.state_dict()
    with pytest.raises(ValueError, match=r"missing keys \['head.bias'\]"):
        model.load_state_dict({k: v for k, v in d.items() if k != "head.bias"})
    d["head.bias"] = np.zeros(3)
    with pytest.raises(ValueError, match="head.bias"):
        model.load_state_dict(d)


def test_stated_numbers_in_the_config_are_consistent():
    config = json.loads((DATA / "tang_lstm.json").read_text(encoding="utf-8"))
    chosen = [e for e in config["log"] if e["step"] == config["best_step"]]
    assert chosen and config["val_loss"] < config["unigram_entropy"]


def test_corpus_matches_its_provenance_file():
    import hashlib
    import re

    text = (DATA / "tang300.txt").read_bytes()
    stated = re.search(r"sha256 of `tang300.txt`: `([0-9a-f]{64})`",
                       (DATA / "TANG300_SOURCE.md").read_text(encoding="utf-8")).group(1)
    assert hashlib.sha256(text).hexdigest() == stated
    poems = lr.load_tang_poems()
    assert len(poems) == 313 and sum(len("".join(p["lines"])) for p in poems) == 22200
    body = "".join("".join(p["lines"]) for p in poems)
    assert not set(body) & set("\x1b%[]m ")          # colour codes, separators and spaces are gone
    assert not any(p["author"].startswith("作者") for p in poems)


def test_extraction_script_cleans_a_fortune_file():
    import importlib.util

    path = pathlib.Path(__file__).resolve().parents[1] / "scripts" / "extract_tang_poems.py"
    spec = importlib.util.spec_from_file_location("extract_tang_poems", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    raw = ("\x1b[32m《甲・并序》\x1b[m\n\x1b[33m作者：某\x1b[m\n序文，不是诗。\n  \n一二三四五，六七八九十。\n%\n"
           "\x1b[32m《乙,丙》\x1b[m\n\x1b[33m作者：某某\x1b[m\n春眠不觉晓，处处闻啼鸟。\n%\n")
    poems = mod.parse(raw)
    assert poems == [("《甲・并序》", "某", ["一二三四五，六七八九十。"]),
                     ("《乙，丙》", "某某", ["春眠不觉晓，处处闻啼鸟。"])]
    assert mod.render(poems) == "《甲・并序》\n某\n一二三四五，六七八九十。\n\n《乙，丙》\n某某\n春眠不觉晓，处处闻啼鸟。\n"
