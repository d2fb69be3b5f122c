"""Course material built on ``core`` and ``train``: synthetic tasks, bundled corpora, gradient
dynamics, figure helpers, experiment drivers, the forget-gate ablation, character language
models and the notebooks' exercise checks and claims. ``symbolic`` (SymPy) is imported on first use.
"""
from .checks import claim, claims_table, self_check
from .tasks import (
    adding_problem, adding_baseline_mse, adding_correct, HOCHREITER_TOLERANCE, temporal_order,
    TEMPORAL_ORDER_SYMBOLS, TEMPORAL_ORDER_CLASSES, copy_memory, copy_memory_baseline,
    future_tagging, continual_stream,
)
from .datasets import load_sentiment, load_tang_poems
from .dynamics import (
    GAMMA, activation_derivative, recurrent_states, step_jacobians, jacobian_products,
    jacobian_norms, singular_values, spectral_norm, scale_spectral_norm, vanishing_bound,
    cliff_forward, cliff_loss_and_grad, cliff_grid,
)
from .plots import (
    COURSE_STYLE, use_course_style, new_axes, plot_learning_curves, plot_grad_norms, plot_heatmap,
    plot_gate_heatmap, plot_success_rates,
)
from .experiments import (
    TASKS, Run, task_data, make_model, run_to_threshold, run_seeds, updates_to_threshold,
    hidden_grad_norms,
)
from .ablation import train_on_stream, stream_eval, continual_ablation
from .sweeps import SWEEPS, load_sweep, select_gru_lstm_rates
from .charlm import (
    CharVocab, poems_to_text, split_poems, unigram_entropy, unigram_cross_entropy, batchify,
    tbptt_chunks, CharLSTM, char_lm_train_step, fit_char_lm, evaluate_char_lm, temperature_probs,
    entropy, sample, FIVE_CHAR_LINE, is_five_char_poem, line_format_rate, tang_char_data,
    load_tang_lstm,
)

__all__ = [
    "claim", "claims_table", "self_check", "adding_problem", "adding_baseline_mse",
    "adding_correct", "HOCHREITER_TOLERANCE", "temporal_order", "TEMPORAL_ORDER_SYMBOLS",
    "TEMPORAL_ORDER_CLASSES", "copy_memory", "copy_memory_baseline", "future_tagging",
    "continual_stream", "load_sentiment", "load_tang_poems", "GAMMA", "activation_derivative",
    "recurrent_states", "step_jacobians", "jacobian_products", "jacobian_norms", "singular_values",
    "spectral_norm", "scale_spectral_norm", "vanishing_bound", "cliff_forward",
    "cliff_loss_and_grad", "cliff_grid", "COURSE_STYLE", "use_course_style", "new_axes",
    "plot_learning_curves", "plot_grad_norms", "plot_heatmap", "plot_gate_heatmap",
    "plot_success_rates", "TASKS", "Run", "task_data", "make_model", "run_to_threshold",
    "run_seeds", "updates_to_threshold", "hidden_grad_norms", "train_on_stream", "stream_eval",
    "continual_ablation", "CharVocab", "poems_to_text", "split_poems", "unigram_entropy",
    "unigram_cross_entropy", "batchify", "tbptt_chunks", "CharLSTM", "char_lm_train_step",
    "fit_char_lm", "evaluate_char_lm", "temperature_probs", "entropy", "sample", "FIVE_CHAR_LINE",
    "is_five_char_poem", "line_format_rate", "tang_char_data", "load_tang_lstm", "SWEEPS",
    "load_sweep", "select_gru_lstm_rates",
]
