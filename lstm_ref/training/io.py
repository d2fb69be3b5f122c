"""Saving and loading parameter dictionaries as .npz files (no pickle).

``save_params(path, params)`` writes one array per key, keys and dtypes exactly preserved
(PyTorch-style names such as ``rnn.weight_ih_l0`` are fine: ``.npz`` keys may contain dots).
``load_params(path)`` reads them back with ``allow_pickle=False``, so a file can only contain
plain numeric arrays: loading never runs code. ``copy_params_into(params, state_dict)`` copies
such a dict into a model's own arrays after checking keys, shapes and dtypes.
"""
from __future__ import annotations

import os
import zipfile

import numpy as np

__all__ = ["save_params", "load_params", "copy_params_into"]


def save_params(path, params):
    """Save a dict name -> numeric array to ``path`` (``.npz``, uncompressed).

    Parameters
    ----------
    path : str or os.PathLike. numpy appends ``.npz`` if the name lacks it; the path actually
        written is returned.
    params : dict[str, array_like] of numeric (bool, int, float) arrays of any shape.

    Returns
    -------
    str : the path written.
    """
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of name -> array, got {type(params).__name__}")
    arrays = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"params keys must be non-empty strings, got {key!r}")
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"params[{key!r}] must be a numeric array, got dtype {arr.dtype}")
        arrays[key] = arr
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path = path + ".npz"
    # Written like np.savez (one NAME.npy member per array), but without passing the names as
    # keyword arguments, so any name (even "file") is allowed.
    with zipfile.ZipFile(path, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, arr in arrays.items():
            with zf.open(key + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, arr, allow_pickle=False)
    return path


def load_params(path):
    """Load a dict saved by :func:`save_params` (``allow_pickle=False``).

    Returns
    -------
    dict[str, ndarray] with the saved keys (in the saved order), shapes and dtypes.
    """
    with np.load(os.fspath(path), allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def copy_params_into(params, state_dict):
    """Copy ``state_dict`` into the arrays of ``params`` in place (the one documented mutation:
    ``params`` are a model's own parameters).

    params : dict name -> float array (the model's);  state_dict : dict with exactly the same keys
    and shapes, float values of any precision (cast to each parameter's dtype).
    Raises TypeError if state_dict is not a dict or holds a non-float array, and ValueError naming
    the unknown and missing keys, or the key with its expected and actual shape. Nothing is
    copied unless every entry passes.
    """
    if not isinstance(state_dict, dict):
        raise TypeError(f"state_dict must be a dict of arrays, got {type(state_dict).__name__}")
    unknown = sorted(set(state_dict) - set(params))
    missing = [k for k in params if k not in state_dict]
    if unknown or missing:
        raise ValueError(f"state_dict keys do not match the model: unknown keys {unknown}, missing keys {missing}")
    for k, p in params.items():
        v = np.asarray(state_dict[k])
        if v.shape != p.shape:
            raise ValueError(f"state_dict[{k!r}] must have shape {p.shape}, got {v.shape}")
        if v.dtype.kind != "f":
            raise TypeError(f"state_dict[{k!r}] must be a float array, got dtype {v.dtype}")
    for k, p in params.items():
        p[...] = np.asarray(state_dict[k]).astype(p.dtype, copy=False)
