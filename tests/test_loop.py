"""The one training loop: carried state for truncated BPTT, one history format, the progress bar and its off-switch."""
import numpy as np
import pytest

import lstm_ref as lr
from lstm_ref.training import loop

KEYS = {"step", "loss", "grad_norm", "eval_step", "eval", "reached", "diverged"}


def test_carried_state_equals_one_pass_over_the_stream():
    """Chunks with the state carried and a frozen optimiser give the final state of one long pass."""
    class Frozen:
        def step(self, params, grads):
            pass

    model = lr.CharLSTM(7, 4, 5, seed=0)
    ids = np.random.default_rng(0).integers(0, 7, size=(31, 2))
    carried = lr.CarriedState(model)
    chunks = list(lr.tbptt_chunks(ids, 10))
    hist = lr.train(carried, lambda s: chunks[s], len(chunks), Frozen(), progress=False)
    _, (h, c) = model.forward(ids[:-1])
    np.testing.assert_allclose(carried.state[0], h, atol=1e-12, rtol=0)
    np.testing.assert_allclose(carried.state[1], c, atol=1e-12, rtol=0)
    assert set(hist) == KEYS and hist["step"].tolist() == [1, 2, 3]
    carried.reset()
    assert carried.state is None


def test_fit_char_lm_and_train_on_stream_return_the_history_of_train():
    vocab = lr.CharVocab("abcdefg\n")
    ids = vocab.encode("abcdefg\n" * 20)
    model = lr.CharLSTM(len(vocab), 4, 6, seed=1)
    hist = lr.fit_char_lm(model, ids, lr.Adam(lr=1e-2), batch_size=2, bptt=8, steps=12, clip=1.0,
                          val_ids=ids[:40], eval_every=5)
    assert KEYS <= set(hist) and hist["eval_step"].tolist() == [5, 10, 12]
    assert hist["val_loss"] is hist["eval"] and hist["eval"][-1] < hist["eval"][0]
    layer, head = lr.LSTM(3, 4, seed=0), lr.Linear(4, 2, seed=1)
    x = np.random.default_rng(1).standard_normal((40, 2, 3))
    fit = lr.train_on_stream(layer, head, x, (x[..., 0] > 0).astype(np.int64), 10, lr.Adam(lr=1e-2), clip=1.0)
    assert KEYS <= set(fit) and fit["loss"].shape == fit["max_abs_c"].shape == (4,)


def test_early_stopping_by_on_eval():
    model = lr.SequenceModel("gru", 2, 4, 1, seed=0)
    seen = []
    hist = lr.train(model, lambda s: lr.adding_problem(8, 5, seed=s), 100, lr.Adam(lr=1e-2),
                    eval_fn=lambda m: 1.0, eval_every=10, on_eval=lambda *a: seen.append(a) or len(seen) == 2)
    assert hist["eval_step"].tolist() == [10, 20] and len(hist["step"]) == 20 and seen[1][0] == 20


@pytest.mark.parametrize("env,shown", [(None, True), ("1", True), ("0", False), ("off", False)])
def test_progress_bar_and_its_off_switch(env, shown, monkeypatch, capsys):
    monkeypatch.setattr(loop, "PROGRESS_DELAY", 0.0)
    if env is None:
        monkeypatch.delenv("LSTM_REF_PROGRESS", raising=False)
    else:
        monkeypatch.setenv("LSTM_REF_PROGRESS", env)
    assert lr.progress_enabled() is shown
    model = lr.SequenceModel("rnn", 2, 3, 1, seed=0)
    lr.train(model, lambda s: lr.adding_problem(4, 5, seed=s), 5, lr.SGD(lr=0.01))
    err = capsys.readouterr().err
    assert ("training:" in err and "/5 [" in err) == shown, err
    assert lr.progress_enabled(True) and not lr.progress_enabled(False)


def test_progress_bar_waits_for_long_runs(monkeypatch, capsys):
    monkeypatch.delenv("LSTM_REF_PROGRESS", raising=False)
    model = lr.SequenceModel("rnn", 2, 3, 1, seed=0)
    lr.train(model, lambda s: lr.adding_problem(4, 5, seed=s), 5, lr.SGD(lr=0.01))
    assert loop.PROGRESS_DELAY == 3.0 and capsys.readouterr().err == ""
