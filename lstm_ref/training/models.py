"""A recurrent layer with an output head: the model of the experiment chapters.

``SequenceModel`` = optional ``Embedding`` -> ``RNN`` / ``LSTM`` / ``GRU`` (stacked, bidirectional)
-> ``Linear`` head -> loss. Three heads cover the course's tasks:

* ``"last"``:  the top layer's output at the last step, y[-1] (B, D*H): sequence -> one answer
  (adding problem, temporal order). For a bidirectional layer y[-1] = [h_fwd_T, h_bwd_T], whose
  backward half has read only x_T.
* ``"final"``: the final hidden states of the top layer, both directions: [h_fwd_T, h_bwd_1]
  (B, D*H), the sentence vector of a BiLSTM classifier: each half has read the whole sequence.
  For a unidirectional layer this equals "last".
* ``"all"``:   every step's output y (T, B, D*H) -> an answer per step (tagging, language models).

The training loop that trains it (and every other model of the course) is ``loop.train``.
"""
from __future__ import annotations

import numpy as np

from ..core.layers import LAYERS
from .losses import mse, softmax_cross_entropy
from .modules import Composite, Embedding, Linear

__all__ = ["SequenceModel"]

_HEADS = ("last", "final", "all")
_LOSSES = ("mse", "xent")


def _sub_seed(seed, k):
    """An independent integer seed for part k of a model built with ``seed``."""
    return int(np.random.SeedSequence([int(seed), k]).generate_state(1)[0])


