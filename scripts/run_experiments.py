"""Run the seed sweeps of chapters 05, 06 and 09 and commit their results as JSON.

    make experiments                     # every sweep (about 30 minutes on one core)
    python scripts/run_experiments.py lag overfit     # some sweeps

Each sweep (``lstm_ref.sweeps.SWEEPS``) writes ``lstm_ref/data/sweep_<name>.json``: the
configurations, the package version, the seeds and every per-seed number. The notebooks read these
files; ``tests/test_sweeps.py`` re-runs one configuration and seed of each and compares.
Run it with one BLAS thread (the Makefile does), so that the numbers do not depend on threading.
"""
import json
import pathlib
import sys
import time

from lstm_ref import sweeps

OUT = pathlib.Path(__file__).resolve().parents[1] / "lstm_ref" / "data"


def main(names):
    for name in names or list(sweeps.SWEEPS):
        start = time.perf_counter()
        result = sweeps.run_sweep(name, log=lambda msg: print(msg, flush=True))
        path = OUT / f"sweep_{name}.json"
        path.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {path.name} in {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
