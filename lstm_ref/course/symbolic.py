"""SymPy helpers for the derivation chapters: a gate-level sigmoid whose derivative is sigma (1 - sigma).

Why gate level: written with exponentials, one LSTM derivative is a page of nested
``exp`` terms and ``sympy.simplify`` does not finish on it in minutes. Here ``sigma`` is a
``sympy.Function`` that differentiates to ``sigma * (1 - sigma)`` without ever expanding, so a
derivative stays a short product of gate values; :func:`gate_level` then replaces every
``sigma(z_f)`` by the gate symbol ``f_t`` (and ``tanh(z_c)`` by ``c~_t``, ``tanh(c_t)`` by its
own symbol), and each derivation takes well under a second.

Use it as ``lr.symbolic.NAME``; the names are kept out of the top-level ``lstm_ref`` namespace so
the numeric ``lr.sigmoid`` and the symbolic ``lr.symbolic.sigma`` are never confused.

Shapes: the scalar cell (:func:`lstm_cell_symbols`) has scalar input, hidden and cell state;
the vector cell (:func:`lstm_vector_symbols`) has column vectors ``x (I, 1)``, ``h_prev (H, 1)``,
``c_prev (H, 1)`` and per-gate textbook weights ``W[k] (H, H + I)`` acting on ``[h_prev; x]``
with biases ``b[k] (H, 1)``, gates ``k`` in the textbook order f, i, c, o (post 000's 式1–式6).
"""
import types

import numpy as np
import sympy as sp

__all__ = []

GATES = ("f", "i", "c", "o")
"""Textbook gate order: forget, input, candidate (c~), output."""


class sigma(sp.Function):
    r"""The logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})` as a gate-level SymPy function.

    ``sigma(z).diff(z) == sigma(z) * (1 - sigma(z))``; ``sigma(0) == 1/2``; ``.rewrite(sp.exp)``
    gives the exponential form; ``evalf`` and ``sympy.lambdify`` evaluate ``1 / (1 + exp(-z))``.
    """

    nargs = 1

    @classmethod
    def eval(cls, arg):
        if arg.is_zero:
            return sp.S.Half
        return None

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        s = sigma(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sp.exp(-arg))

    def _eval_evalf(self, prec):
        arg = self.args[0]
        if arg.is_number:
            return (1 / (1 + sp.exp(-arg)))._eval_evalf(prec)
        return None

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        if self.args[0].is_real:
            return True
        return None

    def _numpycode(self, printer):
        exp = printer._module_format(printer._module + ".exp")
        return f"1/(1 + {exp}(-({printer._print(self.args[0])})))"

    def _pythoncode(self, printer):
        return f"1/(1 + {printer._module_format('math.exp')}(-({printer._print(self.args[0])})))"

    def _lambdacode(self, printer):
        return f"1/(1 + exp(-({printer._print(self.args[0])})))"

    def _mpmathcode(self, printer):
        return f"1/(1 + {printer._module_format('mpmath.exp')}(-({printer._print(self.args[0])})))"

    def _latex(self, printer, exp=None):
        tex = r"\sigma\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)


def lambdify(args, expr):
    """``sympy.lambdify`` with numpy, ``sigma`` evaluated as ``1 / (1 + exp(-z))``.

    ``args`` is a symbol or a (nested) sequence of symbols; the returned function takes numbers
    or numpy arrays (broadcast elementwise) and returns what ``expr`` is (scalar or nested list).
    """
    return sp.lambdify(args, expr, modules=[{"sigma": lambda z: 1.0 / (1.0 + np.exp(-z))}, "numpy"])


def _real(name):
    return sp.Symbol(name, real=True)


