"""Chapter 06's exercise checks reject plausible wrong answers and accept the reference solutions."""
from _exercise_helpers import exercise_tests

NAME = "06_"

WRONG = {
    1: [  # one bias vector; the LSTM's four blocks; the recurrent block forgotten
        "def gru_params(I, H):\n    return 3 * (H * (I + H) + H)\n",
        "def gru_params(I, H):\n    return 4 * (H * (I + H) + 2 * H)\n",
        "def gru_params(I, H):\n    return 3 * (H * I + 2 * H)\n",
    ],
    2: [  # no conversion; the weights negated but not the biases; the input dict changed in place
        "def blog_to_pytorch(p):\n    return {k: v.copy() for k, v in p.items()}\n",
        "def blog_to_pytorch(p):\n    H = p['weight_hh'].shape[1]\n    q = {k: v.copy() for k, v in p.items()}\n"
        "    q['weight_ih'][H:2 * H] *= -1\n    q['weight_hh'][H:2 * H] *= -1\n    return q\n",
        "def blog_to_pytorch(p):\n    H = p['weight_hh'].shape[1]\n    for k in p:\n        p[k][H:2 * H] *= -1\n"
        "    return p\n",
    ],
    3: [  # the blog form's 1 - z; one step too few; the gate's bias taken as the gate
        "def surviving(b, steps):\n    return float(1 - lr.sigmoid(np.array(b))) ** steps\n",
        "def surviving(b, steps):\n    return float(lr.sigmoid(np.array(b))) ** (steps - 1)\n",
        "def surviving(b, steps):\n    return float(np.tanh(b)) ** steps\n",
    ],
}


ns, test_check_rejects_a_wrong_answer, test_check_accepts_the_solution = exercise_tests(NAME, WRONG)
