"""Linear and Embedding: the layers around a recurrent core; ``prefixed`` names a model's parameters.

They hold ``params`` / ``grads`` dicts (PyTorch names ``weight``, ``bias``) and have ``forward`` and
``backward``; ``linear_forward`` / ``linear_backward`` are the same computation as pure functions.
"""
import numpy as np

from ..core._validate import check_dtype, check_last_dim, float_array
from .io import copy_params_into

__all__ = ["Linear", "Embedding", "linear_forward", "linear_backward", "Composite", "prefixed"]


# ---------------------------------------------------------------------------------------------
# Linear and Embedding
# ---------------------------------------------------------------------------------------------

def linear_forward(x, weight, bias):
    """out = x @ weight.T + bias.

    Parameters
    ----------
    x : (..., in) float array
    weight : (out, in), same dtype as x
    bias : (out,), same dtype as x

    Returns
    -------
    out : (..., out)
    cache : tuple for :func:`linear_backward`
    """
    weight = float_array("weight", weight)
    if weight.ndim != 2:
        raise ValueError(f"weight must have shape (out, in), got {weight.shape}")
    n_out, n_in = weight.shape
    bias = float_array("bias", bias, weight.dtype)
    if bias.shape != (n_out,):
        raise ValueError(f"bias must have shape (out={n_out},), got {bias.shape}")
    x = float_array("x", x, weight.dtype)
    check_last_dim("x", x, n_in, "in")
    out = x @ weight.T + bias
    return out, (x, weight)


def linear_backward(dout, cache):
    """Gradients of :func:`linear_forward`.

    Parameters
    ----------
    dout : (..., out) gradient of the loss with respect to ``out``
    cache : from :func:`linear_forward`

    Returns
    -------
    dx : (..., in), dweight : (out, in), dbias : (out,)
    """
    x, weight = cache
    dout = float_array("dout", dout, weight.dtype)
    expected = x.shape[:-1] + (weight.shape[0],)
    if dout.shape != expected:
        raise ValueError(f"dout must have shape {expected} (the shape of out), got {dout.shape}")
    d2 = dout.reshape(-1, weight.shape[0])
    x2 = x.reshape(-1, weight.shape[1])
    dx = (d2 @ weight).reshape(x.shape)
    dweight = d2.T @ x2
    dbias = d2.sum(axis=0)
    return dx, dweight, dbias


def _sizes(**sizes):
    """The sizes as ints; ValueError naming them unless every one is >= 1."""
    if any(int(v) < 1 for v in sizes.values()):
        raise ValueError(f"{' and '.join(sizes)} must be >= 1, got {' and '.join(map(str, sizes.values()))}")
    return tuple(int(v) for v in sizes.values())


class Linear:
    """Affine output head ``out = x W^T + b`` (PyTorch ``nn.Linear``).

    Parameters
    ----------
    in_features, out_features : int
    seed : int
        Initialisation as PyTorch: weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)).
    dtype : np.float64 (default) or np.float32

    Attributes
    ----------
    params : {"weight": (out, in), "bias": (out,)}
    grads : same keys and shapes; written by :meth:`backward`.
    """

    def __init__(self, in_features, out_features, seed=0, dtype=np.float64):
        self.in_features, self.out_features = _sizes(in_features=in_features, out_features=out_features)
        dtype, rng = check_dtype(dtype), np.random.default_rng(seed)
        k = 1.0 / np.sqrt(self.in_features)
        self.params = {
            "weight": rng.uniform(-k, k, size=(self.out_features, self.in_features)).astype(dtype),
            "bias": rng.uniform(-k, k, size=(self.out_features,)).astype(dtype),
        }
        self.grads = {key: np.zeros_like(v) for key, v in self.params.items()}
        self._cache = None

    @property
    def dtype(self):
        return self.params["weight"].dtype

    def forward(self, x):
        """x: (..., in) -> (..., out). Remembers x for :meth:`backward`."""
        out, self._cache = linear_forward(x, self.params["weight"], self.params["bias"])
        return out

    def backward(self, dout):
        """dout: (..., out) -> dx: (..., in). Overwrites ``self.grads``."""
        if self._cache is None:
            raise ValueError("Linear.backward called before forward: no cached input x")
        dx, dw, db = linear_backward(dout, self._cache)
        self.grads = {"weight": dw, "bias": db}
        return dx

    def __repr__(self):
        return f"Linear(in_features={self.in_features}, out_features={self.out_features}, dtype={self.dtype})"


