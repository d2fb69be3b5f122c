"""Converters between PyTorch's stacked gate layout (i, f, g, o; bias_ih + bias_hh) and the textbook layout W_f . [h_{t-1}, x_t] + b_f."""

__all__ = []
