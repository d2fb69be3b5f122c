"""Training around a recurrent layer: Linear and Embedding, losses, optimisers, clipping, the
sequence model, the one training loop, saving and loading parameters. Imports only ``core``.

The public names live in these modules and, all of them, at the top: ``lstm_ref.NAME``.
"""
from . import modules, losses, optim, clip, models, loop, io

__all__ = [
    "modules", "losses", "optim", "clip", "models", "loop", "io",
]
