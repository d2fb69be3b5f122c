"""The sentiment corpus, the counting baselines, the masked (Bi)LSTM classifiers and the shipped models."""
import importlib.util
import json
import math
import pathlib

import numpy as np
import pytest

import lstm_ref as lr

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------- personal data and the split

@pytest.mark.parametrize("text, expected", [
    ("联系我 jinli1986@gmail.com 谢谢", "联系我 <email> 谢谢"),
    ("toryhellen@sina.com.", "<email>."),
    ("我的QQ:410073425欢迎", "我的QQ:<qq>欢迎"),
    ("需要的联系我呗qq42950063", "需要的联系我呗qq<qq>"),
    ("加扣扣 12345678 吧", "加扣扣 <qq> 吧"),
    ("手机：13912345678。", "手机：<phone>。"),
    ("（手机号136134462**）", "（手机号<phone>）"),
    ("联系电话：0791-2878108 锦昌大酒店", "联系电话：<phone> 锦昌大酒店"),
    ("订房电话：800-820-6666，", "订房电话：<phone>，"),
    ("订单号1411592970都7天了", "订单号<phone>都7天了"),
    ("电话１３９１２３４５６７８", "电话<phone>"),
])
def test_scrub_replaces_emails_qq_and_phone_numbers(text, expected):
    assert _script("extract_sentiment").scrub(text) == expected


@pytest.mark.parametrize("text", [
    "价格2799元，比别处便宜300-600元", "5555555，我住过最差的酒店", "2000-100的券", "ISBN 9787111054252",
    "我的qq群很热闹", "2007-7-11 到货", "房间号8808",
])
def test_scrub_keeps_prices_dates_crying_and_isbns(text):
    assert _script("extract_sentiment").scrub(text) == text


def test_split_is_a_stable_hash_of_the_text():
    mod = _script("extract_sentiment")
    texts = [f"评论{i}" for i in range(5000)]
    splits = [mod.split_of(t) for t in texts]
    assert splits == [mod.split_of(t) for t in texts]
    share = {s: splits.count(s) / len(texts) for s in mod.SPLITS}
    assert abs(share["train"] - 0.8) < 0.02 and abs(share["validation"] - 0.1) < 0.015
    assert abs(share["test"] - 0.1) < 0.015


def test_select_dedups_drops_ambiguous_and_scrubs():
    mod = _script("extract_sentiment")
    rows, n_both = mod.select(["好 评", "好  评", "两边都有", "好评 QQ:1234567"], ["差评", "两边都有", "  "])
    texts = sorted(t for _, _, t in rows)
    assert n_both == 1 and texts == sorted(["好 评", "好评 QQ:<qq>", "差评"])
    assert all(s == mod.split_of(t) for s, _, t in rows)
    assert mod.to_bytes(rows) == mod.to_bytes(list(rows))          # byte-reproducible


# ---------------------------------------------------------------- the bundled file

def test_bundled_corpus_counts_and_rule():
    mod = _script("extract_sentiment")
    sizes = {}
    for split in mod.SPLITS:
        texts, labels = lr.load_sentiment(split)
        assert labels.dtype == np.int64 and labels.shape == (len(texts),)
        assert all(mod.split_of(t) == split for t in texts)
        assert mod.clean(texts) == texts                            # already clean and scrubbed
        sizes[split] = (len(texts), int(labels.sum()))
    assert sizes == {"train": (13946, 6726), "validation": (1687, 779), "test": (1728, 825)}
    texts, labels = lr.load_sentiment("all")
    assert len(set(texts)) == len(texts) == 17361 and int(labels.sum()) == 8330
    assert (ROOT / "lstm_ref" / "data" / "sentiment_zh.tsv.gz").stat().st_size <= 3_000_000


