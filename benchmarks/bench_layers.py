"""Time forward + backward of lstm_ref's LSTM and GRU against torch.nn.LSTM / nn.GRU on the CPU.

    python benchmarks/bench_layers.py                    # 1 thread, float32, the four standard shapes
    python benchmarks/bench_layers.py --threads 2 --repeats 9
    python benchmarks/bench_layers.py --quick            # one small shape, a smoke test

Both libraries run in this one process with the same number of threads (BLAS threads are fixed
through the environment before numpy is imported; torch.set_num_threads matches). For every shape
(B, T, I, H) the three timed loops are interleaved, repeat after repeat, and the medians reported:

    lstm_ref   layer.forward(x) + layer.backward(dy)
    torch      m(x) + y.backward(dy)   (autograd, default CPU kernels)
    matmul     only the matrix products lstm_ref's fast path does, with the same shapes and buffers:
               the hoisted input projection, T recurrent (B,H)x(H,GH) products forward, T (B,GH)x(GH,H)
               products backward and the three weight/input-gradient products after the loop.

ratio = lstm_ref / torch (lower is faster; < 1 means lstm_ref is faster);
matmul share = matmul / lstm_ref (the fraction of lstm_ref's time a loop of its bare products takes).
Both are computed from the medians; the last two columns repeat them from the fastest repeat of each
loop (best-of), which is less disturbed by other processes on a shared machine.
"""
import argparse
import os
import sys


def parse():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=7, help="interleaved repeats; medians are reported")
    ap.add_argument("--kinds", default="lstm,gru")
    ap.add_argument("--quick", action="store_true", help="one small shape, 3 repeats")
    ap.add_argument("--shapes", default="32,100,64,128;64,50,128,256;1,1000,32,64;128,35,65,512",
                    help="B,T,I,H;...")
    return ap.parse_args()


ARGS = parse() if __name__ == "__main__" else None
if ARGS is not None:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lstm_ref as lr  # noqa: E402


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        return "; ".join(f"{d.get('internal_api')} {d.get('version') or ''} {d.get('architecture') or ''} "
                         f"threads={d.get('num_threads')}".replace("  ", " ") for d in threadpool_info())
    except ImportError:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{cfg.get('name')} {cfg.get('version')} (threads from OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')})"


def matmul_loop(kind, B, T, I, H, dtype=np.float32):
    """A closure doing exactly the matrix products of lstm_ref's fast path, into preallocated buffers."""
    G = 4 if kind == "lstm" else 3
    rng = np.random.default_rng(0)
    X = rng.standard_normal((T * B, I)).astype(dtype)
    WiT = rng.standard_normal((I, G * H)).astype(dtype)
    WhT = rng.standard_normal((H, G * H)).astype(dtype)
    Wh = np.ascontiguousarray(WhT.T)
    Wi = np.ascontiguousarray(WiT.T)
    gates = np.empty((T * B, G * H), dtype)
    dG = rng.standard_normal((T, B, G * H)).astype(dtype)
    h = rng.standard_normal((T + 1, B, H)).astype(dtype)
    tmp = np.empty((B, G * H), dtype)
    dh = np.empty((B, H), dtype)

    def run():
        np.matmul(X, WiT, out=gates)
        for t in range(T):
            np.matmul(h[t], WhT, out=tmp)
        for t in range(T - 1, -1, -1):
            np.matmul(dG[t], Wh, out=dh)
        dGf = dG.reshape(T * B, G * H)
        dGf.T @ X
        dGf.T @ h[:T].reshape(T * B, H)
        dGf @ Wi
    return run


def make_runs(kind, B, T, I, H, torch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, I)).astype(np.float32)
    dy = rng.standard_normal((T, B, H)).astype(np.float32)
    ours = (lr.LSTM if kind == "lstm" else lr.GRU)(I, H, dtype=np.float32)

    def run_ours():
        ours.forward(x)
        ours.backward(dy)

    runs = {"lstm_ref": run_ours, "matmul": matmul_loop(kind, B, T, I, H)}
    if torch is not None:
        m = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(I, H).float()
        ours.load_state_dict(m.state_dict())
        xt = torch.from_numpy(x).requires_grad_(True)
        dyt = torch.from_numpy(dy)

        def run_torch():
            for prm in m.parameters():
                prm.grad = None
            xt.grad = None
            y, _ = m(xt)
            y.backward(dyt)
        runs["torch"] = run_torch
    return runs


def bench(kind, shape, repeats, torch):
    B, T, I, H = shape
    runs = make_runs(kind, B, T, I, H, torch)
    for f in runs.values():                       # warm-up
        f()
    # inner iterations so that one timed call lasts >= ~50 ms
    t0 = time.perf_counter()
    runs["lstm_ref"]()
    inner = max(1, int(0.05 / max(time.perf_counter() - t0, 1e-6)))
    times = {k: [] for k in runs}
    for _ in range(repeats):
        for k, f in runs.items():                 # interleaved
            t0 = time.perf_counter()
            for _ in range(inner):
                f()
            times[k].append((time.perf_counter() - t0) / inner)
    return {k: float(np.median(v)) for k, v in times.items()}, {k: v for k, v in times.items()}


def main():
    args = ARGS
    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
        print("torch is not installed (pip install torch==2.13.0): timing lstm_ref and the matmul loop only")
    shapes = [(8, 20, 16, 32)] if args.quick else [tuple(int(v) for v in s.split(",")) for s in args.shapes.split(";")]
    repeats = 3 if args.quick else args.repeats
    print(f"threads={args.threads}  repeats={repeats} (interleaved, medians)  float32  numpy {np.__version__}"
          + (f"  torch {torch.__version__}" if torch else ""))
    print(f"BLAS: {blas_info()}")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    head = (f"{'layer':5} {'(B, T, I, H)':>20} {'lstm_ref ms':>12} {'torch ms':>10} {'ratio':>7} "
            f"{'matmul ms':>10} {'matmul share':>13} {'| best-of ratio':>15} {'share':>6}")
    print(head)
    print("-" * len(head))
    for kind in args.kinds.split(","):
        for shape in shapes:
            med, times = bench(kind, shape, repeats, torch)
            best = {k: min(v) for k, v in times.items()}
            ours, mm = med["lstm_ref"], med["matmul"]
            tt = med.get("torch")
            ratio = f"{ours / tt:7.2f}" if tt else f"{'-':>7}"
            best_ratio = f"{best['lstm_ref'] / best['torch']:15.2f}" if tt else f"{'-':>15}"
            tts = f"{tt * 1e3:10.2f}" if tt else f"{'-':>10}"
            print(f"{kind:5} {str(shape):>20} {ours * 1e3:12.2f} {tts} {ratio} {mm * 1e3:10.2f} {mm / ours:13.0%}"
                  f" {best_ratio} {best['matmul'] / best['lstm_ref']:6.0%}", flush=True)


if __name__ == "__main__":
    main()
