"""Chapter 08's Tang corpus, counting baselines, two-layer LSTM, decoding rules and shipped model."""
import collections
import hashlib
import importlib.util
import json
import pathlib

import numpy as np
import pytest

import lstm_ref as lr

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus():
    return {s: lr.load_tang_corpus(s) for s in ("train", "validation", "test")}


@pytest.fixture(scope="module")
def vocab(corpus):
    return lr.TangVocab.from_poems(corpus["train"])


# ----------------------------------------------------------------------------- corpus

def test_corpus_splits_follow_the_hash_rule_and_the_form(corpus):
    stats = lr.tang_corpus_info()["stats"]
    assert {s: len(p) for s, p in corpus.items()} == stats["poems"]
    bodies = set()
    for split, poems in corpus.items():
        for p in poems:
            body = "".join(p["lines"])
            b = hashlib.sha1(body.encode()).digest()[0]
            assert split == ("train" if b < 230 else "validation" if b < 243 else "test")
            assert lr.is_valid_poem("\n".join(p["lines"]), f"{len(p['lines'][0]) - 1}x{len(p['lines'])}")
            bodies.add(body)
    assert len(bodies) == sum(stats["poems"].values())          # no duplicate anywhere
    assert 0.88 < stats["poems"]["train"] / len(bodies) < 0.92


def test_corpus_file_is_small_and_its_hash_is_recorded():
    path = ROOT / "lstm_ref" / "data" / "tang_corpus.json.gz"
    assert path.stat().st_size <= 5_000_000
    assert hashlib.sha256(path.read_bytes()).hexdigest() == lr.tang_corpus_info()["sha256"]
    assert lr.tang_corpus_info()["sha256"] in (ROOT / "lstm_ref" / "data" / "TANG_CORPUS_SOURCE.md").read_text()


def test_bad_split_is_named():
    with pytest.raises(ValueError, match="split"):
        lr.load_tang_corpus("dev")


def test_vocab_and_encode_poems(corpus, vocab):
    assert vocab.itos[:2] == ["\n", "□"]
    assert vocab.decode(vocab.encode("春眠不觉晓，")) == "春眠不觉晓，"
    assert vocab.encode("\uE000")[0] == 1                      # outside the vocabulary -> □
    poems = corpus["validation"][:3]
    ids = lr.encode_poems(vocab, poems)
    text = vocab.decode(ids)
    assert text == "\n" + "".join("".join(p["lines"]) + "\n" for p in poems).replace(
        "".join(c for c in set("".join("".join(p["lines"]) for p in poems)) if c not in vocab.stoi), "□")
    assert len(ids) == 1 + sum(len("".join(p["lines"])) + 1 for p in poems)


def test_poem_batches_cover_each_poem_once(corpus, vocab):
    poems = corpus["validation"][:300]
    seen = []
    for x, y, idx in lr.poem_batches(vocab, poems, 32, shuffle_seed=1):
        assert x.shape == y.shape and np.all(x[0] == 0) and np.all(y[-1] == 0)
        assert np.array_equal(x[1:], y[:-1])
        seen.extend(idx.tolist())
    assert sorted(seen) == list(range(len(poems)))


# ----------------------------------------------------------------------------- n-grams

def _kn_reference(train, order, V, D, context, w):
    """Interpolated Kneser-Ney written from the formula with dicts, for one probability."""
    padded = [[0] * (order - 2) + list(s) for s in train]
    grams = collections.Counter(tuple(s[i - order + 1: i + 1]) for s in padded
                                for i in range(order - 1, len(s)))
    counts = {order: grams}
    distinct = set(grams)
    for k in range(order - 1, 0, -1):
        counts[k] = collections.Counter(g[1:] for g in distinct)
        distinct = set(counts[k])
    p = 1.0 / V
    for k in range(1, order + 1):
        h = tuple(context[len(context) - (k - 1):]) if k > 1 else ()
        tot = sum(c for g, c in counts[k].items() if g[:-1] == h)
        if tot == 0:
            continue
        types = sum(1 for g in counts[k] if g[:-1] == h)
        p = max(counts[k].get(h + (w,), 0) - D, 0) / tot + D * types / tot * p
    return p


@pytest.mark.parametrize("order", [2, 3, 4])
def test_kneser_ney_matches_the_formula(order):
    rng = np.random.default_rng(order)
    V = 7
    train = [np.concatenate([[0], rng.integers(1, V, rng.integers(3, 9)), [0]]) for _ in range(25)]
    m = lr.KneserNeyLM(order, V).fit(train)
    for _ in range(5):
        ctx = rng.integers(0, V, order - 1)
        lp = m.log_probs(ctx, 0.7)
        assert abs(np.exp(lp).sum() - 1) < 1e-12
        for w in range(V):
            assert np.exp(lp[w]) == pytest.approx(_kn_reference(train, order, V, 0.7, list(ctx), w), rel=1e-12)


