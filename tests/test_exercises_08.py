"""Chapter 08's exercise checks reject plausible wrong answers and accept the reference solutions."""
from _exercise_helpers import exercise_tests

NAME = "08_"

WRONG = {
    1: [  # the arithmetic mean of 1/p; the loss in nats instead of its exponential; no mean
        "def perplexity(p):\n    return float(np.mean(1 / p))\n",
        "def perplexity(p):\n    return float(-np.mean(np.log(p)))\n",
        "def perplexity(p):\n    return float(np.exp(-np.sum(np.log(p))))\n",
    ],
    2: [  # off by one; the marks swapped; a comma after every verse
        "def punctuation_at(pos, n):\n    verse, j = divmod(pos, n)\n"
        "    return ('，' if verse % 2 == 0 else '。') if j == n - 1 else ''\n",
        "def punctuation_at(pos, n):\n    verse, j = divmod(pos, n + 1)\n"
        "    return ('。' if verse % 2 == 0 else '，') if j == n else ''\n",
        "def punctuation_at(pos, n):\n    return '，' if pos % (n + 1) == n else ''\n",
    ],
    3: [  # unpaired spread of d (no centring on margin * n); per-poem ratios; the sqrt(m) missing
        "def paired_se(d, n):\n    return float(np.std(d, ddof=1) * np.sqrt(len(d)) / n.sum())\n",
        "def paired_se(d, n):\n    return float(np.std(d / n, ddof=1) / np.sqrt(len(d)))\n",
        "def paired_se(d, n):\n    m = d.sum() / n.sum()\n"
        "    return float(np.sqrt(np.sum((d - m * n) ** 2)) / n.sum() / np.sqrt(len(d)))\n",
    ],
}


ns, test_check_rejects_a_wrong_answer, test_check_accepts_the_solution = exercise_tests(NAME, WRONG)
