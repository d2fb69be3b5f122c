"""Chapter 02's committed temporal-order sweep: one of its runs re-run reproduces the stored numbers,
and the file holds every run the script promises."""
import json
from importlib import resources

import numpy as np
import pytest

import lstm_ref as lr

SWEEP = json.loads(resources.files("lstm_ref").joinpath("data", "sweep_temporal_order.json").read_text())
RUNS = {(r["arm"], r["T"], r["seed"]): r for r in SWEEP["runs"]}


def test_every_configuration_and_seed_is_stored():
    expected = {(arm, T, s) for arm, a in SWEEP["arms"].items() for T in a["lengths"] for s in SWEEP["seeds"]}
    assert set(RUNS) == expected
    assert len(SWEEP["seeds"]) >= 5
    for r in SWEEP["runs"]:
        assert len(r["eval_step"]) == len(r["eval_error"]) > 0
        reached = r["reached"]
        hit = [s for s, e in zip(r["eval_step"], r["eval_error"]) if e <= SWEEP["config"]["threshold"]]
        assert reached == (hit[0] if hit else None)


@pytest.mark.parametrize("arm, T, seed", [("rnn_orthogonal", 10, 2), ("rnn_uniform", 20, 9)])
def test_a_stored_run_reproduces(arm, T, seed):
    a = SWEEP["arms"][arm]
    run = lr.run_to_threshold(a["kind"], seed=seed, T=T, layer=a["layer_kwargs"], **SWEEP["config"])
    stored = RUNS[arm, T, seed]
    assert run.reached == stored["reached"]
    assert np.allclose(run.eval, stored["eval_error"], rtol=0, atol=1e-6)
