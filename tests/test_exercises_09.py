"""Chapter 09's exercise checks reject plausible wrong answers and accept the reference solutions."""
from _exercise_helpers import exercise_tests

NAME = "09_"

WRONG = {
    1: [  # the start c0 forgotten; the input gate forgotten; "the cell only adds" read as |g|
        "def nfg_cell(i, g, c0, T):\n    return T * i * g\n",
        "def nfg_cell(i, g, c0, T):\n    return c0 + T * g\n",
        "def nfg_cell(i, g, c0, T):\n    return c0 + T * i * abs(g)\n",
    ],
    2: [  # the input gate's peephole; no peephole; the peephole on the new cell state's sign flipped
        "def peephole_forget_gate(x, h_prev, c_prev, p):\n    H = h_prev.shape[1]\n"
        "    a = x @ p['weight_ih'].T + p['bias_ih'] + h_prev @ p['weight_hh'].T + p['bias_hh']\n"
        "    return lr.sigmoid(a[:, H:2 * H] + p['weight_ci'] * c_prev)\n",
        "def peephole_forget_gate(x, h_prev, c_prev, p):\n    H = h_prev.shape[1]\n"
        "    a = x @ p['weight_ih'].T + p['bias_ih'] + h_prev @ p['weight_hh'].T + p['bias_hh']\n"
        "    return lr.sigmoid(a[:, H:2 * H])\n",
        "def peephole_forget_gate(x, h_prev, c_prev, p):\n    H = h_prev.shape[1]\n"
        "    a = x @ p['weight_ih'].T + p['bias_ih'] + h_prev @ p['weight_hh'].T + p['bias_hh']\n"
        "    return lr.sigmoid(a[:, H:2 * H] - p['weight_cf'] * c_prev)\n",
    ],
    3: [  # all four blocks; one bias per block; the input gate's weights kept but not its biases
        "def coupled_used_params(I, H):\n    return 4 * (H * (I + H) + 2 * H)\n",
        "def coupled_used_params(I, H):\n    return 3 * (H * (I + H) + H)\n",
        "def coupled_used_params(I, H):\n    return 4 * H * (I + H) + 6 * H\n",
    ],
}


ns, test_check_rejects_a_wrong_answer, test_check_accepts_the_solution = exercise_tests(NAME, WRONG)
