"""Chapter 00's exercise checks reject plausible wrong answers and accept the reference solutions."""
from _exercise_helpers import exercise_tests

NAME = "00_"


ANSWER_2 = "answer_2 = [exercise_2(i_, h_) for i_, h_ in sizes_2]\n"
ANSWER_3 = "answer_3 = [exercise_3(q) for q in layers_3]\n"
WRONG = {
    1: [  # one direction; layers and directions forgotten in h_n; batch-first
        "answer_1 = ((7, 5, 16), (3, 5, 16))\n",
        "answer_1 = ((7, 5, 32), (2, 5, 16))\n",
        "answer_1 = ((5, 7, 32), (6, 5, 16))\n",
    ],
    2: [  # one bias (textbook count); a vanilla RNN's count; a constant
        "def exercise_2(I, H):\n    return 4 * (H * I + H * H + H)\n" + ANSWER_2,
        "def exercise_2(I, H):\n    return H * I + H * H + 2 * H\n" + ANSWER_2,
        "def exercise_2(I, H):\n    return 2560\n" + ANSWER_2,
    ],
    3: [  # the forget block; input columns first; transposed
        "def exercise_3(p):\n    H = p['weight_hh'].shape[1]\n    r = slice(H, 2 * H)\n"
        "    return np.hstack([p['weight_hh'][r], p['weight_ih'][r]])\n" + ANSWER_3,
        "def exercise_3(p):\n    H = p['weight_hh'].shape[1]\n    r = slice(3 * H, 4 * H)\n"
        "    return np.hstack([p['weight_ih'][r], p['weight_hh'][r]])\n" + ANSWER_3,
        "def exercise_3(p):\n    H = p['weight_hh'].shape[1]\n    r = slice(3 * H, 4 * H)\n"
        "    return np.hstack([p['weight_hh'][r], p['weight_ih'][r]]).T\n" + ANSWER_3,
    ],
}


ns, test_check_rejects_a_wrong_answer, test_check_accepts_the_solution = exercise_tests(NAME, WRONG)
