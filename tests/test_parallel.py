"""lstm_ref.course.parallel: chapter 09's causal self-attention, the interleaved 1-/2-thread timer, and
the committed results of benchmarks/bench_threads.py (re-run here in its quick form)."""
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import lstm_ref as lr

ROOT = pathlib.Path(__file__).resolve().parents[1]


def attention_by_loops(x, Wq, Wk, Wv):
    """Position by position: out[t, b] = sum_{s <= t} softmax_s(q_t . k_s / sqrt(d)) v_s."""
    T, B, d = x.shape
    out = np.zeros_like(x)
    for b in range(B):
        q, k, v = x[:, b] @ Wq.T, x[:, b] @ Wk.T, x[:, b] @ Wv.T
        for t in range(T):
            s = np.array([q[t] @ k[j] for j in range(t + 1)]) / np.sqrt(d)
            w = np.exp(s - s.max())
            out[t, b] = (w / w.sum()) @ v[: t + 1]
    return out


def test_attention_matches_a_loop_over_positions_and_does_not_modify_inputs():
    rng = np.random.default_rng(0)
    x, W = rng.normal(size=(6, 3, 4)), [rng.normal(size=(4, 4)) for _ in range(3)]
    copies = [x.copy()] + [w.copy() for w in W]
    np.testing.assert_allclose(lr.causal_self_attention(x, *W), attention_by_loops(x, *W), rtol=1e-12, atol=1e-12)
    for a, b in zip([x] + W, copies):
        np.testing.assert_array_equal(a, b)


def test_attention_is_causal_and_sees_the_past():
    rng = np.random.default_rng(1)
    x, W = rng.normal(size=(5, 2, 3)), [rng.normal(size=(3, 3)) for _ in range(3)]
    y = lr.causal_self_attention(x, *W)
    x2 = x.copy()
    x2[2] += 1.0
    y2 = lr.causal_self_attention(x2, *W)
    np.testing.assert_array_equal(y[:2], y2[:2])                  # the past does not see x_2
    assert np.all(np.abs(y[2:] - y2[2:]).max(axis=(1, 2)) > 1e-6)   # every later position does


@pytest.mark.parametrize("args,match", [
    ((np.zeros((5, 4)), np.eye(4), np.eye(4), np.eye(4)), r"x must have shape \(T, B, d\)"),
    ((np.zeros((5, 2, 4)), np.eye(3), np.eye(4), np.eye(4)), r"Wq must have shape \(d=4, d=4\), got \(3, 3\)"),
    ((np.zeros((5, 2, 4)), np.eye(4), np.eye(4), np.eye(4)[:, :2]), r"Wv must have shape \(d=4, d=4\)"),
])
def test_attention_names_the_bad_argument(args, match):
    with pytest.raises(ValueError, match=match):
        lr.causal_self_attention(*args)


def test_interleaved_timer_takes_turns_and_restores_the_limit():
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"][0]

    before = blas_threads()
    seen = []
    out = lr.interleaved_wall_times({"probe": (lambda: seen.append(blas_threads()), 2)}, threads=(1, 2), repeats=3)
    assert seen == [1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2]            # reversed order on odd rounds
    assert blas_threads() == before
    assert [len(out["seconds"]["probe"][n]) for n in (1, 2)] == [3, 3] and len(out["load"]) == 3
    assert all(s >= 0 for n in (1, 2) for s in out["seconds"]["probe"][n])
    with pytest.raises(ValueError, match="repeats must be >= 1, got 0"):
        lr.interleaved_wall_times({}, repeats=0)


def test_thread_ratios_best_of_and_paired():
    best, paired = lr.thread_ratios({"1": [2.0, 1.0, 4.0], "2": [1.0, 2.0, 1.0]})
    assert best == 1.0 and paired == 0.5                          # min 1 / min 1; median of .5, 2, .25
    with pytest.raises(ValueError, match="as many repeats"):
        lr.thread_ratios({1: [1.0, 2.0], 2: [1.0]})


def test_committed_benchmark_is_what_the_script_writes(tmp_path):
    """The quick form of the script writes a session with the same fields as the committed ones, and
    the committed file holds every case of its configuration in every session, each repeat kept."""
    committed = lr.load_thread_benchmark()
    cfg = committed["config"]
    out = tmp_path / "threads.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_threads.py"), "--quick", "--fresh",
                    "--min-seconds", "0.001", "--out", str(out)], check=True, cwd=ROOT, capture_output=True)
    quick = json.loads(out.read_text(encoding="utf-8"))
    assert set(quick["config"]) == set(cfg) and set(quick["sessions"][0]) == set(committed["sessions"][0])
    assert set(quick["sessions"][0]["runs"][0]) == set(committed["sessions"][0]["runs"][0])
    expected = {f"{layer}_d{d}_T{T}{part}" for d in cfg["widths"] for T in cfg["lengths"]
                for layer in ("lstm", "attention") for part in ("", "_products")} | {"matmul_control"}
    for session in committed["sessions"]:
        assert {r["name"] for r in session["runs"]} == expected
        assert len(session["load_per_repeat"]) == cfg["repeats"]
        for r in session["runs"]:
            assert all(len(r["seconds"][str(n)]) == cfg["repeats"] for n in cfg["threads"])
