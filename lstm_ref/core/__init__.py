"""The reference implementation proper: activations, input checks, initialisers, the teaching
cells and the LSTM variants, the cell registry and its generic unroll, the layers, the textbook <->
PyTorch layout and gradient checking. Imports only numpy.
"""
from .activations import sigmoid, tanh, relu, softmax, log_softmax, dsigmoid, dtanh
from .initializers import uniform_init, orthogonal, orthogonal_blocks, set_forget_bias
from .cells import (
    rnn_step_forward, rnn_step_backward, lstm_step_forward, lstm_step_backward, gru_step_forward,
    gru_step_backward, mgu_step_forward, mgu_step_backward,
)
from .lstm_variants import LSTM_VARIANTS, lstm_variant_step_forward, lstm_variant_step_backward
from .registry import Cell, CELLS, unroll_forward, unroll_backward
from .layers import RNN, LSTM, GRU, MGU, LAYERS, make_layer
from .layout import to_textbook, from_textbook, rnn_to_textbook, rnn_from_textbook, LSTM_GATES
from .finite_diff import gradcheck, numerical_gradient, rel_error

__all__ = [
    "sigmoid", "tanh", "relu", "softmax", "log_softmax", "dsigmoid", "dtanh", "uniform_init",
    "orthogonal", "orthogonal_blocks", "set_forget_bias", "rnn_step_forward", "rnn_step_backward",
    "lstm_step_forward", "lstm_step_backward", "gru_step_forward", "gru_step_backward",
    "mgu_step_forward", "mgu_step_backward", "LSTM_VARIANTS", "lstm_variant_step_forward",
    "lstm_variant_step_backward", "Cell", "CELLS", "unroll_forward", "unroll_backward", "RNN",
    "LSTM", "GRU", "MGU", "LAYERS", "make_layer", "to_textbook", "from_textbook",
    "rnn_to_textbook", "rnn_from_textbook", "LSTM_GATES", "gradcheck", "numerical_gradient",
    "rel_error",
]