def lstm_vector_symbols(hidden_size, input_size):
    """Symbols of one LSTM step with ``H = hidden_size`` units and ``I = input_size`` inputs.

    Returns a ``types.SimpleNamespace`` with sympy Matrices (column vectors ``(n, 1)``):

    - ``x (I, 1)``, ``h_prev (H, 1)``, ``c_prev (H, 1)``; upstream gradients ``dh (H, 1)``, ``dc (H, 1)``
    - ``W[k] (H, H + I)`` for k in f, i, c, o, acting on ``[h_prev; x]``; ``b[k] (H, 1)``
    - gate symbols ``gate[k] (H, 1)`` (``f_t``, ``i_t``, ``c~_t``, ``o_t``) and ``tanh_c (H, 1)``
      standing for ``tanh(c_t)``, used by :func:`gate_level`
    - ``params``: list of (name, Matrix) pairs, names ``W_f, b_f, W_i, ...``
    """
    H, I = int(hidden_size), int(input_size)
    if H < 1 or I < 1:
        raise ValueError(f"hidden_size and input_size must be >= 1, got {hidden_size}, {input_size}")

    def vec(name, n, sub=""):
        # LaTeX-friendly names: entry j of h_{t-1} is h_{t-1,j}, of x_t is x_{t,j}
        return sp.Matrix(n, 1, lambda j, _: _real(f"{name}_{{{sub}{j + 1}}}"))

    s = types.SimpleNamespace(hidden_size=H, input_size=I)
    s.x, s.h_prev, s.c_prev = vec("x", I, "t,"), vec("h", H, "t-1,"), vec("c", H, "t-1,")
    s.dh, s.dc = vec(r"\delta h", H, "t,"), vec(r"\delta c", H, "t,")
    s.W = {k: sp.Matrix(H, H + I, lambda j, m, k=k: _real(f"W^{{{k}}}_{{{j + 1}{m + 1}}}")) for k in GATES}
    s.b = {k: vec(f"b^{{{k}}}", H) for k in GATES}
    gate_names = {"f": "f", "i": "i", "c": r"\tilde{c}", "o": "o"}
    s.gate = {k: vec(gate_names[k], H, "t,") for k in GATES}
    s.tanh_c = sp.Matrix(H, 1, lambda j, _: _real(rf"\tanh(c_{{t,{j + 1}}})"))
    s.params = [(f"{kind}_{k}", getattr(s, kind)[k]) for k in GATES for kind in ("W", "b")]
    return s


def lstm_vector_expressions(s):
    """Forward expressions of one LSTM step (式1–式6) for the symbols ``s`` of :func:`lstm_vector_symbols`.

    Returns a dict of ``(H, 1)`` Matrices: ``z_f, z_i, z_c, z_o`` (pre-activations
    ``W_k [h_prev; x] + b_k``), ``f, i, g`` (= c~), ``o``, ``c`` (= f*c_prev + i*g) and ``h`` (= o*tanh(c)).
    """
    hx = s.h_prev.col_join(s.x)
    e = {f"z_{k}": s.W[k] * hx + s.b[k] for k in GATES}
    e["f"] = e["z_f"].applyfunc(sigma)
    e["i"] = e["z_i"].applyfunc(sigma)
    e["g"] = e["z_c"].applyfunc(sp.tanh)
    e["o"] = e["z_o"].applyfunc(sigma)
    e["c"] = e["f"].multiply_elementwise(s.c_prev) + e["i"].multiply_elementwise(e["g"])
    e["h"] = e["o"].multiply_elementwise(e["c"].applyfunc(sp.tanh))
    return e


def gate_rules(s, e):
    """``xreplace`` rules mapping ``sigma(z_f)`` -> ``f_t``, ..., ``tanh(z_c)`` -> ``c~_t``, ``tanh(c_t)`` -> ``tanh_c``."""
    rules = {}
    for j in range(s.hidden_size):
        rules[sp.tanh(e["c"][j])] = s.tanh_c[j]
        rules[sigma(e["z_f"][j])] = s.gate["f"][j]
        rules[sigma(e["z_i"][j])] = s.gate["i"][j]
        rules[sp.tanh(e["z_c"][j])] = s.gate["c"][j]
        rules[sigma(e["z_o"][j])] = s.gate["o"][j]
    return rules


