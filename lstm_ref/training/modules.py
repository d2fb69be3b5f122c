"""Linear and Embedding: the layers around a recurrent core; ``prefixed`` names a model's parameters.

They hold ``params`` / ``grads`` dicts (PyTorch names ``weight``, ``bias``) and have ``forward`` and
``backward``; ``linear_forward`` / ``linear_backward`` are the same computation as pure functions.
"""
import numpy as np

from ..core._validate import check_dtype, check_last_dim, float_array

__all__ = ["Linear", "Embedding", "linear_forward", "linear_backward", "prefixed"]


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
        if int(in_features) < 1 or int(out_features) < 1:
            raise ValueError(f"in_features and out_features must be >= 1, got {in_features} and {out_features}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        dtype = check_dtype(dtype)
        rng = np.random.default_rng(seed)
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
        if int(num_embeddings) < 1 or int(dim) < 1:
            raise ValueError(f"num_embeddings and dim must be >= 1, got {num_embeddings} and {dim}")
        self.num_embeddings, self.dim = int(num_embeddings), int(dim)
        dtype = check_dtype(dtype)
        rng = np.random.default_rng(seed)
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


def prefixed(parts, attr="params"):
    """The ``params`` (or ``grads``) of a model's parts under prefixed names.

    parts: (prefix, part) pairs, e.g. [("embed", Embedding), ("rnn", LSTM), ("head", Linear)].
    Returns {"embed.weight": ..., "rnn.weight_ih_l0": ..., "head.bias": ...}: the parts' own arrays
    (not copies), so an optimiser's in-place update reaches them.
    """
    return {f"{prefix}.{k}": v for prefix, part in parts for k, v in getattr(part, attr).items()}