def test_bundled_corpus_has_no_email_qq_or_phone_left():
    mod = _script("extract_sentiment")
    texts, _ = lr.load_sentiment("all")
    for pattern in (mod.EMAIL, mod.QQ, mod.LANDLINE, mod.HYPHENATED):
        assert not any(pattern.search(t) for t in texts)
    long_runs = [m.group(0) for t in texts for m in mod.LONG_NUMBER.finditer(t)]
    assert all(len(set(r.rstrip("*"))) == 1 for r in long_runs)     # only 5555555-style runs remain


def test_load_sentiment_names_a_bad_split_and_returns_fresh_objects():
    with pytest.raises(ValueError, match="split"):
        lr.load_sentiment("dev")
    t1, y1 = lr.load_sentiment("test")
    t1[0], y1[:] = "changed", 7
    t2, y2 = lr.load_sentiment("test")
    assert t2[0] != "changed" and set(np.unique(y2).tolist()) == {0, 1}


# ---------------------------------------------------------------- baselines and statistics

def test_naive_bayes_matches_a_hand_computation():
    texts, y = ["好好", "好差", "差差", "差"], np.array([1, 1, 0, 0])
    nb = lr.NaiveBayes((1,), alpha=1.0).fit(texts, y)
    # positive counts: 好 3, 差 1 (4 in all); negative: 好 0, 差 3 (3 in all); F = 2
    lt_pos = np.log([(3 + 1) / 6, (1 + 1) / 6])
    lt_neg = np.log([(0 + 1) / 5, (3 + 1) / 5])
    score = 2 * lt_pos[0] - 2 * lt_neg[0]                           # the text 好好
    assert nb.features.vocab == ["好", "差"][::-1] or nb.features.vocab == sorted(["好", "差"])
    k = {ch: i for i, ch in enumerate(nb.features.vocab)}
    assert np.allclose(nb.log_theta[1][[k["好"], k["差"]]], lt_pos)
    assert np.allclose(nb.log_theta[0][[k["好"], k["差"]]], lt_neg)
    assert np.isclose(nb.decision_function(["好好"])[0], score)     # equal priors cancel
    assert nb.predict(["好好好", "差差差", "未知"]).tolist()[:2] == [1, 0]


def test_bigram_naive_bayes_reads_negation_that_unigrams_cannot():
    texts = ["不好", "很好", "好", "不差", "很差", "差"] * 5
    y = np.array([0, 1, 1, 1, 0, 0] * 5)
    uni = lr.NaiveBayes((1,)).fit(texts, y)
    bi = lr.NaiveBayes((1, 2)).fit(texts, y)
    assert np.mean(bi.predict(texts) == y) == 1.0 > np.mean(uni.predict(texts) == y)


def test_logistic_regression_fits_and_nb_scaling_uses_log_count_ratios():
    rng = np.random.default_rng(0)
    pos, neg = "好棒赞", "差烂糟"
    texts = ["".join(rng.choice(list(pos if i % 2 else neg), 4)) + "的" for i in range(200)]
    y = np.arange(200) % 2
    for nb in (False, True):
        m = lr.LogisticRegression((1,), l2=1e-3, nb_scale=nb, steps=200).fit(texts, y)
        assert np.mean(m.predict(texts) == y) == 1.0
    m = lr.LogisticRegression((1,), nb_scale=True, steps=1).fit(texts, y)
    k = m.features.vocab.index("的")
    assert abs(m.r[k]) < 0.05 and m.r[m.features.vocab.index("好")] > 1   # neutral vs positive character


def test_mcnemar_exact_p_value():
    a = np.array([True] * 10 + [False] * 2 + [True] * 30 + [False] * 8)
    b = np.array([False] * 10 + [True] * 2 + [True] * 30 + [False] * 8)
    n_b, n_c, p = lr.mcnemar_test(a, b)
    pmf = np.array([math.comb(12, k) for k in range(13)]) / 2.0 ** 12
    assert (n_b, n_c) == (10, 2) and np.isclose(p, 2 * pmf[:3].sum())
    assert lr.mcnemar_test(b, a)[2] == p                            # symmetric
    assert lr.mcnemar_test(a, a) == (0, 0, 1.0)
    with pytest.raises(ValueError, match="correct_a"):
        lr.mcnemar_test(a.astype(int), b)