class SequenceModel(Composite):
    """Recurrent layer + linear head + loss, with parameters and gradients under flat names.

    SequenceModel(kind, input_size, hidden_size, output_size, head="last", loss="mse",
                  num_layers=1, bidirectional=False, vocab_size=None, dtype=np.float64, seed=0,
                  **layer_kwargs)

    Parameters
    ----------
    kind : a registered cell kind ("rnn", "lstm", "gru", "mgu"; ``lstm_ref.core.registry.CELLS``)
    input_size : int     I, features per step (the embedding size when vocab_size is given)
    hidden_size : int    H
    output_size : int    O, outputs of the head (classes for loss="xent")
    head : "last" | "final" | "all"  (see the module docstring)
    loss : "mse" (targets float, same shape as the output) | "xent" (softmax cross-entropy,
        integer targets: (B,) for "last"/"final", (T, B) for "all"; IGNORE_INDEX = -100 skipped)
    num_layers, bidirectional : as the layers (D = 2 if bidirectional)
    vocab_size : None (x is float (T, B, I)) or V (x is integer token ids (T, B), embedded
        by an ``Embedding(V, I)``)
    dtype : np.float64 (default) or np.float32 for every parameter
    seed : int. The recurrent layer is built with this seed, so ``model.rnn`` starts equal to
        ``lr.LSTM(..., seed=seed)``; the embedding and the head get independent seeds derived from it.
    **layer_kwargs : passed to the layer (``variant``, ``forget_bias``, ``init``, ``reset_after``,
        ``nonlinearity``)

    Attributes
    ----------
    embed : Embedding or None;  rnn : the layer of that kind (``LAYERS[kind]``);  head_layer : Linear(D*H, O)
    params : dict of every parameter array (the layers' own arrays, not copies) under
        "embed.weight", "rnn.<PyTorch name>", "head.weight", "head.bias"
    """

    def __init__(self, kind, input_size, hidden_size, output_size, head="last", loss="mse",
                 num_layers=1, bidirectional=False, vocab_size=None, dtype=np.float64, seed=0,
                 **layer_kwargs):
        if kind not in LAYERS:
            raise ValueError(f"kind must be one of {sorted(LAYERS)}, got {kind!r}")
        if head not in _HEADS:
            raise ValueError(f"head must be one of {_HEADS}, got {head!r}")
        if loss not in _LOSSES:
            raise ValueError(f"loss must be one of {_LOSSES}, got {loss!r}")
        self.kind, self.head, self.loss = kind, head, loss
        self.vocab_size = None if vocab_size is None else int(vocab_size)
        self.embed = None
        if self.vocab_size is not None:
            self.embed = Embedding(self.vocab_size, input_size, seed=_sub_seed(seed, 1), dtype=dtype)
        self.rnn = LAYERS[kind](input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional,
                                dtype=dtype, seed=seed, **layer_kwargs)
        D = self.rnn.num_directions
        self.head_layer = Linear(D * hidden_size, output_size, seed=_sub_seed(seed, 2), dtype=dtype)
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        self.num_layers, self.bidirectional = num_layers, bool(bidirectional)
        self.dtype = self.rnn.dtype
        self._fwd = None

    # -- parameters (params, grads, state_dict, load_state_dict, num_params: see Composite) --------
    def _parts(self):
        parts = [] if self.embed is None else [("embed", self.embed)]
        return parts + [("rnn", self.rnn), ("head", self.head_layer)]

    def __repr__(self):
        emb = f"Embedding({self.vocab_size}, {self.input_size}) -> " if self.embed is not None else ""
        return f"SequenceModel({emb}{self.rnn!r} -> head={self.head!r} Linear -> loss={self.loss!r})"

    # -- forward and backward ----------------------------------------------------------------------
    def forward(self, x):
        """Outputs of the head.

        x : (T, B, I) float (or (T, B) integer ids with vocab_size)
        Returns (B, O) for heads "last" and "final", (T, B, O) for "all" (values for "mse",
        logits for "xent"). Remembers what :meth:`backward` needs.
        """
        if self.embed is not None:
            idx = np.asarray(x)
            if idx.ndim != 2:
                raise ValueError(f"x must be integer token ids of shape (T, B), got {idx.shape}")
            inp = self.embed.forward(idx)
        else:
            inp = x
        y, state = self.rnn.forward(inp)
        T = y.shape[0]
        D, H = self.rnn.num_directions, self.rnn.hidden_size
        if self.head in ("last", "final") and T == 0:
            raise ValueError(f"x must have at least one time step for head={self.head!r}, got T=0")
        if self.head == "last":
            feat = y[-1]
        elif self.head == "final":
            h_n = state[0] if isinstance(state, tuple) else state
            feat = np.concatenate([h_n[-D + d] for d in range(D)], axis=-1) if D == 2 else h_n[-1]
        else:
            feat = y
        out = self.head_layer.forward(feat)
        self._fwd = (y.shape, D, H)
        return out

    def backward(self, dout):
        """Backpropagate d loss / d output (shape of :meth:`forward`'s result). Returns dx
        ((T, B, I); None with vocab_size) and leaves the gradients in the layers' ``grads``."""
        if self._fwd is None:
            raise ValueError("backward called before forward: run forward(x) first")
        y_shape, D, H = self._fwd
        dfeat = self.head_layer.backward(dout)
        if self.head == "last":
            dy = np.zeros(y_shape, self.dtype)
            dy[-1] = dfeat
            dx, _ = self.rnn.backward(dy)
        elif self.head == "final":
            LD = self.rnn.num_layers * D
            dh_n = np.zeros((LD, y_shape[1], H), self.dtype)
            for d in range(D):
                dh_n[LD - D + d] = dfeat[:, d * H:(d + 1) * H]
            dstate = (dh_n, None) if self.rnn._has_cell else dh_n
            dx, _ = self.rnn.backward(None, dstate)
        else:
            dx, _ = self.rnn.backward(dfeat)
        if self.embed is not None:
            self.embed.backward(dx)
            return None
        return dx

    def _loss(self, out, y, mask):
        if self.loss == "mse":
            if np.shape(y) != out.shape:
                raise ValueError(f"y must have the shape of the model output {out.shape} for loss='mse', "
                                 f"got {np.shape(y)}")
            return mse(out, y, mask=mask)
        y = np.asarray(y)
        if y.shape != out.shape[:-1]:
            raise ValueError(f"y must be integer class ids of shape {out.shape[:-1]} for loss='xent', got {y.shape}")
        return softmax_cross_entropy(out, y, mask=mask)

    def loss_and_grads(self, x, y, mask=None):
        """Mean loss on a batch and its gradient for every parameter.

        x : (T, B, I) float or (T, B) ids;  y : targets (see ``loss``);  mask : optional weights of
        the loss positions (shape of y for "xent", of the output for "mse").
        Returns (loss: float, grads: dict with the keys of ``params``; new arrays every call).
        """
        out = self.forward(x)
        loss, dout = self._loss(out, y, mask)
        self.backward(dout)
        return loss, self.grads

    def loss_value(self, x, y, mask=None):
        """The mean loss on a batch, without gradients."""
        return self._loss(self.forward(x), y, mask)[0]

    def predict(self, x):
        """The head's output for x: (B, O) or (T, B, O); values ("mse") or logits ("xent")."""
        return self.forward(x)