def gate_level(expr, s, e):
    """Rewrite ``expr`` (an expression or Matrix) in gate symbols: no exponentials, no nested sigmas.

    Replacement is top-down (``xreplace``), so ``tanh(c_t)`` is matched before the gates inside it.
    """
    rules = gate_rules(s, e)
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(lambda a: a.xreplace(rules))
    return expr.xreplace(rules)


def lstm_cell_symbols():
    """Symbols of the scalar LSTM cell (H = I = 1), with readable names.

    Returns a ``types.SimpleNamespace`` of real sympy Symbols: ``x``, ``h_prev``, ``c_prev``,
    upstream ``dh``, ``dc``; per gate k in f, i, c, o the weights ``W_kh`` (recurrent), ``W_kx``
    (input) and bias ``b_k`` in ``w[k] = (W_kh, W_kx, b_k)``; gate symbols ``f, i, g (= c~), o`` and
    ``tanh_c``; ``params``: the 12 weight symbols in the order W_fh, W_fx, b_f, W_ih, ..., b_o.
    """
    s = types.SimpleNamespace()
    s.x, s.h_prev, s.c_prev = _real("x_t"), _real("h_{t-1}"), _real("c_{t-1}")
    s.dh, s.dc = _real(r"\delta h_t"), _real(r"\delta c_t")
    s.w = {k: (_real(f"W_{{{k}h}}"), _real(f"W_{{{k}x}}"), _real(f"b_{k}")) for k in GATES}
    s.f, s.i, s.g, s.o = _real("f_t"), _real("i_t"), _real(r"\tilde{c}_t"), _real("o_t")
    s.tanh_c = _real(r"\tanh(c_t)")
    s.params = [p for k in GATES for p in s.w[k]]
    s.param_names = [n for k in GATES for n in (f"W_{k}h", f"W_{k}x", f"b_{k}")]
    return s


def lstm_cell_expressions(s):
    """Forward expressions (式1–式6) of the scalar cell ``s`` from :func:`lstm_cell_symbols`.

    Returns a dict of sympy expressions ``z_f, z_i, z_c, z_o, f, i, g, o, c, h`` and ``rules``:
    the ``xreplace`` rules to gate level (``sigma(z_f)`` -> ``f_t``, ..., ``tanh(c_t)`` -> ``tanh_c``).
    """
    e = {f"z_{k}": s.w[k][0] * s.h_prev + s.w[k][1] * s.x + s.w[k][2] for k in GATES}
    e["f"], e["i"], e["o"] = sigma(e["z_f"]), sigma(e["z_i"]), sigma(e["z_o"])
    e["g"] = sp.tanh(e["z_c"])
    e["c"] = e["f"] * s.c_prev + e["i"] * e["g"]
    e["h"] = e["o"] * sp.tanh(e["c"])
    e["rules"] = {sp.tanh(e["c"]): s.tanh_c, e["f"]: s.f, e["i"]: s.i, e["g"]: s.g, e["o"]: s.o}
    return e


def lstm_scalar_gradients(s=None, e=None):
    """Gate-level gradients of one scalar LSTM step, derived by SymPy.

    The step's outputs feed the rest of the network; with upstream gradients ``dh = dL/dh_t`` and
    ``dc = dL/dc_t`` (direct part), the chain rule is the derivative of the surrogate
    ``L = dh * h_t + dc * c_t``. Returns a dict name -> gate-level expression for the 12 weights
    (keyed ``W_fh, W_fx, b_f, ..., b_o``) and ``x``, ``h_prev``, ``c_prev``.
    """
    s = lstm_cell_symbols() if s is None else s
    e = lstm_cell_expressions(s) if e is None else e
    L = s.dh * e["h"] + s.dc * e["c"]
    out = {}
    for name, v in list(zip(s.param_names, s.params)) + [("x", s.x), ("h_prev", s.h_prev), ("c_prev", s.c_prev)]:
        out[name] = sp.diff(L, v).xreplace(e["rules"])
    return out
