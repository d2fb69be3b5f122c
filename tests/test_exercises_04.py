"""Chapter 04's exercise checks reject plausible wrong answers and accept the reference solutions."""
import pytest

from _exercise_helpers import chapter, check_cell, rejects, run, solution_cell

NAME = "04_"


@pytest.fixture(scope="module")
def ns():
    return chapter(NAME)


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


@pytest.mark.parametrize("k, wrong", [(k, w) for k, ws in WRONG.items() for w in ws])
def test_check_rejects_a_wrong_answer(ns, k, wrong):
    assert rejects(ns, wrong, check_cell(NAME, k)), f"Exercise {k} accepted a wrong answer:\n{wrong}"


@pytest.mark.parametrize("k", sorted(WRONG))
def test_check_accepts_the_solution(ns, k):
    assert f"Exercise {k}: correct" in run(ns, solution_cell(NAME, k))
