"""Chapter 07's exercises: each check accepts the reference solution and rejects a plausible wrong answer.

The exercise cells and check cells are read from the notebook itself, so the test follows the chapter.
"""
import json
import math

import numpy as np
import pytest

import lstm_ref as lr
from conftest import ROOT

NB = ROOT / "notebooks" / "07_bidirectional.ipynb"


def _cells():
    return ["".join(c["source"]) for c in json.loads(NB.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "code"]


def _exercise(k):
    """(the learner's cell, its check cell) of exercise k."""
    cells = _cells()
    check = next(i for i, s in enumerate(cells) if f'name="Exercise {k}"' in s and "self_check" in s)
    return cells[check - 1], cells[check]


def _run(k, fn_name, fn):
    """Run exercise k's cells with the learner's function replaced by ``fn``; return the check's verdict."""
    edit, check = _exercise(k)
    ns = {"np": np, "lr": lr, "math": math}
    exec(edit, ns)
    ns[fn_name] = fn
    for line in edit.splitlines():                 # recompute the answer with the new function
        if line.startswith(f"answer_{k} ="):
            exec(line, ns)
    try:
        exec(check, ns)
    except AssertionError:
        return "rejected"
    return "accepted"


def sentence_vector_right(y, H):
    return np.concatenate([y[-1, :, :H], y[0, :, H:]], axis=-1)


def sentence_vector_wrong(y, H):                   # the output at the last position, [h→_T, h←_T]
    return y[-1]


def bilstm_params_right(I, H):
    per = lambda inp: 4 * H * (inp + H) + 2 * 4 * H
    return 2 * per(I) + 2 * per(2 * H)


def bilstm_params_wrong(I, H):                     # forgets that layer 2 reads 2H inputs
    per = lambda inp: 4 * H * (inp + H) + 2 * 4 * H
    return 2 * per(I) + 2 * per(H)


def birnn_right(x, fwd, bwd):
    y_f, _ = fwd.forward(x, None)
    y_b, _ = bwd.forward(np.flip(x, axis=0), None)
    return np.concatenate([y_f, np.flip(y_b, axis=0)], axis=-1)


def birnn_wrong(x, fwd, bwd):                      # forgets to flip the backward outputs back
    y_f, _ = fwd.forward(x, None)
    y_b, _ = bwd.forward(np.flip(x, axis=0), None)
    return np.concatenate([y_f, y_b], axis=-1)


def mcnemar_right(b, c):
    n = b + c
    return min(1.0, 2 * sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2 ** n) if n else 1.0


def mcnemar_wrong(b, c):                           # one-sided: forgets the factor 2
    n = b + c
    return sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2 ** n if n else 1.0


NAMES = {1: "sentence_vector", 2: "bilstm_params", 3: "birnn", 4: "mcnemar_p"}
RIGHT = {1: sentence_vector_right, 2: bilstm_params_right, 3: birnn_right, 4: mcnemar_right}
WRONG = {
    1: [sentence_vector_wrong],   # [h→_T, h←_T]: the last position of both directions
    2: [bilstm_params_wrong],     # layer 2 read as if it had H inputs
    3: [birnn_wrong],             # the backward outputs left reversed in time
    4: [mcnemar_wrong],           # one-sided p-value
}


@pytest.mark.parametrize("k", sorted(RIGHT))
def test_exercise_check_accepts_the_solution(k):
    assert _run(k, NAMES[k], RIGHT[k]) == "accepted"


@pytest.mark.parametrize("k, wrong", [(k, w) for k, ws in WRONG.items() for w in ws])
def test_exercise_check_rejects_a_wrong_answer(k, wrong):
    assert _run(k, NAMES[k], wrong) == "rejected"


def test_formula_exercises_are_checked_at_three_or_more_random_points():
    for k, points in ((2, "ex2_points"), (4, "ex4_points")):
        edit, _ = _exercise(k)
        ns = {"np": np, "lr": lr, "math": math}
        exec(edit, ns)
        assert len(set(ns[points])) >= 3
