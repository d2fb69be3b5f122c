"""Write the golden arrays of tests/data/golden_*.npz from PyTorch (float64, CPU).

    python scripts/make_golden.py

Each file holds one small configuration: the torch parameters, the inputs x, h0 (and c0), the output
gradients dy, dh_n (and dc_n), and what torch computed from them: y, h_n (c_n), dx, dh0 (dc0) and every
parameter gradient. Parameters and their gradients are stored flattened, in torch's order, as the
vectors "params" and "grads" ("param_names" lists the keys; the shapes follow from the configuration)
so that the files stay a few KB. The tests in
tests/test_torch_parity.py compare lstm_ref against these when torch is not installed, so parity
with PyTorch is checked either way. Re-run only when the configurations below change.
"""
import pathlib

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


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for k, (name, (kind, L, bi, kw)) in enumerate(CONFIGS.items()):
        path = OUT / f"golden_{name}.npz"
        np.savez_compressed(path, **golden(kind, L, bi, kw, seed=100 + k))
        print(f"wrote {path.relative_to(OUT.parents[1])} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
