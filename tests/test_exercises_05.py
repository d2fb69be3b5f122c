"""Chapter 05's exercise checks reject plausible wrong answers and accept the reference solutions."""
from _exercise_helpers import exercise_tests

NAME = "05_"

WRONG = {
    1: [  # the docstring's formula instead of the measurement; the square of the mean error; a constant
        "def exercise_1():\n    return 19 / 480\nanswer_1 = exercise_1()\n",
        "def exercise_1():\n    x, y = lr.adding_problem(20000, 100, seed=3, form='hochreiter')\n"
        "    return float(np.mean(y - 0.5) ** 2)\nanswer_1 = exercise_1()\n",
        "def exercise_1():\n    return 1 / 6\nanswer_1 = exercise_1()\n",
    ],
    2: [  # the tolerance ignored; the sign of the error ignored; the wrong comparison direction
        "def within(pred, y, tol):\n    return float(np.mean(np.abs(pred - y) < 0.16))\n",
        "def within(pred, y, tol):\n    return float(np.mean(pred - y < tol))\n",
        "def within(pred, y, tol):\n    return float(np.mean(np.abs(pred - y) > tol))\n",
    ],
    3: [  # the input ignored (g = 0 thinking); the initial state forgotten; an off-by-one sum
        "def c_T(b_i, b_f, b_g, c0, T):\n    return float(lr.sigmoid(np.array(b_f)) ** T * c0)\n",
        "def c_T(b_i, b_f, b_g, c0, T):\n    i, f, g = lr.sigmoid(np.array(b_i)), lr.sigmoid(np.array(b_f)), np.tanh(b_g)\n"
        "    return float(i * g * (1 - f ** T) / (1 - f))\n",
        "def c_T(b_i, b_f, b_g, c0, T):\n    i, f, g = lr.sigmoid(np.array(b_i)), lr.sigmoid(np.array(b_f)), np.tanh(b_g)\n"
        "    return float(f ** T * c0 + i * g * (1 - f ** (T - 1)) / (1 - f))\n",
    ],
}


ns, test_check_rejects_a_wrong_answer, test_check_accepts_the_solution = exercise_tests(NAME, WRONG)