class Embedding:
    """Lookup table ``e = weight[idx]`` (PyTorch ``nn.Embedding``; weight ~ N(0, 1)).

    Parameters
    ----------
    num_embeddings : int   vocabulary size V
    dim : int              embedding size E
    seed : int
    dtype : np.float64 (default) or np.float32

    Attributes
    ----------
    params : {"weight": (V, E)};  grads : {"weight": (V, E)} written by :meth:`backward`.
    """

    def __init__(self, num_embeddings, dim, seed=0, dtype=np.float64):
        self.num_embeddings, self.dim = _sizes(num_embeddings=num_embeddings, dim=dim)
        dtype, rng = check_dtype(dtype), np.random.default_rng(seed)
        self.params = {"weight": rng.standard_normal((self.num_embeddings, self.dim)).astype(dtype)}
        self.grads = {"weight": np.zeros_like(self.params["weight"])}
        self._idx = None

    @property
    def dtype(self):
        return self.params["weight"].dtype

    def forward(self, idx):
        """idx: integer array (...) with values in [0, V) -> (..., E)."""
        idx = np.asarray(idx)
        if idx.dtype.kind not in "iu":
            raise TypeError(f"idx must be an integer array of token ids, got dtype {idx.dtype} with shape {idx.shape}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.num_embeddings):
            raise ValueError(
                f"idx values must lie in [0, {self.num_embeddings}), got min {idx.min()} and max {idx.max()} "
                f"(shape {idx.shape})")
        self._idx = idx.copy()
        return self.params["weight"][idx]

    def backward(self, de):
        """de: (..., E) gradient of the looked-up vectors. Overwrites ``self.grads``; returns None
        (integer inputs have no gradient)."""
        if self._idx is None:
            raise ValueError("Embedding.backward called before forward: no cached indices")
        de = float_array("de", de, self.dtype)
        expected = self._idx.shape + (self.dim,)
        if de.shape != expected:
            raise ValueError(f"de must have shape {expected}, got {de.shape}")
        gw = np.zeros_like(self.params["weight"])
        np.add.at(gw, self._idx.reshape(-1), de.reshape(-1, self.dim))
        self.grads = {"weight": gw}
        return None

    def __repr__(self):
        return f"Embedding(num_embeddings={self.num_embeddings}, dim={self.dim}, dtype={self.dtype})"


class Composite:
    """A model made of named parts: ``_parts()`` gives (prefix, part) pairs, e.g. ("embed", Embedding).

    ``params`` / ``grads``: every part's arrays under prefixed names (``prefixed``); the arrays are
    the parts' own, so an optimiser's in-place update reaches them. ``state_dict()`` copies them,
    ``load_state_dict(d)`` checks keys, shapes and dtypes and copies in, ``num_params()`` counts.
    """

    def _parts(self):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def params(self):
        return prefixed(self._parts(), "params")

    @property
    def grads(self):
        """The gradients of the last backward pass, under the names of ``params``."""
        return prefixed(self._parts(), "grads")

    def state_dict(self):
        """Copies of every parameter under its prefixed name (for ``save_params``)."""
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state_dict):
        """Copy values in from a dict with exactly the keys and shapes of ``params``."""
        copy_params_into(self.params, state_dict)

    def num_params(self):
        """Total number of scalar parameters."""
        return int(sum(v.size for v in self.params.values()))


def prefixed(parts, attr="params"):
    """The ``params`` (or ``grads``) of a model's parts under prefixed names.

    parts: (prefix, part) pairs, e.g. [("embed", Embedding), ("rnn", LSTM), ("head", Linear)].
    Returns {"embed.weight": ..., "rnn.weight_ih_l0": ..., "head.bias": ...}: the parts' own arrays
    (not copies), so an optimiser's in-place update reaches them.
    """
    return {f"{prefix}.{k}": v for prefix, part in parts for k, v in getattr(part, attr).items()}
