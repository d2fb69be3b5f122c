"""The reference implementation proper: activations, input checks, initialisers, the teaching
cells, the layers, the textbook <-> PyTorch layout and gradient checking. Imports only numpy.
"""
from .activations import sigmoid, tanh, relu, softmax, log_softmax, dsigmoid, dtanh
from .initializers import uniform_init, orthogonal, orthogonal_blocks, set_forget_bias
from .cells import (
    rnn_step_forward, rnn_step_backward, lstm_step_forward, lstm_step_backward, gru_step_forward,
    gru_step_backward, LSTM_VARIANTS,
)
from .layers import RNN, LSTM, GRU
from .layout import to_textbook, from_textbook, rnn_to_textbook, rnn_from_textbook, LSTM_GATES
from .finite_diff import gradcheck, numerical_gradient, rel_error

__all__ = [
    "sigmoid", "tanh", "relu", "softmax", "log_softmax", "dsigmoid", "dtanh", "uniform_init",
    "orthogonal", "orthogonal_blocks", "set_forget_bias", "rnn_step_forward", "rnn_step_backward",
    "lstm_step_forward", "lstm_step_backward", "gru_step_forward", "gru_step_backward",
    "LSTM_VARIANTS", "RNN", "LSTM", "GRU", "to_textbook", "from_textbook", "rnn_to_textbook",
    "rnn_from_textbook", "LSTM_GATES", "gradcheck", "numerical_gradient", "rel_error",
]
