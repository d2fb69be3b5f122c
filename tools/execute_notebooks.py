"""Re-execute notebooks in place from a fresh kernel and normalise volatile metadata.

Usage: python tools/execute_notebooks.py [notebooks/NN_name.ipynb ...]   (default: every chapter)

Each notebook runs in its own fresh ``python3`` kernel with notebooks/ as the working directory,
with the same single-threaded BLAS that the test command uses, so the stored outputs are the ones
``pytest --nbval`` reproduces. Timing, widget state and interpreter versions are not stored.
"""
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BUDGET_S = 45.0
PINNED_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "LSTM_REF_PROGRESS": "0",          # no progress bars in committed outputs
}


def normalise(nb):
    """Drop metadata that changes from run to run or machine to machine."""
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None) if cell.cell_type != "code" else None
    return nb


def execute(path, timeout=300):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        record_timing=False,
        store_widget_state=False,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.validate(nb)
    nbformat.write(normalise(nb), path)
    return seconds


def main(argv):
    os.environ.update(PINNED_ENV)
    paths = [pathlib.Path(a) for a in argv] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        seconds = execute(path)
        note = f"  (over the {BUDGET_S:.0f} s budget per chapter)" if seconds > BUDGET_S else ""
        print(f"{path.relative_to(ROOT) if path.is_absolute() else path}: executed in {seconds:.1f} s{note}")


if __name__ == "__main__":
    main(sys.argv[1:])
