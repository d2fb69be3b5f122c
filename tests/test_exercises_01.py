"""Chapter 01's exercise checks reject plausible wrong answers and accept the reference solutions."""
from _exercise_helpers import exercise_tests

NAME = "01_"

WRONG = {
    1: [  # the forgotten output layer; PyTorch's two biases; a constant
        "def n_params(I, H, K):\n    return H * H + H * I + H\n",
        "def n_params(I, H, K):\n    return H * H + H * I + 2 * H + K * H + K\n",
        "def n_params(I, H, K):\n    return 725\n",
    ],
    2: [  # the forgotten recurrent term; the derivative of tanh forgotten; a constant
        "def delta_2(w, u, b, v, x, y):\n"
        "    h2 = np.tanh(w * np.tanh(u * x[0] + b) + u * x[1] + b)\n"
        "    return v * (v * h2 - y[1])\n",
        "def delta_2(w, u, b, v, x, y):\n"
        "    h2 = np.tanh(w * np.tanh(u * x[0] + b) + u * x[1] + b)\n"
        "    h3 = np.tanh(w * h2 + u * x[2] + b)\n"
        "    return v * (v * h2 - y[1]) + v * (v * h3 - y[2]) * w\n",
        "def delta_2(w, u, b, v, x, y):\n    return 0.5\n",
    ],
    3: [  # off by one (the last chunk included), 0-based steps, nothing cut
        "answer_3 = list(range(1, 20))\n",
        "answer_3 = list(range(0, 18))\n",
        "answer_3 = []\n",
    ],
}


ns, test_check_rejects_a_wrong_answer, test_check_accepts_the_solution = exercise_tests(NAME, WRONG)