def test_wilson_interval_contains_the_proportion_and_shrinks():
    lo, hi = lr.wilson_interval(50, 100)
    assert np.isclose(lo, 0.403832, atol=1e-6) and np.isclose(hi, 0.596168, atol=1e-6)
    lo2, hi2 = lr.wilson_interval(500, 1000)
    assert lo < lo2 < 0.5 < hi2 < hi
    assert lr.wilson_interval(0, 10)[0] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match=r"k and n must satisfy 0 <= k <= n and n >= 1, got k=11, n=10"):
        lr.wilson_interval(11, 10)


# ---------------------------------------------------------------- masked (Bi)LSTM classifiers

VOCAB = lr.SentimentVocab(["我爱中国很好不错差劲", "太差了不好"], min_count=1)
TEXTS = ["我爱中国", "不好", "很好很好不错", "差", "太差了，不好"]


@pytest.mark.parametrize("encoder", lr.SENTIMENT_ENCODERS)
def test_padded_batch_equals_each_sequence_alone(encoder):
    m = lr.SentimentRNN(VOCAB, 5, 4, encoder, dtype=np.float64, seed=1)
    batch = lr.pad_batch([VOCAB.encode(t) for t in TEXTS])
    assert batch[0].shape == (6, 5) and batch[1].tolist() == [4, 2, 6, 1, 6]
    together = m.forward(batch)
    alone = np.concatenate([m.forward(lr.pad_batch([VOCAB.encode(t)])) for t in TEXTS])
    assert lr.rel_error(together, alone) < 1e-12
    # and the padding id's embedding does not matter
    m.embed.params["weight"][0] += 100.0
    assert lr.rel_error(m.forward(batch), alone) < 1e-12


@pytest.mark.parametrize("encoder", lr.SENTIMENT_ENCODERS)
def test_classifier_gradients_match_finite_differences(encoder):
    m = lr.SentimentRNN(VOCAB, 4, 3, encoder, dtype=np.float64, seed=2)
    batch = lr.pad_batch([VOCAB.encode(t) for t in TEXTS])
    y = np.array([1, 0, 1, 0, 0])
    _, grads = m.loss_and_grads(batch, y)
    assert set(grads) == set(m.params)
    rng = np.random.default_rng(0)
    for k, p in m.params.items():
        for _ in range(4):
            i = tuple(rng.integers(0, s) for s in p.shape)
            old = p[i]
            p[i] = old + 1e-6
            lp, _ = m.loss_and_grads(batch, y)
            p[i] = old - 1e-6
            lm, _ = m.loss_and_grads(batch, y)
            p[i] = old
            assert abs((lp - lm) / 2e-6 - grads[k][i]) < 1e-7 + 1e-5 * abs(grads[k][i]), (k, i)


def test_sentence_vector_is_the_pair_of_final_states():
    m = lr.SentimentRNN(VOCAB, 5, 4, "bilstm-ends", dtype=np.float64, seed=3)
    batch = lr.pad_batch([VOCAB.encode("我爱中国")])
    s = m.sentence_vectors(batch)
    y, (h_n, _) = m.rnn.forward(m.embed.forward(batch[0]), None)
    assert lr.rel_error(s, np.concatenate([h_n[0], h_n[1]], axis=-1)) < 1e-12
    assert lr.rel_error(s, np.concatenate([y[-1, :, :4], y[0, :, 4:]], axis=-1)) < 1e-12


def test_dropout_only_in_training_and_bad_input_named():
    m = lr.SentimentRNN(VOCAB, 5, 4, "bilstm-mean", dropout=0.5, dtype=np.float64)
    batch = lr.pad_batch([VOCAB.encode(t) for t in TEXTS])
    assert np.array_equal(m.forward(batch), m.forward(batch))
    l1, _ = m.loss_and_grads(batch, np.zeros(5, dtype=np.int64))
    l2, _ = m.loss_and_grads(batch, np.zeros(5, dtype=np.int64))
    assert l1 != l2
    with pytest.raises(ValueError, match="lengths"):
        m.forward((batch[0], batch[1] + 5))
    with pytest.raises(ValueError, match="encoder"):
        lr.SentimentRNN(VOCAB, encoder="gru")


