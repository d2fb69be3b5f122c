"""Run a chapter's exercise checks against wrong answers.

``chapter(name)`` executes the chapter's code cells in order, in one namespace, up to the
``## Solutions`` heading (the learner's unanswered cells included), as a fresh kernel would.
``rejects(ns, answer_src, check_src)`` then runs a wrong answer and the chapter's own check cell,
and says whether the check raised. The tests feed each exercise plausible wrong answers (a
constant, a transposed matrix, the forgotten term) and assert that its check rejects them, and the
reference solution to show that it accepts the right one.
"""
import contextlib
import io
import json
import os
import re

import matplotlib

matplotlib.use("Agg")

from conftest import ROOT  # noqa: E402


def _source(cell):
    return "".join(cell["source"])


def _cells(name):
    path = next((ROOT / "notebooks").glob(f"{name}*.ipynb"))
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def check_cell(name, k):
    """The source of the exercise section's check cell for Exercise k (the code cell naming it)."""
    cells = _cells(name)
    start = next(i for i, c in enumerate(cells) if _source(c).startswith("## Exercises"))
    for c in cells[start:]:
        if c["cell_type"] == "markdown" and _source(c).startswith("## Solutions"):
            break
        if c["cell_type"] == "code" and re.search(rf'name="Exercise {k}"', _source(c)):
            return _source(c)
    raise LookupError(f"{name}: no check cell for Exercise {k}")


def solution_cell(name, k):
    cells = _cells(name)
    start = next(i for i, c in enumerate(cells) if _source(c).startswith("## Solutions"))
    for c in cells[start:]:
        if c["cell_type"] == "code" and re.search(rf'name="Exercise {k}"', _source(c)):
            return _source(c)
    raise LookupError(f"{name}: no solution for Exercise {k}")


def chapter(name):
    """Namespace after running every code cell before ``## Solutions`` (cwd notebooks/)."""
    ns = {"__name__": "__main__", "display": lambda *a, **k: None}
    here = os.getcwd()
    os.chdir(ROOT / "notebooks")
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for c in _cells(name):
                if c["cell_type"] == "markdown" and _source(c).startswith("## Solutions"):
                    break
                if c["cell_type"] == "code":
                    exec(compile(_source(c), f"<{name}>", "exec"), ns)
    finally:
        os.chdir(here)
        import matplotlib.pyplot as plt
        plt.close("all")
    return ns


def run(ns, *sources):
    """Run code in the namespace; returns what it printed. Exceptions propagate."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for src in sources:
            exec(compile(src, "<exercise>", "exec"), ns)
    return out.getvalue()


def rejects(ns, answer_src, check_src):
    """True if the check cell raises AssertionError for the answer defined by ``answer_src``."""
    try:
        run(ns, answer_src, check_src)
    except AssertionError:
        return True
    return False


def exercise_tests(name, wrong):
    """The fixture and the two tests of a chapter's exercise file: every wrong answer in
    ``wrong`` ({k: [source, ...]}) is rejected by Exercise k's own check cell, and the reference
    solution of every k is accepted. A chapter's file binds them to module-level names:

        ns, test_check_rejects_a_wrong_answer, test_check_accepts_the_solution = exercise_tests(NAME, WRONG)
    """
    import pytest

    @pytest.fixture(scope="module")
    def ns():
        return chapter(name)

    @pytest.mark.parametrize("k, answer", [(k, w) for k, ws in wrong.items() for w in ws])
    def test_check_rejects_a_wrong_answer(ns, k, answer):
        assert rejects(ns, answer, check_cell(name, k)), f"Exercise {k} accepted a wrong answer:\n{answer}"

    @pytest.mark.parametrize("k", sorted(wrong))
    def test_check_accepts_the_solution(ns, k):
        assert f"Exercise {k}: correct" in run(ns, solution_cell(name, k))

    return ns, test_check_rejects_a_wrong_answer, test_check_accepts_the_solution
