"""Draw the course's diagrams (figures/*.svg) with matplotlib.

Usage: python tools/draw_figures.py [OUTDIR]        (default: figures/)

The output is byte-for-byte reproducible: fixed hash salt for SVG ids, no date in the metadata,
fonts loaded from matplotlib's own bundled files (never the system's), text stored as paths.
tests/test_figures.py redraws every figure into a temporary directory and compares bytes.

Figures (notation as in the notebooks; gate order as PyTorch):
    rnn_unrolled.svg  the vanilla RNN, folded and unrolled in time
    lstm_cell.svg     one LSTM step: gates f, i, g, o, the cell-state highway
    gru_cell.svg      one GRU step (PyTorch form): gates r, z, candidate n
    bilstm.svg        a bidirectional LSTM over a sentence and its sentence vector
"""
import pathlib
import sys

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch  # noqa: E402
from matplotlib.path import Path  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIGURES = ROOT / "figures"

# Text uses matplotlib's bundled DejaVu Sans (by file, so a system copy of another version is never
# picked); mathematics uses the bundled Computer Modern, which matches MathJax in the notebooks.
BUNDLED_SANS = pathlib.Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
SANS = font_manager.FontProperties(fname=str(BUNDLED_SANS))

STYLE = {
    "svg.hashsalt": "rnn-textbook",
    "svg.fonttype": "path",
    "svg.image_inline": True,
    "mathtext.fontset": "cm",
    "font.size": 14,
    "path.simplify": False,
}
METADATA = {"Date": None, "Creator": f"tools/draw_figures.py (matplotlib {matplotlib.__version__})"}

# Colour roles, kept the same in every diagram (colour-blind-safe Okabe-Ito hues).
C_STATE = "#0072B2"    # hidden/cell state
C_INPUT = "#009E73"    # inputs x_t
C_OUTPUT = "#D55E00"   # outputs y_t
C_SIGMOID = "#E69F00"  # sigmoid gates
C_TANH = "#CC79A7"     # tanh layers
C_BOX = "#F2F2F2"
C_LINE = "#333333"


# ----------------------------------------------------------------------------------------------
# primitives
# Figures are laid out in data units; SCALE shrinks the page so that the text is larger relative to
# the drawing (the SVGs are shown scaled to the text width of the book).
SCALE = 0.8


def new_axes(width, height, xlim, ylim):
    fig = plt.figure(figsize=(width * SCALE, height * SCALE))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def text(ax, x, y, s, size=14, color=C_LINE, ha="center", va="center", **kw):
    """Plain words in DejaVu Sans; strings with $...$ render as Computer Modern mathematics."""
    props = SANS.copy()
    props.set_size(size)
    props.set_math_fontfamily(STYLE["mathtext.fontset"])
    return ax.text(x, y, s, fontproperties=props, color=color, ha=ha, va=va, zorder=6, **kw)


def box(ax, x, y, w, h, label=None, fc=C_BOX, ec=C_LINE, size=16, lw=1.6, label_color=C_LINE, r=0.12,
        zorder=3):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=f"round,pad=0,rounding_size={r}",
                                fc=fc, ec=ec, lw=lw, zorder=zorder))
    if label is not None:
        text(ax, x, y, label, size=size, color=label_color)


def gate(ax, x, y, label, colour, w=0.9, h=0.6, size=15):
    """A neural layer with its activation: a coloured rounded box."""
    box(ax, x, y, w, h, label, fc=colour, ec=C_LINE, size=size, label_color="black")


def op(ax, x, y, symbol, r=0.26, size=16, fc="white"):
    """A pointwise operation: a circle with the operator inside."""
    ax.add_patch(Circle((x, y), r, fc=fc, ec=C_LINE, lw=1.6, zorder=4))
    text(ax, x, y, symbol, size=size)


def pointwise_tanh(ax, x, y, w=0.8, h=0.42):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.21",
                                fc="white", ec=C_LINE, lw=1.6, zorder=4))
    text(ax, x, y, "tanh", size=12)


def wire(ax, points, color=C_LINE, lw=1.8, arrow=True, style="-|>", scale=16, zorder=2, ls="-"):
    """A polyline through points; the last segment carries the arrow head."""
    codes = [Path.MOVETO] + [Path.LINETO] * (len(points) - 1)
    patch = FancyArrowPatch(path=Path(points, codes), arrowstyle=style if arrow else "-",
                            mutation_scale=scale, color=color, lw=lw, zorder=zorder,
                            shrinkA=0, shrinkB=0, joinstyle="miter", capstyle="butt", linestyle=ls)
    ax.add_patch(patch)


