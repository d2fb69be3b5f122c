"""lstm_ref: a small, verified numpy reference for recurrent networks.

The course's answer key, in three layers (``docs/architecture.md``):

* ``lstm_ref.core``: the reference implementation. Teaching cells (``lstm_step_forward``...) are
  written to be read; the layers (``LSTM``, ``GRU``, ``RNN``) compute the same function fast, with
  PyTorch's parameter names and layout. Tests prove both against finite differences and PyTorch.
* ``lstm_ref.training``: heads, losses, optimisers, clipping, the sequence model, the training loop.
* ``lstm_ref.course``: tasks, corpora, dynamics, plots, experiment drivers and notebook checks.

A lower layer never imports a higher one. ``import lstm_ref`` imports neither SymPy nor matplotlib;
``lstm_ref.symbolic`` loads SymPy on first use, the plot helpers load matplotlib when they draw.
"""
from .core.activations import sigmoid, tanh, relu, softmax, log_softmax, dsigmoid, dtanh
from .core.initializers import uniform_init, orthogonal, orthogonal_blocks, set_forget_bias
from .core.cells import (
    rnn_step_forward, rnn_step_backward, lstm_step_forward, lstm_step_backward, gru_step_forward,
    gru_step_backward, mgu_step_forward, mgu_step_backward,
)
from .core.lstm_variants import LSTM_VARIANTS, lstm_variant_step_forward, lstm_variant_step_backward
from .core.registry import Cell, CELLS, unroll_forward, unroll_backward
from .core.layers import RNN, LSTM, GRU, MGU, LAYERS, make_layer
from .core.layout import to_textbook, from_textbook, rnn_to_textbook, rnn_from_textbook, LSTM_GATES
from .core.finite_diff import gradcheck, numerical_gradient, rel_error
from .training.modules import (
    Linear, Embedding, linear_forward, linear_backward, Composite, prefixed,
)
from .training.losses import IGNORE_INDEX, softmax_cross_entropy, mse, accuracy
from .training.optim import SGD, Adagrad, Adam
from .training.clip import grad_norm, clip_grad_norm, clip_grad_value
from .training.models import SequenceModel
from .training.loop import train, CarriedState, progress_enabled
from .training.io import save_params, load_params, copy_params_into
from .course.checks import claim, claims_table, self_check
from .course.tasks import (
    adding_problem, adding_baseline_mse, adding_correct, HOCHREITER_TOLERANCE, temporal_order,
    TEMPORAL_ORDER_SYMBOLS, TEMPORAL_ORDER_CLASSES, copy_memory, copy_memory_baseline,
    future_tagging, continual_stream,
)
from .course.datasets import load_sentiment, load_tang_poems
from .course.dynamics import (
    GAMMA, activation_derivative, recurrent_states, step_jacobians, jacobian_products,
    jacobian_norms, singular_values, spectral_norm, scale_spectral_norm, vanishing_bound,
    cliff_forward, cliff_loss_and_grad, cliff_grid,
)
from .course.plots import (
    COURSE_STYLE, use_course_style, new_axes, plot_learning_curves, plot_grad_norms, plot_heatmap,
    plot_gate_heatmap, plot_success_rates,
)
from .course.experiments import (
    TASKS, Run, RunConfig, task_data, make_model, run_to_threshold, run_seeds, updates_to_threshold,
    hidden_grad_norms,
)
from .course.sweeps import SWEEPS, load_sweep, select_gru_lstm_rates
from .course.ablation import train_on_stream, stream_eval, AblationConfig, continual_ablation
from .course.parallel import (
    causal_self_attention, interleaved_wall_times, load_thread_benchmark, thread_ratios,
)
from .course.charlm import (
    CharVocab, poems_to_text, split_poems, unigram_entropy, unigram_cross_entropy, batchify,
    tbptt_chunks, CharLSTM, char_lm_train_step, fit_char_lm, evaluate_char_lm, temperature_probs,
    entropy, sample, FIVE_CHAR_LINE, is_five_char_poem, line_format_rate, tang_char_data,
    load_tang_lstm,
)
from .course.textclf import (
    NgramFeatures, MajorityClassifier, NaiveBayes, LogisticRegression, wilson_interval, mcnemar_test,
)
from .course.sentiment import (
    SentimentVocab, pad_batch, SentimentRNN, length_buckets, fit_sentiment, sentiment_accuracy,
    sentiment_card, sentiment_baselines, SENTIMENT_ENCODERS,
)
# one load_pretrained for every shipped model: "tang" (chapter 08), "sentiment" (chapter 07)
from .course.tang import (
    load_tang_corpus, tang_corpus_info, TangVocab, encode_poems, poem_batches, ClassSoftmax,
    TangLSTM, poem_nll, tang_train_step,
)
from .course.ngram import (
    UnigramLM, KneserNeyLM,
)
from .course.poetry import (
    load_pretrained, tang_card, FORMS, TEMPLATES, parse_form, generate_poems, generate_poem,
    beam_search_poem, is_valid_poem, poem_verses, novelty, repeat_rate, follows_tones, rhymes,
)

