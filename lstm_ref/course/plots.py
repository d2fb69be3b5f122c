"""Figure helpers shared by more than one chapter.

Every helper draws on a Matplotlib ``Axes`` (a new figure when ``ax`` is None), sets a title, axis
labels and, where there is more than one line, a legend, and returns the ``Axes``. The caller ends
the cell with ``plt.show()``. Sizes and fonts are chosen for projection (``use_course_style``).
"""
import numpy as np

__all__ = [
    "COURSE_STYLE",
    "use_course_style",
    "new_axes",
    "plot_learning_curves",
    "plot_grad_norms",
    "plot_heatmap",
    "plot_gate_heatmap",
    "plot_success_rates",
]

#: rcParams for figures that stay readable on a projector.
COURSE_STYLE = {
    "figure.figsize": (9.0, 4.8),
    "figure.dpi": 100,
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.labelsize": 13,
    "legend.fontsize": 11,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "lines.linewidth": 2.0,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


def use_course_style():
    """Apply COURSE_STYLE to matplotlib's rcParams (call once in a notebook's set-up cell)."""
    import matplotlib as mpl

    mpl.rcParams.update(COURSE_STYLE)


def new_axes(ax=None, figsize=None):
    """Return ``ax`` or, when it is None, the Axes of a new figure of size figsize (inches)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _label(ax, title, xlabel, ylabel, labels=()):
    """Title and axis labels on ``ax``, and a legend when any line has a label; returns ``ax``."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if any(lab is not None for lab in labels):
        ax.legend()
    return ax


def _smooth(y, window):
    y = np.asarray(y, dtype=np.float64)
    if window <= 1 or y.size < window:
        return y
    kernel = np.ones(window) / window
    return np.convolve(y, kernel, mode="valid")


def plot_learning_curves(histories, labels=None, ax=None, key="loss", smooth=1, logy=False,
                         title="Learning curves", xlabel="update step", ylabel=None):
    """One line per training history.

    histories: list of dicts as returned by ``lstm_ref.train`` (needs "step" and ``key``; for
    key="eval" the steps are taken from "eval_step"). labels: list of str (same length) or None.
    smooth: moving-average window (1 = raw).
    """
    ax = new_axes(ax)
    labels = labels if labels is not None else [None] * len(histories)
    for hist, label in zip(histories, labels):
        y = np.asarray(hist[key], dtype=np.float64)
        x = np.asarray(hist["eval_step"] if key == "eval" else hist["step"])
        ys = _smooth(y, smooth)
        ax.plot(x[len(x) - len(ys):], ys, label=label)
    if logy:
        ax.set_yscale("log")
    return _label(ax, title, xlabel, ylabel if ylabel is not None else key, labels)


def plot_grad_norms(gaps, norms, labels=None, ax=None, logy=True, title="Gradient norm against distance",
                    xlabel="distance T - t (steps)", ylabel=r"$\|\partial h_T / \partial h_t\|_2$", styles=None):
    """Norms of backpropagated gradients (or Jacobian products) against the time distance.

    gaps: (S,) distances. norms: list of (S,) arrays (one per line) or a single (S,) array.
    labels: list of str or None. styles: optional list of format strings (e.g. "--").
    """
    ax = new_axes(ax)
    norms = [norms] if np.ndim(norms[0]) == 0 else list(norms)
    labels = labels if labels is not None else [None] * len(norms)
    styles = styles if styles is not None else ["-"] * len(norms)
    for n, label, style in zip(norms, labels, styles):
        ax.plot(gaps, n, style, label=label)
    if logy:
        ax.set_yscale("log")
    return _label(ax, title, xlabel, ylabel, labels)


def plot_heatmap(Z, x, y, ax=None, title="", xlabel="", ylabel="", cbar_label="", log=False, cmap="viridis",
                 vmin=None, vmax=None):
    """A colour map of Z (ny, nx) over the grid x (nx,) by y (ny,), with a labelled colour bar.

    log: colour on a log10 scale (Z must be positive).
    """
    import matplotlib.colors as mcolors

    ax = new_axes(ax)
    Z = np.asarray(Z, dtype=np.float64)
    norm = mcolors.LogNorm(vmin=vmin, vmax=vmax) if log else mcolors.Normalize(vmin=vmin, vmax=vmax)
    mesh = ax.pcolormesh(np.asarray(x), np.asarray(y), Z, shading="auto", cmap=cmap, norm=norm)
    cbar = ax.figure.colorbar(mesh, ax=ax)
    cbar.set_label(cbar_label)
    _label(ax, title, xlabel, ylabel)
    ax.grid(False)
    return ax


def plot_gate_heatmap(values, ax=None, tokens=None, title="Gate activations", xlabel="time step",
                      ylabel="hidden unit", cbar_label="value", vmin=0.0, vmax=1.0, cmap="magma"):
    """Time x unit picture of a gate (or any state). values: (T, H). tokens: optional T labels for the x axis."""
    ax = new_axes(ax)
    values = np.asarray(values, dtype=np.float64)
    T, H = values.shape
    ax = plot_heatmap(values.T, np.arange(T), np.arange(H), ax=ax, title=title, xlabel=xlabel, ylabel=ylabel,
                      cbar_label=cbar_label, cmap=cmap, vmin=vmin, vmax=vmax)
    if tokens is not None:
        ax.set_xticks(np.arange(T))
        ax.set_xticklabels(list(tokens))
    return ax


def plot_success_rates(xs, rates, labels=None, ax=None, title="Success rate", xlabel="sequence length T",
                       ylabel="fraction of seeds solved", markers=None):
    """Success rate (0..1) against a setting such as the sequence length.

    xs: list of (S_k,) x positions, or one (S,) array shared by all lines. rates: list of (S_k,) arrays.
    """
    ax = new_axes(ax)
    labels = labels if labels is not None else [None] * len(rates)
    markers = markers if markers is not None else ["o-", "s--", "^-.", "d:"]
    shared = np.ndim(xs[0]) == 0
    for k, (r, label) in enumerate(zip(rates, labels)):
        x = xs if shared else xs[k]
        ax.plot(x, r, markers[k % len(markers)], label=label, markersize=8)
    ax.set_ylim(-0.05, 1.05)
    return _label(ax, title, xlabel, ylabel, labels)