def curve(ax, start, end, rad, color=C_LINE, lw=1.8, scale=16):
    ax.add_patch(FancyArrowPatch(start, end, connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>",
                                 mutation_scale=scale, color=color, lw=lw, zorder=2, shrinkA=0, shrinkB=0))


def dot(ax, x, y, color=C_LINE, r=0.06):
    ax.add_patch(Circle((x, y), r, fc=color, ec=color, zorder=5))


def save(fig, outdir, name, title):
    path = pathlib.Path(outdir) / name
    fig.savefig(path, format="svg", metadata={**METADATA, "Title": title})
    plt.close(fig)
    return path


# ----------------------------------------------------------------------------------------------
# 1. the unrolled RNN
def draw_rnn_unrolled(outdir):
    fig, ax = new_axes(13.0, 5.6, (-0.6, 15.6), (-1.55, 5.4))

    # folded network on the left
    fx = 1.2
    text(ax, fx, 5.0, "folded", size=15)
    box(ax, fx, 2.2, 1.3, 0.9, "$h_t$", fc="#DCEBF7", ec=C_STATE, size=20)
    text(ax, fx, 0.0, "$x_t$", size=20, color=C_INPUT)
    text(ax, fx, 4.3, r"$\hat y_t$", size=20, color=C_OUTPUT)
    wire(ax, [(fx, 0.3), (fx, 1.75)], color=C_INPUT)
    wire(ax, [(fx, 2.65), (fx, 3.95)], color=C_OUTPUT)
    # self-loop: h_t leaves on the right and comes back as h_{t-1} at the next step
    wire(ax, [(fx + 0.65, 2.42), (fx + 1.2, 2.42), (fx + 1.2, 1.98), (fx + 0.65, 1.98)], color=C_STATE)
    ax.add_patch(FancyBboxPatch((fx + 1.12, 2.12), 0.16, 0.16, boxstyle="square,pad=0", fc=C_STATE,
                                ec=C_STATE, zorder=5))
    text(ax, fx + 1.25, 1.62, "one-step delay", size=10, color="#555555")
    text(ax, fx + 1.3, 2.85, "$W$", size=16, color=C_STATE)
    text(ax, fx - 0.42, 0.95, "$U$", size=16, color=C_INPUT)
    text(ax, fx - 0.42, 3.35, "$V$", size=16, color=C_OUTPUT)

    # the "unfold" arrow
    wire(ax, [(3.15, 2.2), (4.1, 2.2)], lw=3.0, scale=26)
    text(ax, 3.62, 2.75, "unfold", size=13)

    # unrolled network
    cols = [("1", 6.2), ("2", 8.4), ("3", 10.6), ("T", 13.9)]
    text(ax, 9.95, 5.0, "unrolled in time: the same $U$, $W$, $V$ at every step", size=15)
    text(ax, 4.55, 2.2, "$h_0$", size=20, color=C_STATE)
    prev_right = 4.95
    for k, (t, x) in enumerate(cols):
        box(ax, x, 2.2, 1.3, 0.9, f"$h_{{{t}}}$", fc="#DCEBF7", ec=C_STATE, size=20)
        text(ax, x, 0.0, f"$x_{{{t}}}$", size=20, color=C_INPUT)
        text(ax, x, 4.3, rf"$\hat y_{{{t}}}$", size=20, color=C_OUTPUT)
        wire(ax, [(x, 0.3), (x, 1.75)], color=C_INPUT)
        wire(ax, [(x, 2.65), (x, 3.95)], color=C_OUTPUT)
        if t == "T":
            # the gap between step 3 and step T
            wire(ax, [(prev_right, 2.2), (prev_right + 0.55, 2.2)], color=C_STATE, arrow=False)
            text(ax, (prev_right + x - 0.65) / 2 + 0.1, 2.2, r"$\cdots$", size=24, color=C_STATE)
            wire(ax, [(x - 1.3, 2.2), (x - 0.65, 2.2)], color=C_STATE)
            text(ax, (prev_right + x - 0.65) / 2 + 0.1, 2.75, "$h_{T-1}$", size=15, color=C_STATE)
        else:
            wire(ax, [(prev_right, 2.2), (x - 0.65, 2.2)], color=C_STATE)
            text(ax, (prev_right + x - 0.65) / 2, 2.55, "$W$", size=14, color=C_STATE)
        prev_right = x + 0.65
    text(ax, 6.2 - 0.42, 0.95, "$U$", size=14, color=C_INPUT)
    text(ax, 6.2 - 0.42, 3.35, "$V$", size=14, color=C_OUTPUT)

    # the equations, and the shapes of one time-major batch
    text(ax, 7.5, -0.95,
         r"$h_t = \tanh(W\,h_{t-1} + U\,x_t + b)\qquad"
         r"\hat y_t = \mathrm{softmax}(V\,h_t + b_y)$", size=17)
    text(ax, 7.5, -1.42, "time-major batches:  x (T, B, I)    h_t (B, H)    outputs (T, B, H)", size=12,
         color="#555555")
    return save(fig, outdir, "rnn_unrolled.svg", "A vanilla RNN, folded and unrolled in time")