__all__ = [
    "sigmoid", "tanh", "relu", "softmax", "log_softmax", "dsigmoid", "dtanh", "uniform_init",
    "orthogonal", "orthogonal_blocks", "set_forget_bias", "rnn_step_forward", "rnn_step_backward",
    "lstm_step_forward", "lstm_step_backward", "gru_step_forward", "gru_step_backward",
    "mgu_step_forward", "mgu_step_backward", "LSTM_VARIANTS", "lstm_variant_step_forward",
    "lstm_variant_step_backward", "Cell", "CELLS", "unroll_forward", "unroll_backward", "RNN",
    "LSTM", "GRU", "MGU", "LAYERS", "make_layer", "to_textbook", "from_textbook", "rnn_to_textbook",
    "rnn_from_textbook", "LSTM_GATES", "gradcheck", "numerical_gradient", "rel_error", "Linear",
    "Embedding", "linear_forward", "linear_backward", "Composite", "prefixed", "IGNORE_INDEX",
    "softmax_cross_entropy", "mse", "accuracy", "SGD", "Adagrad", "Adam", "grad_norm",
    "clip_grad_norm", "clip_grad_value", "SequenceModel", "train", "CarriedState",
    "progress_enabled", "save_params", "load_params", "copy_params_into", "claim", "claims_table",
    "self_check", "adding_problem", "adding_baseline_mse", "adding_correct", "HOCHREITER_TOLERANCE",
    "temporal_order", "TEMPORAL_ORDER_SYMBOLS", "TEMPORAL_ORDER_CLASSES", "copy_memory",
    "copy_memory_baseline", "future_tagging", "continual_stream", "load_sentiment",
    "load_tang_poems", "GAMMA", "activation_derivative", "recurrent_states", "step_jacobians",
    "jacobian_products", "jacobian_norms", "singular_values", "spectral_norm",
    "scale_spectral_norm", "vanishing_bound", "cliff_forward", "cliff_loss_and_grad", "cliff_grid",
    "COURSE_STYLE", "use_course_style", "new_axes", "plot_learning_curves", "plot_grad_norms",
    "plot_heatmap", "plot_gate_heatmap", "plot_success_rates", "TASKS", "Run", "RunConfig", "task_data",
    "make_model", "run_to_threshold", "run_seeds", "updates_to_threshold", "hidden_grad_norms",
    "SWEEPS", "load_sweep", "select_gru_lstm_rates", "train_on_stream", "stream_eval",
    "AblationConfig", "continual_ablation", "causal_self_attention",
    "interleaved_wall_times", "load_thread_benchmark", "thread_ratios", "CharVocab", "poems_to_text", "split_poems",
    "unigram_entropy", "unigram_cross_entropy", "batchify", "tbptt_chunks", "CharLSTM",
    "char_lm_train_step", "fit_char_lm", "evaluate_char_lm", "temperature_probs", "entropy",
    "sample", "FIVE_CHAR_LINE", "is_five_char_poem", "line_format_rate", "tang_char_data",
    "load_tang_lstm", "NgramFeatures", "MajorityClassifier", "NaiveBayes", "LogisticRegression",
    "wilson_interval", "mcnemar_test", "SentimentVocab", "pad_batch", "SentimentRNN",
    "length_buckets", "fit_sentiment", "sentiment_accuracy", "load_pretrained", "sentiment_card",
    "sentiment_baselines", "SENTIMENT_ENCODERS",
    "load_tang_corpus", "tang_corpus_info", "TangVocab", "encode_poems", "poem_batches",
    "ClassSoftmax", "TangLSTM", "poem_nll", "tang_train_step", "UnigramLM", "KneserNeyLM",
    "tang_card", "FORMS", "TEMPLATES", "parse_form", "generate_poems", "generate_poem",
    "beam_search_poem", "is_valid_poem", "poem_verses", "novelty", "repeat_rate",
    "follows_tones", "rhymes",
]

# Modules reached as attributes (``lr.charlm.TANG_CONFIG``, ``lr.symbolic.sigma``), by their short
# names, loaded on first access so that SymPy stays unimported until a chapter asks for it.
_SUBMODULES = {
    "activations": "lstm_ref.core.activations",
    "initializers": "lstm_ref.core.initializers",
    "cells": "lstm_ref.core.cells",
    "layers": "lstm_ref.core.layers",
    "layout": "lstm_ref.core.layout",
    "registry": "lstm_ref.core.registry",
    "lstm_variants": "lstm_ref.core.lstm_variants",
    "models": "lstm_ref.training.models",
    "loop": "lstm_ref.training.loop",
    "io": "lstm_ref.training.io",
    "checks": "lstm_ref.course.checks",
    "tasks": "lstm_ref.course.tasks",
    "datasets": "lstm_ref.course.datasets",
    "dynamics": "lstm_ref.course.dynamics",
    "plots": "lstm_ref.course.plots",
    "experiments": "lstm_ref.course.experiments",
    "ablation": "lstm_ref.course.ablation",
    "charlm": "lstm_ref.course.charlm",
    "textclf": "lstm_ref.course.textclf",
    "sentiment": "lstm_ref.course.sentiment",
    "tang": "lstm_ref.course.tang",
    "ngram": "lstm_ref.course.ngram",
    "poetry": "lstm_ref.course.poetry",
    "symbolic": "lstm_ref.course.symbolic",
    "sweeps": "lstm_ref.course.sweeps",
    "parallel": "lstm_ref.course.parallel",
}

__version__ = "0.2.0"


def __getattr__(name):
    if name in _SUBMODULES:
        import importlib

        module = importlib.import_module(_SUBMODULES[name])
        globals()[name] = module
        return module
    raise AttributeError(f"module 'lstm_ref' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
