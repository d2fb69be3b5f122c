"""Saving and loading parameter dictionaries as .npz files (no pickle).

``save_params(path, params)`` writes one array per key, keys and dtypes exactly preserved
(PyTorch-style names such as ``rnn.weight_ih_l0`` are fine: ``.npz`` keys may contain dots).
``load_params(path)`` reads them back with ``allow_pickle=False``, so a file can only contain
plain numeric arrays: loading never runs code.
"""
from __future__ import annotations

import os
import zipfile

import numpy as np

__all__ = ["save_params", "load_params"]


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
