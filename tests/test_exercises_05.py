"""Chapter 05's exercise checks reject plausible wrong answers and accept the reference solutions."""
import pytest

from _exercise_helpers import chapter, check_cell, rejects, run, solution_cell

NAME = "05_"


@pytest.fixture(scope="module")
def ns():
    return chapter(NAME)


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


@pytest.mark.parametrize("k, wrong", [(k, w) for k, ws in WRONG.items() for w in ws])
def test_check_rejects_a_wrong_answer(ns, k, wrong):
    assert rejects(ns, wrong, check_cell(NAME, k)), f"Exercise {k} accepted a wrong answer:\n{wrong}"


@pytest.mark.parametrize("k", sorted(WRONG))
def test_check_accepts_the_solution(ns, k):
    assert f"Exercise {k}: correct" in run(ns, solution_cell(NAME, k))