# ----------------------------------------------------------------------------------------------
# 2. the LSTM cell
def draw_lstm_cell(outdir):
    fig, ax = new_axes(12.0, 7.6, (-1.7, 13.3), (-2.95, 6.55))
    # cell outline
    box(ax, 5.6, 2.55, 9.6, 5.3, None, fc="#FAFAFA", ec="#888888", lw=1.4, r=0.35, zorder=0)
    text(ax, 0.9, 5.5, "one LSTM step $t$", size=13, color="#555555", ha="left")

    cy, hy = 4.3, 0.0          # heights of the cell-state highway and of the hidden-state line
    gy = 1.45                  # height of the gate layers
    gx = {"f": 2.6, "i": 4.0, "g": 5.4, "o": 6.8}

    # inputs: c_{t-1} top-left, h_{t-1} bottom-left, x_t bottom
    text(ax, -1.05, cy, "$c_{t-1}$", size=20, color=C_STATE)
    text(ax, -1.05, hy, "$h_{t-1}$", size=20, color=C_STATE)
    text(ax, 1.6, -1.55, "$x_t$", size=20, color=C_INPUT)
    # concatenation [h_{t-1}, x_t] feeds every gate
    wire(ax, [(-0.45, hy), (1.6, hy)], color=C_STATE, arrow=False)
    wire(ax, [(1.6, -1.25), (1.6, hy)], color=C_INPUT, arrow=False)
    dot(ax, 1.6, hy)
    wire(ax, [(1.6, hy), (1.6, 0.55), (gx["o"], 0.55)], arrow=False)
    for name, x in gx.items():
        dot(ax, x, 0.55) if name != "o" else None
        wire(ax, [(x, 0.55), (x, gy - 0.3)])
    text(ax, 0.85, 0.85, r"$[h_{t-1},\,x_t]$", size=14)

    # the four layers (PyTorch order i, f, g, o; drawn left to right as used: f, i, g, o)
    gate(ax, gx["f"], gy, r"$\sigma$", C_SIGMOID)
    gate(ax, gx["i"], gy, r"$\sigma$", C_SIGMOID)
    gate(ax, gx["g"], gy, "tanh", C_TANH, size=13)
    gate(ax, gx["o"], gy, r"$\sigma$", C_SIGMOID)
    for name, x, lab in [("f", gx["f"], "$f_t$"), ("i", gx["i"], "$i_t$"),
                         ("g", gx["g"], r"$\tilde c_t$"), ("o", gx["o"], "$o_t$")]:
        text(ax, x + 0.34, gy + 0.62, lab, size=16)

    # cell-state highway: c_{t-1} -> (x f) -> (+) -> c_t
    mx, px = gx["f"], gx["g"]
    wire(ax, [(-0.45, cy), (mx - 0.26, cy)], color=C_STATE, lw=2.6)
    op(ax, mx, cy, r"$\times$")
    wire(ax, [(mx + 0.26, cy), (px - 0.26, cy)], color=C_STATE, lw=2.6)
    op(ax, px, cy, "$+$")
    wire(ax, [(px + 0.26, cy), (12.0, cy)], color=C_STATE, lw=2.6)
    text(ax, 12.6, cy, "$c_t$", size=20, color=C_STATE)
    # f -> multiply on the highway
    wire(ax, [(gx["f"], gy + 0.3), (mx, cy - 0.26)])
    # i * g -> add to the highway
    iy = 2.75
    op(ax, gx["i"] + 0.7, iy, r"$\times$")
    wire(ax, [(gx["i"], gy + 0.3), (gx["i"], iy), (gx["i"] + 0.44, iy)])
    wire(ax, [(gx["g"], gy + 0.3), (gx["g"], iy), (gx["i"] + 0.96, iy)])
    wire(ax, [(gx["i"] + 0.7, iy + 0.26), (gx["i"] + 0.7, 3.55), (px, 3.55), (px, cy - 0.26)])
    # output: tanh(c_t) * o_t -> h_t
    tx, ox = 8.6, 8.6
    dot(ax, tx, cy, color=C_STATE)
    wire(ax, [(tx, cy), (tx, 3.34)], color=C_STATE)
    pointwise_tanh(ax, tx, 3.13)
    wire(ax, [(tx, 2.92), (tx, 1.71)])
    op(ax, ox, 1.45, r"$\times$")
    wire(ax, [(gx["o"] + 0.45, gy), (ox - 0.26, 1.45)])
    wire(ax, [(ox, 1.19), (ox, hy), (12.0, hy)], color=C_STATE, lw=2.2)
    text(ax, 12.6, hy, "$h_t$", size=20, color=C_STATE)
    dot(ax, 11.0, hy, color=C_STATE)
    wire(ax, [(11.0, hy), (11.0, 5.75)], color=C_STATE)
    text(ax, 10.6, 6.1, r"$h_t$ (to the layer above / output)", size=13, color=C_STATE)

    # labels of roles
    text(ax, mx, cy + 0.5, "forget", size=11, color="#555555")
    text(ax, px, cy + 0.5, "write", size=11, color="#555555")
    text(ax, gx["i"] + 1.35, iy + 0.5, r"$i_t\odot\tilde c_t$", size=13)
    text(ax, 8.78, 0.62, "$o_t \\odot \\tanh(c_t)$", size=13, ha="left")

    # the equations, under the cell
    eq1 = (r"$f_t=\sigma(W_f[h_{t-1},x_t]+b_f)\quad i_t=\sigma(W_i[h_{t-1},x_t]+b_i)\quad"
           r"\tilde c_t=\tanh(W_c[h_{t-1},x_t]+b_c)\quad o_t=\sigma(W_o[h_{t-1},x_t]+b_o)$")
    eq2 = r"$c_t = f_t\odot c_{t-1} + i_t\odot\tilde c_t\qquad h_t = o_t\odot\tanh(c_t)$"
    text(ax, 5.8, -2.25, eq1, size=13)
    text(ax, 5.8, -2.72, eq2 + "      (PyTorch calls the candidate g: gate order i, f, g, o)", size=13)
    return save(fig, outdir, "lstm_cell.svg", "One LSTM step: forget, input and output gates and the cell state")


