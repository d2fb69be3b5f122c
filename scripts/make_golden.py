"""Write the golden arrays of tests/data/golden_*.npz from PyTorch (float64, CPU).

    python scripts/make_golden.py            # both kinds below
    python scripts/make_golden.py training   # only tests/data/training_golden.npz

Each file holds one small configuration: the torch parameters, the inputs x, h0 (and c0), the output
gradients dy, dh_n (and dc_n), and what torch computed from them: y, h_n (c_n), dx, dh0 (dc0) and every
parameter gradient. Parameters and their gradients are stored flattened, in torch's order, as the
vectors "params" and "grads" ("param_names" lists the keys; the shapes follow from the configuration)
so that the files stay a few KB. The tests in
tests/test_torch_parity.py compare lstm_ref against these when torch is not installed, so parity
with PyTorch is checked either way. Re-run only when the configurations below change.

training_golden.npz holds what torch computes for the training pieces, keyed "<case>/<array>":
several steps of torch.optim.SGD (momentum), Adagrad and Adam from fixed parameters and a fixed
sequence of gradients (the parameters after every step); F.cross_entropy (with an ignored target)
and F.mse_loss with their gradients; clip_grad_norm_ above and below the threshold, and
clip_grad_value_. tests/test_training_golden.py checks lstm_ref against it without torch.
"""
import pathlib
import sys

import numpy as np
import torch

OUT = pathlib.Path(__file__).resolve().parents[1] / "tests" / "data"

# name: (kind, num_layers, bidirectional, extra torch/lstm_ref kwargs)
CONFIGS = {
    "lstm_l2_bi": ("lstm", 2, True, {}),
    "gru_l2_bi": ("gru", 2, True, {}),
    "rnn_tanh_l2_bi": ("rnn", 2, True, {"nonlinearity": "tanh"}),
    "rnn_relu_l1": ("rnn", 1, False, {"nonlinearity": "relu"}),
}
T, B, I, H = 3, 2, 2, 2          # small: the files stay a few KB


def golden(kind, L, bi, kw, seed):
    torch.manual_seed(seed)
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[kind]
    m = cls(I, H, num_layers=L, bidirectional=bi, dtype=torch.float64, **kw)
    D = 2 if bi else 1
    rng = np.random.default_rng(seed)
    arrays = {"x": rng.standard_normal((T, B, I)), "h0": rng.standard_normal((L * D, B, H)),
              "dy": rng.standard_normal((T, B, D * H)), "dh_n": rng.standard_normal((L * D, B, H))}
    if kind == "lstm":
        arrays["c0"] = rng.standard_normal((L * D, B, H))
        arrays["dc_n"] = rng.standard_normal((L * D, B, H))
    t = {k: torch.tensor(v, requires_grad=k in ("x", "h0", "c0")) for k, v in arrays.items()}
    if kind == "lstm":
        y, (h_n, c_n) = m(t["x"], (t["h0"], t["c0"]))
        loss = (y * t["dy"]).sum() + (h_n * t["dh_n"]).sum() + (c_n * t["dc_n"]).sum()
        arrays["c_n"] = c_n.detach().numpy()
        arrays["dc0"] = None
    else:
        y, h_n = m(t["x"], t["h0"])
        loss = (y * t["dy"]).sum() + (h_n * t["dh_n"]).sum()
    loss.backward()
    arrays.update(y=y.detach().numpy(), h_n=h_n.detach().numpy(), dx=t["x"].grad.numpy(),
                  dh0=t["h0"].grad.numpy())
    if kind == "lstm":
        arrays["dc0"] = t["c0"].grad.numpy()
    named = list(m.named_parameters())
    arrays["param_names"] = np.array([name for name, _ in named])
    arrays["params"] = np.concatenate([prm.detach().numpy().ravel() for _, prm in named])
    arrays["grads"] = np.concatenate([prm.grad.numpy().ravel() for _, prm in named])
    arrays["config"] = np.array([kind, str(L), str(bi), kw.get("nonlinearity", ""), torch.__version__])
    return arrays


