"""Counting baselines for text classification, and the statistics to compare classifiers.

Plain numpy. Documents are bags of character n-grams, stored sparsely as three flat arrays
(document index, feature index, count), so that a corpus of a million characters fits easily.

- ``NgramFeatures``: the character n-gram vocabulary of a training set and the sparse bags.
- ``MajorityClassifier``; ``NaiveBayes`` (multinomial, optionally on binarised counts, Laplace
  smoothing alpha); ``LogisticRegression`` on binarised n-grams, optionally scaled by Naive Bayes
  log-count ratios (NB-LR, the logistic-loss form of Wang & Manning's 2012 NB-SVM).
- ``wilson_interval`` (a binomial confidence interval) and ``mcnemar_test`` (exact, two-sided:
  two classifiers scored on the same items).
"""
import math

import numpy as np

from ..core._validate import describe

__all__ = ["NgramFeatures", "MajorityClassifier", "NaiveBayes", "LogisticRegression",
           "wilson_interval", "mcnemar_test"]


def _check_labels(name, y, n):
    y = np.asarray(y)
    if y.shape != (n,) or y.dtype.kind not in "iu" or not np.isin(y, (0, 1)).all():
        raise ValueError(f"{name} must be labels 0 or 1 of shape {describe((n,), ('N',))} (one per text), "
                         f"got dtype {y.dtype} with shape {y.shape}")
    return y.astype(np.int64)


def _ngrams(text, orders):
    return [text[i:i + n] for n in orders for i in range(len(text) - n + 1)]


