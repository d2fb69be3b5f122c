"""Course material built on ``core`` and ``training``: synthetic tasks, bundled corpora, gradient
dynamics, figure helpers, experiment drivers and the seed sweeps behind chapters 05, 06 and 09, the
forget-gate ablation, the thread benchmark of chapter 09, character language models and the notebooks' exercise checks and claims.
``symbolic`` (SymPy) is imported on first use.

The public names live in these modules and, all of them, at the top: ``lstm_ref.NAME``.
"""
from . import (
    checks, tasks, datasets, dynamics, plots, experiments, sweeps, ablation, charlm, textclf,
    sentiment, tang, ngram, poetry, parallel,
)

__all__ = [
    "checks", "tasks", "datasets", "dynamics", "plots", "experiments", "sweeps", "ablation",
    "charlm", "textclf", "sentiment", "tang", "ngram", "poetry", "parallel",
]
