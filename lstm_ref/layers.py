"""Sequence layers RNN, LSTM and GRU: stacked, bidirectional, PyTorch parameter names and layout, fast hoisted-matmul BPTT."""

__all__ = []
