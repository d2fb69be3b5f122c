"""Teaching cells: pure one-step forward/backward functions for the RNN, LSTM and GRU (CS231n pattern: forward returns (out, cache), backward consumes the cache)."""

__all__ = []