# ----------------------------------------------------------------------------------------------
# 3. the GRU cell (PyTorch form, reset after the recurrent product)
def draw_gru_cell(outdir):
    fig, ax = new_axes(12.0, 7.6, (-1.7, 13.3), (-2.95, 6.55))
    box(ax, 5.6, 2.55, 9.6, 5.3, None, fc="#FAFAFA", ec="#888888", lw=1.4, r=0.35, zorder=0)
    text(ax, 0.9, 5.5, "one GRU step $t$ (PyTorch form)", size=13, color="#555555", ha="left")

    top, hy, gy = 4.3, 0.0, 1.45
    zx, rx, nx = 2.6, 4.0, 6.6       # gate columns
    kx, ax_, mx = 7.6, 9.2, 8.4      # keep-multiply, add, candidate-multiply columns
    text(ax, -1.05, top, "$h_{t-1}$", size=20, color=C_STATE)
    text(ax, 1.6, -1.55, "$x_t$", size=20, color=C_INPUT)

    # h_{t-1} runs along the top; a branch goes down and joins x_t to feed the gates
    wire(ax, [(-0.45, top), (kx - 0.26, top)], color=C_STATE, lw=2.6)
    dot(ax, 0.55, top, color=C_STATE)
    wire(ax, [(0.55, top), (0.55, hy), (1.6, hy)], color=C_STATE, arrow=False)
    wire(ax, [(1.6, -1.25), (1.6, hy)], color=C_INPUT, arrow=False)
    dot(ax, 1.6, hy)
    wire(ax, [(1.6, hy), (1.6, 0.55), (rx, 0.55)], arrow=False)
    dot(ax, zx, 0.55)
    for x in (zx, rx):
        wire(ax, [(x, 0.55), (x, gy - 0.3)])
    text(ax, 2.8, 0.24, r"$[h_{t-1},\,x_t]$", size=14)
    gate(ax, zx, gy, r"$\sigma$", C_SIGMOID)
    gate(ax, rx, gy, r"$\sigma$", C_SIGMOID)
    text(ax, zx + 0.34, gy + 0.62, "$z_t$", size=16)
    text(ax, rx + 0.34, gy + 0.62, "$r_t$", size=16)

    # candidate: n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))
    cx = 5.6
    dot(ax, cx, top, color=C_STATE)
    wire(ax, [(cx, top), (cx, 3.6)], color=C_STATE)
    box(ax, cx, 3.35, 1.5, 0.5, r"$W_{hn}h_{t-1}{+}b_{hn}$", fc="white", size=11)
    wire(ax, [(cx, 3.1), (cx, 2.81)])
    op(ax, cx, 2.55, r"$\times$")
    wire(ax, [(rx, gy + 0.3), (rx, 2.55), (cx - 0.26, 2.55)])
    wire(ax, [(cx + 0.26, 2.55), (nx, 2.55), (nx, gy + 0.3)])
    gate(ax, nx, gy, "tanh", C_TANH, size=13)
    text(ax, nx + 0.62, gy + 0.5, "$n_t$", size=16)
    dot(ax, 1.6, -0.55, color=C_INPUT)
    wire(ax, [(1.6, -0.55), (nx, -0.55), (nx, gy - 0.3)], color=C_INPUT)
    text(ax, nx + 0.15, 0.35, "$W_{in}x_t{+}b_{in}$", size=12, color=C_INPUT, ha="left")

    # update: h_t = z_t * h_{t-1} + (1 - z_t) * n_t
    wire(ax, [(zx, gy + 0.3), (zx, 3.85), (mx, 3.85), (mx, 3.22)])
    dot(ax, kx, 3.85)
    wire(ax, [(kx, 3.85), (kx, top - 0.26)])
    op(ax, kx, top, r"$\times$")
    wire(ax, [(kx + 0.26, top), (ax_ - 0.26, top)], color=C_STATE, lw=2.6)
    op(ax, ax_, top, "$+$")
    wire(ax, [(ax_ + 0.26, top), (12.0, top)], color=C_STATE, lw=2.6)
    text(ax, 12.6, top, "$h_t$", size=20, color=C_STATE)
    box(ax, mx, 3.0, 0.8, 0.44, "$1-z_t$", fc="white", size=12)
    wire(ax, [(mx, 2.78), (mx, gy + 0.26)])
    op(ax, mx, gy, r"$\times$")
    wire(ax, [(nx + 0.45, gy), (mx - 0.26, gy)])
    wire(ax, [(mx + 0.26, gy), (ax_, gy), (ax_, top - 0.26)])
    text(ax, 3.3, 4.05, "$z_t$", size=14)
    text(ax, kx, top + 0.5, "keep", size=11, color="#555555")
    text(ax, ax_, top + 0.5, "mix", size=11, color="#555555")
    text(ax, mx, 0.9, r"$(1-z_t)\odot n_t$", size=12)
    dot(ax, 11.0, top, color=C_STATE)
    wire(ax, [(11.0, top), (11.0, 5.75)], color=C_STATE)
    text(ax, 10.6, 6.1, r"$h_t$ (next step, layer above)", size=13, color=C_STATE)

    eq1 = (r"$r_t=\sigma(W_{ir}x_t+b_{ir}+W_{hr}h_{t-1}+b_{hr})\quad"
           r"z_t=\sigma(W_{iz}x_t+b_{iz}+W_{hz}h_{t-1}+b_{hz})$")
    eq2 = (r"$n_t=\tanh\left(W_{in}x_t+b_{in}+r_t\odot(W_{hn}h_{t-1}+b_{hn})\right)\qquad"
           r"h_t=(1-z_t)\odot n_t+z_t\odot h_{t-1}$")
    text(ax, 5.8, -2.05, eq1, size=13)
    text(ax, 5.8, -2.5, eq2, size=13)
    text(ax, 5.8, -2.85, "PyTorch stores the rows in gate order r, z, n", size=11, color="#555555")
    return save(fig, outdir, "gru_cell.svg", "One GRU step in PyTorch form: reset gate, update gate, candidate")