def test_length_buckets_cover_every_index_once_with_little_padding():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 300, size=1000)
    batches = lr.length_buckets(lengths, 64, rng)
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    padded = sum(len(b) * lengths[b].max() for b in batches)
    assert padded < 1.1 * lengths.sum()


def test_fit_sentiment_learns_a_toy_task_and_keeps_the_best_epoch():
    rng = np.random.default_rng(0)
    texts = ["".join(rng.choice(list("的了是"), rng.integers(1, 6))) + ("好" if i % 2 else "差") for i in range(256)]
    y = np.arange(256) % 2
    vocab = lr.SentimentVocab(texts, 1)
    m = lr.SentimentRNN(vocab, 8, 8, "bilstm-ends", seed=0)
    hist = lr.fit_sentiment(m, texts[:192], y[:192], texts[192:], y[192:], epochs=4, batch_size=16, lr=1e-2)
    assert lr.sentiment_accuracy(m, texts[192:], y[192:]) == max(hist["val_accuracy"]) >= 0.95


# ---------------------------------------------------------------- the shipped models and baselines

def test_shipped_model_reproduces_its_card():
    card = lr.sentiment_card()
    assert card["data_sha256"] == _script("train_sentiment").data_hash()
    te, yte = lr.load_sentiment("test")
    model, vocab = lr.load_pretrained("sentiment")
    shipped = card["shipped"][card["best"]]
    assert model.config()["encoder"] == shipped["config"]["encoder"] and len(vocab) == len(model.vocab)
    pred = model.predict(te[:300])
    assert pred.dtype == np.int64 and set(pred.tolist()) <= {0, 1}
    assert np.array_equal(pred, model.predict(te[:300]))
    stored = np.array([int(c) for c in shipped["test_predictions"]])
    assert len(stored) == len(te) and np.isclose(np.mean(stored == yte), shipped["test_accuracy"])
    assert np.mean(pred == stored[:300]) >= 0.99                    # float32 ties may flip a review
    sizes = sum((ROOT / "lstm_ref" / "data" / s["file"]).stat().st_size for s in card["shipped"].values())
    assert sizes <= 10_000_000
    for run in card["runs"]:
        assert run["val_accuracy"] == max(run["val_accuracy_per_epoch"])
    assert shipped["val_accuracy"] == max(r["val_accuracy"] for r in card["runs"])


def test_committed_baselines_reproduce():
    res = json.loads((ROOT / "lstm_ref" / "data" / "sentiment_baselines.json").read_text(encoding="utf-8"))
    mod = _script("train_sentiment")
    assert res["data_sha256"] == mod.data_hash()
    tr, ytr = lr.load_sentiment("train")
    te, yte = lr.load_sentiment("test")
    entry = res["models"]["NB, unigrams + bigrams"]
    spec = dict(entry["config"], orders=tuple(entry["config"]["orders"]))
    pred = mod.make_baseline(spec).fit(tr, ytr).predict(te)
    assert "".join(map(str, pred)) == entry["test_predictions"]
    for e in res["models"].values():
        if "search" in e and e["search"]:
            assert e["val_accuracy"] == max(s["val_accuracy"] for s in e["search"])


def test_classifier_keeps_no_stale_grads():
    """The gradients come only from loss_and_grads; ``.grads`` raises instead of returning the
    untouched gradients of the shared ``rnn`` layer."""
    m = lr.SentimentRNN(VOCAB, 4, 3, "bilstm-ends", dtype=np.float64, seed=2)
    m.loss_and_grads(lr.pad_batch([VOCAB.encode(t) for t in TEXTS]), np.array([1, 0, 1, 0, 0]))
    with pytest.raises(AttributeError, match="SentimentRNN keeps no grads; use the dict that loss_and_grads returns"):
        m.grads
