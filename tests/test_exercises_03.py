"""Chapter 03's exercise checks reject plausible wrong answers and accept the reference solutions."""
from _exercise_helpers import exercise_tests

NAME = "03_"

WRONG = {
    1: [  # PyTorch's two biases; the biases forgotten; a vanilla RNN's count; a constant
        "def exercise_1(I, H):\n    return 4 * (H * (H + I) + 2 * H)\n",
        "def exercise_1(I, H):\n    return 4 * H * (H + I)\n",
        "def exercise_1(I, H):\n    return H * (H + I) + H\n",
        "def exercise_1(I, H):\n    return 2480\n",
    ],
    2: [  # the sigmoid not inverted; the k-th root forgotten; a constant
        "def exercise_2(keep, k):\n    return keep ** (1 / k)\n",
        "def exercise_2(keep, k):\n    return float(np.log(keep / (1 - keep)))\n",
        "def exercise_2(keep, k):\n    return 2.634240\n",
    ],
    3: [  # the forget block (2nd) instead of the output block; the candidate block; x before h;
          # transposed
        "def exercise_3(p):\n    H = p['weight_hh'].shape[1]\n    r = slice(H, 2 * H)\n"
        "    return np.hstack([p['weight_hh'][r], p['weight_ih'][r]])\n",
        "def exercise_3(p):\n    H = p['weight_hh'].shape[1]\n    r = slice(2 * H, 3 * H)\n"
        "    return np.hstack([p['weight_hh'][r], p['weight_ih'][r]])\n",
        "def exercise_3(p):\n    H = p['weight_hh'].shape[1]\n    r = slice(3 * H, 4 * H)\n"
        "    return np.hstack([p['weight_ih'][r], p['weight_hh'][r]])\n",
        "def exercise_3(p):\n    H = p['weight_hh'].shape[1]\n    r = slice(3 * H, 4 * H)\n"
        "    return np.hstack([p['weight_hh'][r], p['weight_ih'][r]]).T\n",
    ],
}


ns, test_check_rejects_a_wrong_answer, test_check_accepts_the_solution = exercise_tests(NAME, WRONG)
