"""Chapter 02's exercise checks reject plausible wrong answers and accept the reference solutions."""
import pytest

from _exercise_helpers import chapter, check_cell, rejects, run, solution_cell

NAME = "02_"


@pytest.fixture(scope="module")
def ns():
    return chapter(NAME)


WRONG = {
    1: [  # gamma forgotten; gamma of the sigmoid for both; 1/gamma instead of gamma; a constant
        "def q_bound(s1, nonlinearity):\n    return s1\n",
        "def q_bound(s1, nonlinearity):\n    return 0.25 * s1\n",
        "def q_bound(s1, nonlinearity):\n    return {'tanh': 1.0, 'sigmoid': 4.0}[nonlinearity] * s1\n",
        "def q_bound(s1, nonlinearity):\n    return 0.75\n",
    ],
    2: [  # floor instead of the first n past the bound; log of the wrong base; a constant
        "def distance_needed(s1, eps):\n    return int(np.floor(np.log(eps) / np.log(s1)))\n",
        "def distance_needed(s1, eps):\n    return int(np.ceil(np.log10(eps) / np.log(s1)))\n",
        "def distance_needed(s1, eps):\n    return 31\n",
    ],
    3: [  # clipping by value; always rescaling; each array by its own norm; unchanged
        "def clip_by_norm(grads, max_norm):\n"
        "    return {k: np.clip(v, -max_norm, max_norm) for k, v in grads.items()}\n",
        "def clip_by_norm(grads, max_norm):\n"
        "    t = np.sqrt(sum(float(np.sum(v ** 2)) for v in grads.values()))\n"
        "    return {k: v * max_norm / t for k, v in grads.items()}\n",
        "def clip_by_norm(grads, max_norm):\n"
        "    return {k: v * min(1.0, max_norm / np.linalg.norm(v)) for k, v in grads.items()}\n",
        "def clip_by_norm(grads, max_norm):\n    return dict(grads)\n",
    ],
}


@pytest.mark.parametrize("k, wrong", [(k, w) for k, ws in WRONG.items() for w in ws])
def test_check_rejects_a_wrong_answer(ns, k, wrong):
    assert rejects(ns, wrong, check_cell(NAME, k)), f"Exercise {k} accepted a wrong answer:\n{wrong}"


@pytest.mark.parametrize("k", sorted(WRONG))
def test_check_accepts_the_solution(ns, k):
    assert f"Exercise {k}: correct" in run(ns, solution_cell(NAME, k))