# ----------------------------------------------------------------------------------------------
# 4. the bidirectional LSTM
def draw_bilstm(outdir):
    fig, ax = new_axes(13.0, 6.6, (-1.2, 16.3), (-1.35, 7.4))
    C_BACK = "#882255"
    xs = [2.0, 5.0, 8.0, 11.0]
    yf, yb, yo = 1.9, 3.5, 5.05
    text(ax, 7.5, 7.0, "bidirectional LSTM: one LSTM reads left to right, another right to left", size=14)
    text(ax, -0.4, yf, r"$\overrightarrow{h}_0$", size=18, color=C_STATE)
    text(ax, 12.85, yb, r"$\overleftarrow{h}_{T+1}$", size=18, color=C_BACK)
    for k, x in enumerate(xs, start=1):
        t = "T" if k == len(xs) else str(k)
        text(ax, x, -0.55, f"$x_{{{t}}}$", size=18, color=C_INPUT)
        box(ax, x, yf, 1.5, 0.8, rf"$\overrightarrow{{h}}_{{{t}}}$", fc="#DCEBF7", ec=C_STATE, size=18)
        box(ax, x, yb, 1.5, 0.8, rf"$\overleftarrow{{h}}_{{{t}}}$", fc="#F3DDE8", ec=C_BACK, size=18)
        # x_t feeds the forward LSTM and, around it, the backward LSTM
        wire(ax, [(x, -0.25), (x, yf - 0.4)], color=C_INPUT)
        dot(ax, x, 0.85, color=C_INPUT)
        wire(ax, [(x, 0.85), (x - 1.05, 0.85), (x - 1.05, 2.75), (x - 0.35, 2.75), (x - 0.35, yb - 0.4)],
             color=C_INPUT)
        # both directions are concatenated into y_t
        op(ax, x, yo, r"$[\,;\,]$", r=0.36, size=13)
        wire(ax, [(x - 0.2, yb + 0.4), (x - 0.2, yo - 0.3)], color=C_BACK)
        wire(ax, [(x + 0.35, yf + 0.4), (x + 0.35, 2.75), (x + 1.05, 2.75), (x + 1.05, yo),
                  (x + 0.36, yo)], color=C_STATE)
        text(ax, x, yo + 0.7, rf"$y_{{{t}}}=[\overrightarrow{{h}}_{{{t}}};\overleftarrow{{h}}_{{{t}}}]$", size=14,
             color=C_OUTPUT)
    for a, b in zip(xs[:-1], xs[1:]):
        wire(ax, [(a + 0.75, yf), (b - 0.75, yf)], color=C_STATE, lw=2.2)
        wire(ax, [(b - 0.75, yb), (a + 0.75, yb)], color=C_BACK, lw=2.2)
    text(ax, 9.5, yf + 0.3, r"$\cdots$", size=16, color=C_STATE)
    text(ax, 9.5, yb + 0.3, r"$\cdots$", size=16, color=C_BACK)
    wire(ax, [(0.05, yf), (xs[0] - 0.75, yf)], color=C_STATE, lw=2.2)
    wire(ax, [(12.3, yb), (xs[-1] + 0.75, yb)], color=C_BACK, lw=2.2)
    # the sentence vector [forward state at T, backward state at 1]
    sx, sy = 14.75, 2.9
    box(ax, sx, sy, 2.5, 1.3, None, fc="white", ec=C_OUTPUT, lw=1.6)
    text(ax, sx, sy + 0.3, "sentence vector", size=11, color=C_OUTPUT)
    text(ax, sx, sy - 0.22, r"$[\overrightarrow{h}_T;\overleftarrow{h}_1]$", size=17, color=C_OUTPUT)
    wire(ax, [(xs[-1] + 0.75, yf - 0.2), (sx - 0.5, yf - 0.2), (sx - 0.5, sy - 0.65)], color=C_STATE,
         ls="--", lw=1.4)
    wire(ax, [(xs[0] - 0.75, yb + 0.2), (0.35, yb + 0.2), (0.35, 6.2), (sx + 0.5, 6.2), (sx + 0.5, sy + 0.65)],
         color=C_BACK, ls="--", lw=1.4)
    text(ax, 7.5, -1.15, "layer output (T, B, 2H): forward half first, then backward;"
                         "   final states h_n (2, B, H): [forward at T, backward at 1]", size=11,
         color="#555555")
    return save(fig, outdir, "bilstm.svg", "A bidirectional LSTM and its sentence vector")


DRAWERS = {
    "rnn_unrolled.svg": draw_rnn_unrolled,
    "lstm_cell.svg": draw_lstm_cell,
    "gru_cell.svg": draw_gru_cell,
    "bilstm.svg": draw_bilstm,
}


def draw_all(outdir=FIGURES):
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(STYLE):
        return [drawer(outdir) for drawer in DRAWERS.values()]


if __name__ == "__main__":
    for p in draw_all(sys.argv[1] if len(sys.argv) > 1 else FIGURES):
        print(f"wrote {p.name}")
