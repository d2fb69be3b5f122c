"""The reference implementation proper: activations, input checks, initialisers, the teaching
cells and the LSTM variants, the cell registry and its generic unroll, the layers, the textbook <->
PyTorch layout and gradient checking. Imports only numpy.

The public names live in these modules and, all of them, at the top: ``lstm_ref.NAME``.
"""
from . import activations, initializers, cells, lstm_variants, registry, layers, layout, finite_diff

__all__ = [
    "activations", "initializers", "cells", "lstm_variants", "registry", "layers", "layout",
    "finite_diff",
]
