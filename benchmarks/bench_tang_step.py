"""Time one training step of chapter 08's Tang-poem model in lstm_ref against the same model in PyTorch.

    python benchmarks/bench_tang_step.py                 # 1 thread, the shipped sizes
    python benchmarks/bench_tang_step.py --threads 2 --repeats 9

One step = embedding, 2-layer LSTM with dropout 0.1 between the layers, the class-factored softmax
cross-entropy of ``lr.ClassSoftmax`` (80 classes), backward, gradient clipping and Adam, float32, on
one batch of 64 poems of 48 characters (a 5x8 batch: T = 49). Both run in this process with the same
thread count, interleaved repeat after repeat; medians and best-of are reported, in characters per
second (B * T / time). "torch, full softmax" is the same network with an ordinary V-way softmax: what
the class factorisation saves.
"""
import argparse
import os
import sys
import time


def parse():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=7)
    return ap.parse_args()


ARGS = parse() if __name__ == "__main__" else None
if ARGS is not None:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402

import lstm_ref as lr  # noqa: E402


def torch_model(torch, V, E, H, C, bounds, full):
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(V, E)
            self.lstm = nn.LSTM(E, H, num_layers=2, dropout=0.1)
            self.drop = nn.Dropout(0.1)
            self.cls = nn.Linear(H, C)
            self.out = nn.Linear(H, V)

        def forward(self, x, y):
            h, _ = self.lstm(self.drop(self.embed(x)))
            h = self.drop(h).reshape(-1, H)
            y = y.reshape(-1)
            if full:
                return nn.functional.cross_entropy(self.out(h), y)
            cls = torch.bucketize(y, bounds[1:], right=True)
            loss = nn.functional.cross_entropy(self.cls(h), cls, reduction="sum")
            for c in range(C):
                pos = (cls == c).nonzero(as_tuple=True)[0]
                if len(pos) == 0:
                    continue
                a, b = int(bounds[c]), int(bounds[c + 1])
                z = h[pos] @ self.out.weight[a:b].T + self.out.bias[a:b]
                loss = loss + nn.functional.cross_entropy(z, y[pos] - a, reduction="sum")
            return loss / y.numel()

    return Net()


def main():
    import torch
    torch.set_num_threads(ARGS.threads)
    card = lr.tang_card()["config"]
    V, E, H, C = card["vocab_size"], card["embed_dim"], card["hidden_size"], card["num_classes"]
    rng = np.random.default_rng(0)
    x = rng.integers(0, V, (49, 64))
    y = rng.integers(0, V, (49, 64))
    ours = lr.TangLSTM(V, E, H, 2, 0.1, C, seed=0)
    opt = lr.Adam(3e-3)
    bounds = torch.tensor(ours.head.bounds)
    nets = {name: torch_model(torch, V, E, H, C, bounds, full) for name, full in
            (("torch", False), ("torch, full softmax", True))}
    opts = {k: torch.optim.Adam(m.parameters(), 3e-3) for k, m in nets.items()}
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step_ours():
        lr.tang_train_step(ours, x, y, opt, clip=1.0)

    def step_torch(name):
        def run():
            opts[name].zero_grad()
            nets[name](xt, yt).backward()
            torch.nn.utils.clip_grad_norm_(nets[name].parameters(), 1.0)
            opts[name].step()
        return run

    loops = {"lstm_ref": step_ours, **{k: step_torch(k) for k in nets}}
    for f in loops.values():
        f()
    times = {k: [] for k in loops}
    for _ in range(ARGS.repeats):
        for k, f in loops.items():
            t = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t)
    n = x.size
    print(f"one training step, B = 64, T = 49, V = {V}, E = {E}, H = {H}, C = {C}, "
          f"{ARGS.threads} thread(s), load average {os.getloadavg()[0]:.1f}")
    print(f"{'':<22}{'median s':>10}{'chars/s':>10}{'best s':>10}{'chars/s':>10}")
    for k, ts in times.items():
        med, best = float(np.median(ts)), float(np.min(ts))
        print(f"{k:<22}{med:>10.3f}{n / med:>10.0f}{best:>10.3f}{n / best:>10.0f}")
    print(f"lstm_ref / torch (same model): median {np.median(times['lstm_ref']) / np.median(times['torch']):.2f}, "
          f"best {min(times['lstm_ref']) / min(times['torch']):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
