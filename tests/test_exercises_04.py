"""Chapter 04's exercise checks reject plausible wrong answers and accept the reference solutions."""
from _exercise_helpers import exercise_tests

NAME = "04_"

WRONG = {
    1: [  # the path through h_t forgotten; f_t forgotten; tanh' written as 1 - tanh; a constant
        "def exercise_1(f, o, tanh_c, dh, dc):\n    return dc * f\n",
        "def exercise_1(f, o, tanh_c, dh, dc):\n    return dc + dh * o * (1 - tanh_c ** 2)\n",
        "def exercise_1(f, o, tanh_c, dh, dc):\n    return (dc + dh * o * (1 - tanh_c)) * f\n",
        "def exercise_1(f, o, tanh_c, dh, dc):\n    return 0.5\n",
    ],
    2: [  # the sigmoid derivative forgotten; tanh_c forgotten; the input-gate form
        "def exercise_2(dh, tanh_c, o):\n    return dh * tanh_c * o\n",
        "def exercise_2(dh, tanh_c, o):\n    return dh * o * (1 - o)\n",
        "def exercise_2(dh, tanh_c, o):\n    return dh * o * (1 - tanh_c ** 2)\n",
    ],
    3: [  # w_cf forgotten; sigma instead of its derivative; a constant
        "def exercise_3(w_cf, c_prev, z):\n    s_ = lr.sigmoid(w_cf * c_prev + z)\n    return s_ * (1 - s_)\n",
        "def exercise_3(w_cf, c_prev, z):\n    return w_cf * lr.sigmoid(w_cf * c_prev + z)\n",
        "def exercise_3(w_cf, c_prev, z):\n    return 0.5 * lr.sigmoid(0.5) * (1 - lr.sigmoid(0.5))\n",
    ],
}


ns, test_check_rejects_a_wrong_answer, test_check_accepts_the_solution = exercise_tests(NAME, WRONG)
