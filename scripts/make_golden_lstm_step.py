"""Write lstm_ref/data/golden_lstm_step.npz: one LSTM step and its gradients, computed by PyTorch.

    python scripts/make_golden_lstm_step.py

Chapter 04 compares lstm_ref (and SymPy's derivatives) with PyTorch's autograd on these numbers. It
runs torch live when torch imports, and compares with this file either way, so the agreement is
checked also where torch is not installed.

The configuration is chapter 04's vector cell: input size I = 3, hidden size H = 2, a batch of one,
float64. Stored: the parameters ``weight_ih (4H, I)``, ``weight_hh (4H, H)``, ``bias_ih``, ``bias_hh (4H,)``
(torch.nn.LSTMCell, gates i, f, g, o); the inputs ``x (1, I)``, ``h_prev``, ``c_prev (1, H)``; the upstream
errors ``dh``, ``dc (1, H)`` of the surrogate loss ``sum(dh * h) + sum(dc * c)``; torch's outputs ``h``,
``c`` and its gradients ``grad_<name>`` for the four parameters and for ``x``, ``h_prev``, ``c_prev``;
and ``torch_version``.
"""
import pathlib

import numpy as np
import torch

OUT = pathlib.Path(__file__).resolve().parents[1] / "lstm_ref" / "data" / "golden_lstm_step.npz"
I, H, SEED = 3, 2, 2026


def main():
    torch.manual_seed(SEED)
    cell = torch.nn.LSTMCell(I, H, dtype=torch.float64)
    rng = np.random.default_rng(SEED)
    arrays = {k: rng.standard_normal((1, n)) for k, n in
              [("x", I), ("h_prev", H), ("c_prev", H), ("dh", H), ("dc", H)]}
    t = {k: torch.tensor(v, requires_grad=k in ("x", "h_prev", "c_prev")) for k, v in arrays.items()}
    h, c = cell(t["x"], (t["h_prev"], t["c_prev"]))
    ((h * t["dh"]).sum() + (c * t["dc"]).sum()).backward()
    for name, prm in cell.named_parameters():
        arrays[name] = prm.detach().numpy().copy()
        arrays["grad_" + name] = prm.grad.numpy().copy()
    for k in ("x", "h_prev", "c_prev"):
        arrays["grad_" + k] = t[k].grad.numpy().copy()
    arrays.update(h=h.detach().numpy(), c=c.detach().numpy(), torch_version=np.array(torch.__version__))
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT.name}: torch {torch.__version__}")


if __name__ == "__main__":
    main()
