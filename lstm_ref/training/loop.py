"""The training loop of the course: every model, task and chapter trains through ``train``.

``train(model, batch_fn, steps, optimizer, ...)`` runs optimiser updates on batches from a
function, with optional global-norm clipping, periodic evaluation, early stopping and a progress
bar, and returns one history format (below). Truncated backpropagation through time over a long
stream is the same loop with the model wrapped in :class:`CarriedState`, which hands each
chunk's final state to the next chunk (gradients stop at the chunk boundary, the state does not).

Progress bars: a loop that runs longer than ``PROGRESS_DELAY`` seconds (3) shows a tqdm bar
(a widget in JupyterLab). ``LSTM_REF_PROGRESS=0`` in the environment turns every bar off; the
notebook execution and test runs set it, so that committed outputs stay deterministic.
"""
import os

import numpy as np

from .clip import clip_grad_norm, grad_norm

__all__ = ["train", "CarriedState", "progress_enabled"]

#: Seconds a loop runs before its progress bar appears (shorter loops never show one).
PROGRESS_DELAY = 3.0


def progress_enabled(progress=None):
    """Whether a loop shows a progress bar: ``progress`` if it is a bool, else the environment
    (on unless ``LSTM_REF_PROGRESS`` is "0", "false", "no" or "off")."""
    if progress is not None:
        return bool(progress)
    return os.environ.get("LSTM_REF_PROGRESS", "1").strip().lower() not in ("0", "false", "no", "off")


def _progress_bar(total, progress):
    if not progress_enabled(progress):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, leave=False, delay=PROGRESS_DELAY, desc="training", unit="update")


class CarriedState:
    """A model whose ``loss_and_grads(x, y, state) -> (loss, grads, state)`` carries its state from
    one chunk to the next, seen by :func:`train` as a model with ``loss_and_grads(x, y)``.

    ``reset()`` starts the next chunk from the zero state (e.g. at the start of an epoch).
    ``state`` is the final state of the last chunk.
    """

    def __init__(self, model):
        self.model = model
        self.state = None

    @property
    def params(self):
        return self.model.params

    def reset(self):
        self.state = None

    def loss_and_grads(self, x, y):
        loss, grads, self.state = self.model.loss_and_grads(x, y, self.state)
        return loss, grads


def train(model, batch_fn, steps, optimizer, clip=None, eval_fn=None, eval_every=50, target=None,
          progress=None, on_eval=None):
    """Train ``model`` for up to ``steps`` optimiser updates.

    Parameters
    ----------
    model : SequenceModel, CarriedState(...) or anything with ``loss_and_grads(x, y[, mask])``
        -> (loss, grads) and ``params``
    batch_fn : callable step -> (x, y) or (x, y, mask), for step = 0, 1, ..., steps - 1
    steps : int, the maximum number of updates
    optimizer : SGD | Adagrad | Adam (``step(params, grads)``)
    clip : None or float: clip the gradients to this global norm before each update
    eval_fn : None or callable model -> float, run after every ``eval_every`` updates and after
        the last one
    target : None or float: stop as soon as an evaluation gives a value <= target (so pass an
        error, e.g. ``1 - accuracy`` or a loss)
    progress : None (the environment decides, see the module docstring), True or False: a tqdm
        progress bar for runs longer than ``PROGRESS_DELAY`` seconds
    on_eval : None or callable (update, batch loss, eval value) -> bool, called after each
        evaluation; True stops training there (early stopping by any rule)

    Returns
    -------
    dict with numpy arrays
        "step" (int, 1..n: the number of updates done), "loss" (the batch loss before each update),
        "grad_norm" (global gradient norm before clipping), "eval_step" (updates done at each
        evaluation), "eval" (the values), and
        "reached": the number of updates after which eval <= target first held, else None;
        "diverged": the update whose loss or gradient norm was NaN or inf (training stops there,
        without applying it), else None.
    """
    steps = int(steps)
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    if eval_every < 1:
        raise ValueError(f"eval_every must be >= 1, got {eval_every}")
    if clip is not None and not clip > 0:
        raise ValueError(f"clip must be None or a positive max norm, got {clip}")
    if target is not None and eval_fn is None:
        raise ValueError("target needs an eval_fn to compare with")
    hist_step, hist_loss, hist_norm, eval_step, eval_val = [], [], [], [], []
    reached = diverged = None
    bar = _progress_bar(steps, progress)
    try:
        for s in range(steps):
            loss, grads = model.loss_and_grads(*batch_fn(s))
            norm = grad_norm(grads)
            hist_step.append(s + 1)
            hist_loss.append(loss)
            hist_norm.append(norm)
            if not (np.isfinite(loss) and np.isfinite(norm)):
                diverged = s + 1
                break
            if clip is not None and norm > clip:
                grads, _ = clip_grad_norm(grads, clip, norm=norm)
            optimizer.step(model.params, grads)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
            if eval_fn is not None and ((s + 1) % eval_every == 0 or s + 1 == steps):
                value = float(eval_fn(model))
                eval_step.append(s + 1)
                eval_val.append(value)
                if target is not None and value <= target:
                    reached = s + 1
                    break
                if on_eval is not None and on_eval(s + 1, loss, value):
                    break
    finally:
        if bar is not None:
            bar.close()
    return {
        "step": np.array(hist_step, dtype=np.int64),
        "loss": np.array(hist_loss, dtype=np.float64),
        "grad_norm": np.array(hist_norm, dtype=np.float64),
        "eval_step": np.array(eval_step, dtype=np.int64),
        "eval": np.array(eval_val, dtype=np.float64),
        "reached": reached,
        "diverged": diverged,
    }