def test_kneser_ney_scores_sequences_as_its_log_probs():
    rng = np.random.default_rng(0)
    V = 6
    train = [np.concatenate([[0], rng.integers(1, V, 6), [0]]) for _ in range(30)]
    m = lr.KneserNeyLM(3, V).fit(train)
    s = np.array([0, 2, 3, 1, 0])
    nll, n = m.poem_nll([s], 0.8)
    by_hand = -sum(m.log_probs(s[:t], 0.8)[s[t]] for t in range(1, len(s)))
    assert n[0] == 4 and nll[0] == pytest.approx(by_hand, rel=1e-12)
    u = lr.UnigramLM(V).fit(train)
    assert abs(np.exp(u.logp).sum() - 1) < 1e-12


def test_ngram_bad_input_is_named():
    with pytest.raises(ValueError, match="order"):
        lr.KneserNeyLM(1, 5)
    with pytest.raises(ValueError, match=r"seqs\[0\]"):
        lr.KneserNeyLM(2, 5).fit([np.array([0, 9])])
    with pytest.raises(ValueError, match="discount"):
        lr.KneserNeyLM(2, 5).fit([np.array([0, 1, 0])]).poem_nll([np.array([0, 1, 0])], 1.5)


def test_baselines_json_spot_check(corpus, vocab):
    """Re-fit one configuration of the committed sweep and reproduce its validation loss."""
    res = json.loads((ROOT / "lstm_ref" / "data" / "tang_baselines.json").read_text())
    seq = [vocab.encode("\n" + "".join(p["lines"]) + "\n") for p in corpus["train"]]
    val = [vocab.encode("\n" + "".join(p["lines"]) + "\n") for p in corpus["validation"]]
    nll, n = lr.KneserNeyLM(2, len(vocab)).fit(seq).poem_nll(val, 0.8)
    assert nll.sum() / n.sum() == pytest.approx(res["kn_val"]["2"]["0.8"], abs=1e-9)


# ----------------------------------------------------------------------------- the LSTM

def test_tang_lstm_gradients_match_finite_differences():
    m = lr.TangLSTM(23, 5, 6, 2, 0.0, 4, seed=1, dtype=np.float64)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 23, (7, 3)), rng.integers(0, 23, (7, 3))
    m.nll(x, y, want_grad=True)
    grads = {k: v.copy() for k, v in m.grads.items()}
    for k, p in m.params.items():
        for _ in range(3):
            i = tuple(rng.integers(0, s) for s in p.shape)
            old = p[i]
            p[i] = old + 1e-5
            a = m.nll(x, y).mean()
            p[i] = old - 1e-5
            b = m.nll(x, y).mean()
            p[i] = old
            assert (a - b) / 2e-5 == pytest.approx(grads[k][i], abs=1e-8), k


def test_tang_lstm_forward_is_a_normalised_deterministic_distribution():
    m = lr.TangLSTM(30, 4, 5, 2, 0.5, 6, seed=2, dtype=np.float64)
    x = np.random.default_rng(1).integers(0, 30, (5, 2))
    a, _ = m.forward(x)
    b, _ = m.forward(x)
    assert np.array_equal(a, b) and np.allclose(np.exp(a).sum(-1), 1)
    c, _ = m.forward(x, train=True)
    assert not np.allclose(a, c)                                # dropout only when asked
    y = np.roll(x, -1, axis=0)
    assert np.allclose(m.nll(x, y), -np.take_along_axis(a, y[..., None], -1)[..., 0])
    with pytest.raises(ValueError, match="ids"):
        m.forward(np.array([[30]]))


def test_training_script_short_run(tmp_path):
    spec = importlib.util.spec_from_file_location("train_tang", ROOT / "scripts" / "train_tang_model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--epochs", "1", "--max-poems", "64", "--out-dir", str(tmp_path), "--no-progress"]) == 0
    card = json.loads((tmp_path / "tang_lstm2.json").read_text())
    assert card["history"]["epoch"] == [1] and card["history"]["val_loss"][0] < card["val_evaluations"]["val_loss"][0]
    model, vocab = lr.load_pretrained("tang", tmp_path)
    val = lr.load_tang_corpus("validation")[:16]
    nll, n = lr.poem_nll(model, vocab, val)
    assert nll.sum() / n.sum() == pytest.approx(card["val_loss"], abs=1e-9)


# ----------------------------------------------------------------------------- decoding rules

@pytest.fixture(scope="module")
def tiny(vocab):
    return lr.TangLSTM(len(vocab), 8, 8, 2, 0.0, 80, seed=3), vocab


