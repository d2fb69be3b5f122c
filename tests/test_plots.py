"""Smoke tests of lstm_ref.course.plots: every helper draws what it is given, with a title, axis labels and a legend."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lstm_ref as lr  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _labelled(ax):
    return bool(ax.get_title()) and bool(ax.get_xlabel()) and bool(ax.get_ylabel())


def test_learning_curves_smooth_and_label():
    hist = {"step": np.arange(1, 11), "loss": np.arange(10.0, 0.0, -1.0),
            "eval_step": np.array([5, 10]), "eval": np.array([0.5, 0.25])}
    ax = lr.plot_learning_curves([hist, hist], labels=["a", "b"], smooth=3)
    assert _labelled(ax) and len(ax.lines) == 2
    x, y = ax.lines[0].get_data()
    np.testing.assert_allclose(y, np.convolve(hist["loss"], np.ones(3) / 3, mode="valid"))
    np.testing.assert_array_equal(x, hist["step"][2:])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    ax = lr.plot_learning_curves([hist], key="eval")
    np.testing.assert_array_equal(ax.lines[0].get_data()[0], hist["eval_step"])
    assert ax.get_legend() is None


def test_grad_norms_log_scale_and_single_line():
    gaps = np.arange(5)
    ax = lr.plot_grad_norms(gaps, [0.5 ** gaps, 2.0 ** gaps], labels=["shrink", "grow"])
    assert ax.get_yscale() == "log" and _labelled(ax) and len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[1].get_data()[1], 2.0 ** gaps)
    ax = lr.plot_grad_norms(gaps, 0.5 ** gaps, logy=False)
    assert len(ax.lines) == 1 and ax.get_yscale() == "linear"


def test_heatmap_and_gate_heatmap():
    Z = np.arange(12.0).reshape(3, 4) + 1
    ax = lr.plot_heatmap(Z, np.arange(4), np.arange(3), title="t", xlabel="x", ylabel="y", cbar_label="z", log=True)
    assert _labelled(ax)
    mesh = ax.collections[0]
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(3, 4), Z)
    assert isinstance(mesh.norm, matplotlib.colors.LogNorm)
    gates = np.linspace(0, 1, 10).reshape(5, 2)            # (T, H)
    ax = lr.plot_gate_heatmap(gates, tokens=list("abcde"))
    np.testing.assert_allclose(np.asarray(ax.collections[0].get_array()).reshape(2, 5), gates.T)
    assert [t.get_text() for t in ax.get_xticklabels()] == list("abcde")


def test_success_rates_shared_and_separate_x():
    ax = lr.plot_success_rates([10, 20, 30], [np.array([1.0, 0.5, 0.0])], labels=["rnn"])
    assert _labelled(ax) and ax.get_ylim() == (-0.05, 1.05)
    np.testing.assert_array_equal(ax.lines[0].get_data()[0], [10, 20, 30])
    ax = lr.plot_success_rates([[10, 20], [50]], [np.array([1.0, 0.5]), np.array([1.0])], labels=["rnn", "lstm"])
    np.testing.assert_array_equal(ax.lines[1].get_data()[0], [50])


def test_use_course_style_and_existing_axes():
    before = matplotlib.rcParams["font.size"]
    with matplotlib.rc_context():                          # leave the global style as other tests expect it
        lr.use_course_style()
        assert matplotlib.rcParams["font.size"] == lr.COURSE_STYLE["font.size"]
    assert matplotlib.rcParams["font.size"] == before
    fig, ax = plt.subplots()
    assert lr.new_axes(ax) is ax
    assert lr.plot_grad_norms(np.arange(3), np.ones(3), ax=ax) is ax
