"""Training around a recurrent layer: Linear and Embedding, losses, optimisers, clipping, the
sequence model, the one training loop (``loop.train``), saving and loading parameters. Imports only ``core``.
"""
from .modules import Linear, Embedding, linear_forward, linear_backward, prefixed
from .losses import IGNORE_INDEX, softmax_cross_entropy, mse, accuracy
from .optim import SGD, Adagrad, Adam
from .clip import grad_norm, clip_grad_norm, clip_grad_value
from .models import SequenceModel
from .loop import train, CarriedState, progress_enabled
from .io import save_params, load_params, copy_params_into

__all__ = [
    "Linear", "Embedding", "linear_forward", "linear_backward", "prefixed", "IGNORE_INDEX",
    "softmax_cross_entropy", "mse", "accuracy", "SGD", "Adagrad", "Adam", "grad_norm",
    "clip_grad_norm", "clip_grad_value", "SequenceModel", "train", "CarriedState",
    "progress_enabled", "save_params", "load_params", "copy_params_into",
]