@pytest.mark.parametrize("form", ["5x4", "7x8"])
def test_constrained_poems_are_valid_and_follow_tones_and_rhyme(tiny, form):
    model, vocab = tiny
    poems = lr.generate_poems(model, vocab, range(6), form=form, tones=True, rhyme=True)
    assert all(lr.is_valid_poem(p, form) for p in poems)
    assert all(lr.follows_tones(p, form, vocab) and lr.rhymes(p, vocab) for p in poems)
    free = lr.generate_poems(model, vocab, range(6), form=form, constrained=False)
    assert not all(lr.is_valid_poem(p, form) for p in free)      # a random model breaks the form


def test_acrostic_theme_and_seeds(tiny):
    model, vocab = tiny
    p = lr.generate_poem(model, vocab, acrostic="春江花月", seed=4)
    assert [v[0] for v in p.split("\n")] == list("春江花月") and lr.is_valid_poem(p, "5x4")
    q = lr.generate_poem(model, vocab, form="7x4", theme="秋风", seed=4)
    assert q.startswith("秋风") and lr.is_valid_poem(q, "7x4")
    assert lr.generate_poem(model, vocab, seed=5) == lr.generate_poems(model, vocab, [9, 5])[1]
    assert lr.generate_poem(model, vocab, seed=5) != lr.generate_poem(model, vocab, seed=6)
    b = lr.beam_search_poem(model, vocab, width=3, acrostic="白日依山")
    assert lr.is_valid_poem(b, "5x4") and b[0] == "白"
    with pytest.raises(ValueError, match="acrostic"):
        lr.generate_poem(model, vocab, acrostic="春江")
    with pytest.raises(ValueError, match="form"):
        lr.generate_poem(model, vocab, form="6x4")


def test_measures_on_known_poems(corpus):
    train = corpus["train"][:50]
    copied = ["\n".join(p["lines"]) for p in train[:4]]
    assert lr.novelty(copied, train) == 1.0
    assert lr.repeat_rate(["山山日月光，\n水云天地人。"]) == 0.5


# ----------------------------------------------------------------------------- the shipped model

def test_shipped_model_reproduces_its_card():
    card = lr.tang_card()
    assert (ROOT / "lstm_ref" / "data" / "tang_lstm2.npz").stat().st_size <= 15_000_000
    assert card["corpus"]["sha256"] == lr.tang_corpus_info()["sha256"]
    assert card["selected"]["val_loss_float32"] == min(card["val_evaluations"]["val_loss"])
    model, vocab = lr.load_pretrained("tang")
    sl = lr.load_tang_corpus("validation")[: card["val_slice"]["poems"]]
    nll, n = lr.poem_nll(model, vocab, sl)
    assert nll.sum() / n.sum() == pytest.approx(card["val_slice"]["loss"], abs=1e-6)


def test_generation_results_spot_check():
    """Re-generate a sample of the committed decoding results and recompute their measures."""
    gen = json.loads((ROOT / "lstm_ref" / "data" / "tang_generation.json").read_text())
    model, vocab = lr.load_pretrained("tang")
    mode = gen["modes"]["form + tones + rhyme, τ = 0.8"]
    assert lr.generate_poems(model, vocab, gen["seeds"][:3], form="5x4", **mode["kwargs"]) == mode["poems"][:3]
    assert lr.beam_search_poem(model, vocab, width=8, theme=gen["beam"]["starts"][0]) == gen["beam"]["poems"][0]
    train = lr.load_tang_corpus("train")
    for m in gen["modes"].values():
        assert len(m["poems"]) == 100
        assert m["measures"]["novelty"] == lr.novelty(m["poems"], train)
        assert m["measures"]["repeat_rate"] == lr.repeat_rate(m["poems"])


def test_top_k_samples_only_the_k_most_likely_ids():
    """top_k keeps exactly the k most likely ids: a model whose every step puts three ids a little
    above the rest yields only those three (and, over 200 seeds, all three); without top_k the
    thousands of other ids take most of the draws."""
    vocab = lr.TangVocab.from_poems(lr.load_tang_corpus("train"))
    n = len(vocab)
    top = [7, 11, 13]
    z = np.full(n, -1.0)
    z[top] = [0.0, -0.1, -0.2]
    logp = z - np.log(np.exp(z).sum())

    class Fixed:
        def forward(self, ids, state=None):
            return np.broadcast_to(logp, (1, ids.shape[1], n)).copy(), state

    first = lambda poems: {p.strip()[0] for p in poems}
    k3 = lr.generate_poems(Fixed(), vocab, range(200), top_k=3, constrained=False)
    assert first(k3) == {vocab.decode([i]) for i in top}
    free = lr.generate_poems(Fixed(), vocab, range(200), constrained=False)
    assert not first(free) <= {vocab.decode([i]) for i in top}