class NgramFeatures:
    """Character n-grams of orders ``orders`` (e.g. (1,) or (1, 2)) seen in the training texts.

    fit(texts) -> self;  transform(texts) -> Bags (doc (nnz,), feat (nnz,), count (nnz,), n_docs),
    with n-grams not in the vocabulary dropped. ``vocab`` is sorted, so ids do not depend on
    hashing or set order.
    """

    def __init__(self, orders=(1,)):
        orders = tuple(int(n) for n in orders)
        if not orders or min(orders) < 1:
            raise ValueError(f"orders must be positive n-gram orders such as (1, 2), got {orders!r}")
        self.orders = orders
        self.vocab = None

    def fit(self, texts):
        self.vocab = sorted({g for t in texts for g in _ngrams(t, self.orders)})
        self._index = {g: k for k, g in enumerate(self.vocab)}
        return self

    def __len__(self):
        return len(self.vocab)

    def transform(self, texts):
        if self.vocab is None:
            raise ValueError("NgramFeatures must be fitted (call fit) before transform")
        doc, feat = [], []
        for d, t in enumerate(texts):
            ids = [self._index[g] for g in _ngrams(t, self.orders) if g in self._index]
            doc.extend([d] * len(ids))
            feat.extend(ids)
        doc, feat = np.asarray(doc, np.int64), np.asarray(feat, np.int64)
        # merge repeated (doc, feature) pairs into counts
        key = doc * len(self.vocab) + feat
        uniq, count = np.unique(key, return_counts=True)
        return Bags(uniq // len(self.vocab), uniq % len(self.vocab), count.astype(np.float64), len(texts))


class Bags:
    """Sparse document-by-feature counts: rows ``doc``, columns ``feat``, values ``count``."""

    def __init__(self, doc, feat, count, n_docs):
        self.doc, self.feat, self.count, self.n_docs = doc, feat, count, int(n_docs)

    def binary(self):
        return Bags(self.doc, self.feat, np.ones_like(self.count), self.n_docs)

    def dot(self, w):
        """(n_docs,) = X @ w."""
        return np.bincount(self.doc, weights=w[self.feat] * self.count, minlength=self.n_docs)

    def rdot(self, v, n_features):
        """(n_features,) = X^T @ v."""
        return np.bincount(self.feat, weights=v[self.doc] * self.count, minlength=n_features)


class MajorityClassifier:
    """Predicts the most frequent training label for every text."""

    def fit(self, texts, y):
        y = _check_labels("y", y, len(texts))
        self.label = int(np.bincount(y, minlength=2).argmax())
        return self

    def predict(self, texts):
        return np.full(len(texts), self.label, dtype=np.int64)


class NaiveBayes:
    """Multinomial Naive Bayes on character n-grams with Laplace smoothing ``alpha``.

    log P(c | text) = log P(c) + sum_f x_f log theta_cf + const,
    theta_cf = (N_cf + alpha) / (N_c + alpha F); x_f the n-gram's count in the text, or 1 if it
    occurs at all (``binary=True``, as Wang & Manning 2012).
    """

    def __init__(self, orders=(1,), alpha=1.0, binary=False):
        if not alpha > 0:
            raise ValueError(f"alpha must be a positive smoothing constant, got {alpha}")
        self.features = NgramFeatures(orders)
        self.alpha, self.binary = float(alpha), bool(binary)

    def _bags(self, texts):
        bags = self.features.transform(texts)
        return bags.binary() if self.binary else bags

    def fit(self, texts, y):
        y = _check_labels("y", y, len(texts))
        self.features.fit(texts)
        bags = self._bags(texts)
        F = len(self.features)
        counts = np.stack([np.bincount(bags.feat, weights=bags.count * (y[bags.doc] == c), minlength=F)
                           for c in (0, 1)])                                  # (2, F)
        self.log_theta = np.log(counts + self.alpha) - np.log(counts.sum(1, keepdims=True) + self.alpha * F)
        self.log_prior = np.log(np.bincount(y, minlength=2) / len(y))
        return self

    def decision_function(self, texts):
        """(N,) log P(positive | text) - log P(negative | text)."""
        bags = self._bags(texts)
        w = self.log_theta[1] - self.log_theta[0]
        return bags.dot(w) + self.log_prior[1] - self.log_prior[0]

    def predict(self, texts):
        return (self.decision_function(texts) > 0).astype(np.int64)


class LogisticRegression:
    """L2-regularised logistic regression on binarised character n-grams, full-batch Adam.

    ``nb_scale=True`` multiplies each feature by its Naive Bayes log-count ratio
    r_f = log((p_f / |p|_1) / (q_f / |q|_1)), p = alpha + positive counts, q = alpha + negative counts
    (NB-LR: the logistic-loss form of Wang & Manning's NB-SVM). Loss: mean cross-entropy
    + l2 / 2 |w|^2.
    """

    def __init__(self, orders=(1, 2), l2=1e-4, nb_scale=False, alpha=1.0, steps=300, lr=0.05):
        self.features = NgramFeatures(orders)
        self.l2, self.nb_scale, self.alpha = float(l2), bool(nb_scale), float(alpha)
        self.steps, self.lr = int(steps), float(lr)

    def _bags(self, texts):
        bags = self.features.transform(texts).binary()
        return Bags(bags.doc, bags.feat, self.r[bags.feat], bags.n_docs)

    def fit(self, texts, y):
        y = _check_labels("y", y, len(texts))
        self.features.fit(texts)
        F = len(self.features)
        self.r = np.ones(F)
        bags = self._bags(texts)
        if self.nb_scale:
            p = self.alpha + np.bincount(bags.feat, weights=(y[bags.doc] == 1) * 1.0, minlength=F)
            q = self.alpha + np.bincount(bags.feat, weights=(y[bags.doc] == 0) * 1.0, minlength=F)
            self.r = np.log(p / p.sum()) - np.log(q / q.sum())
            bags = self._bags(texts)
        w, b = np.zeros(F), 0.0
        m, v, mb, vb = np.zeros(F), np.zeros(F), 0.0, 0.0
        b1, b2, eps, n = 0.9, 0.999, 1e-8, len(y)
        for t in range(1, self.steps + 1):
            z = bags.dot(w) + b
            p1 = 0.5 * (1.0 + np.tanh(0.5 * z))              # sigmoid, stable
            g_out = (p1 - y) / n
            gw = bags.rdot(g_out, F) + self.l2 * w
            gb = g_out.sum()
            m = b1 * m + (1 - b1) * gw
            v = b2 * v + (1 - b2) * gw * gw
            mb = b1 * mb + (1 - b1) * gb
            vb = b2 * vb + (1 - b2) * gb * gb
            step = self.lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            w -= step * m / (np.sqrt(v) + eps)
            b -= step * mb / (math.sqrt(vb) + eps)
        self.w, self.b = w, b
        return self

    def decision_function(self, texts):
        return self._bags(texts).dot(self.w) + self.b

    def predict(self, texts):
        return (self.decision_function(texts) > 0).astype(np.int64)


def wilson_interval(k, n, z=1.959963984540054):
    """Wilson score interval (lo, hi) for a proportion of k successes in n trials (95 % by default)."""
    k, n = int(k), int(n)
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"k and n must satisfy 0 <= k <= n and n >= 1, got k={k}, n={n}")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def mcnemar_test(correct_a, correct_b):
    """Exact two-sided McNemar test of two classifiers scored on the same items.

    correct_a, correct_b : bool arrays (N,): whether each classifier got item k right.
    Returns (b, c, p): b items only A got right, c items only B got right, and
    p = min(1, 2 P(X <= min(b, c))) for X ~ Binomial(b + c, 1/2) (exact; the items both get right or
    both get wrong carry no information about which is better).
    """
    a, bb = np.asarray(correct_a), np.asarray(correct_b)
    if a.dtype != bool or bb.dtype != bool or a.shape != bb.shape or a.ndim != 1:
        raise ValueError(f"correct_a and correct_b must be bool arrays of one shape (N,), "
                         f"got {a.dtype} {a.shape} and {bb.dtype} {bb.shape}")
    b, c = int(np.sum(a & ~bb)), int(np.sum(~a & bb))
    n = b + c
    if n == 0:
        return b, c, 1.0
    tail = sum(math.comb(n, k) for k in range(min(b, c) + 1))
    return b, c, min(1.0, 2 * tail / 2 ** n)