# optimiser case: (torch.optim class name, keyword arguments); lstm_ref takes the same keywords
OPTIMISERS = {
    "sgd_momentum": ("SGD", {"lr": 0.05, "momentum": 0.9}),
    "sgd_plain": ("SGD", {"lr": 0.1}),
    "adagrad": ("Adagrad", {"lr": 0.1, "eps": 1e-10}),
    "adam": ("Adam", {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8}),
    "adam_betas": ("Adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6}),
}
STEPS = 6


def optimiser_golden(name, kw, rng):
    """Parameters a (3, 2) and b (4,), STEPS fixed gradients each; torch's parameters after each step."""
    p0 = {"a": rng.standard_normal((3, 2)), "b": rng.standard_normal(4)}
    grads = {k: rng.standard_normal((STEPS, *v.shape)) * rng.choice([0.01, 1.0, 30.0], size=(STEPS, *v.shape))
             for k, v in p0.items()}
    tp = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in p0.items()}
    opt = getattr(torch.optim, name)(list(tp.values()), **kw)
    after = {k: [] for k in p0}
    for s in range(STEPS):
        for k, t in tp.items():
            t.grad = torch.tensor(grads[k][s])
        opt.step()
        for k, t in tp.items():
            after[k].append(t.detach().numpy().copy())
    out = {}
    for k in p0:
        out.update({f"p0_{k}": p0[k], f"grads_{k}": grads[k], f"after_{k}": np.stack(after[k])})
    return out


def loss_golden(rng):
    F = torch.nn.functional
    out = {}
    logits = rng.standard_normal((7, 5)) * 4
    targets = rng.integers(0, 5, size=7)
    targets[3] = -100                                            # torch's default ignore_index
    tl = torch.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(tl, torch.tensor(targets))
    loss.backward()
    out.update({"ce/logits": logits, "ce/targets": targets, "ce/loss": np.array(loss.item()),
                "ce/dlogits": tl.grad.numpy()})
    pred, target = rng.standard_normal((4, 3, 2)), rng.standard_normal((4, 3, 2))
    tp = torch.tensor(pred, requires_grad=True)
    loss = F.mse_loss(tp, torch.tensor(target))
    loss.backward()
    out.update({"mse/pred": pred, "mse/target": target, "mse/loss": np.array(loss.item()), "mse/dpred": tp.grad.numpy()})
    return out


def clip_golden(rng):
    out = {}
    grads = [rng.standard_normal((3, 4)) * 3, rng.standard_normal(5)]
    norm = float(np.sqrt(sum((g ** 2).sum() for g in grads)))
    out["clip/g0"], out["clip/g1"] = grads
    for case, max_norm in (("above", 0.5 * norm), ("below", 2.0 * norm)):
        ts = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
        for t, g in zip(ts, grads):
            t.grad = torch.tensor(g)
        total = torch.nn.utils.clip_grad_norm_(ts, max_norm)
        out.update({f"clip_{case}/max_norm": np.array(max_norm), f"clip_{case}/total": np.array(total.item()),
                    f"clip_{case}/g0": ts[0].grad.numpy(), f"clip_{case}/g1": ts[1].grad.numpy()})
    ts = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for t, g in zip(ts, grads):
        t.grad = torch.tensor(g)
    torch.nn.utils.clip_grad_value_(ts, 1.5)
    out.update({"clip_value/clip": np.array(1.5), "clip_value/g0": ts[0].grad.numpy(), "clip_value/g1": ts[1].grad.numpy()})
    return out


def training_golden(seed=200):
    rng = np.random.default_rng(seed)
    arrays = {}
    for case, (name, kw) in OPTIMISERS.items():
        arrays.update({f"{case}/{k}": v for k, v in optimiser_golden(name, kw, rng).items()})
    arrays.update(loss_golden(rng))
    arrays.update(clip_golden(rng))
    arrays["torch_version"] = np.array(torch.__version__)
    return arrays


def main(which=("layers", "training")):
    OUT.mkdir(parents=True, exist_ok=True)
    paths = []
    if "layers" in which:
        for k, (name, (kind, L, bi, kw)) in enumerate(CONFIGS.items()):
            path = OUT / f"golden_{name}.npz"
            np.savez_compressed(path, **golden(kind, L, bi, kw, seed=100 + k))
            paths.append(path)
    if "training" in which:
        path = OUT / "training_golden.npz"
        np.savez_compressed(path, **training_golden())
        paths.append(path)
    for path in paths:
        print(f"wrote {path.relative_to(OUT.parents[1])} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main(tuple(sys.argv[1:]) or ("layers", "training"))
