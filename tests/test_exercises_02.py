"""Chapter 02's exercise checks reject plausible wrong answers and accept the reference solutions."""
from _exercise_helpers import exercise_tests

NAME = "02_"

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


ns, test_check_rejects_a_wrong_answer, test_check_accepts_the_solution = exercise_tests(NAME, WRONG)
