"""save_params / load_params: keys, shapes, dtypes and values survive a round trip; no pickle."""
import numpy as np
import pytest

from lstm_ref.training.io import load_params, save_params


def test_round_trip_preserves_keys_order_dtypes_and_values(tmp_path):
    rng = np.random.default_rng(0)
    params = {
        "rnn.weight_ih_l0": rng.normal(size=(8, 3)),
        "rnn.bias_hh_l0_reverse": rng.normal(size=(8,)).astype(np.float32),
        "head.weight": np.asfortranarray(rng.normal(size=(2, 4))),
        "step": np.int64(7),
        "file": np.array([True, False]),
        "embed/weight": rng.normal(size=(5, 2))[:, ::-1],  # non-contiguous view, name with a slash
    }
    path = save_params(tmp_path / "model.npz", params)
    loaded = load_params(path)
    assert list(loaded) == list(params)
    for k, v in params.items():
        v = np.asarray(v)
        assert loaded[k].dtype == v.dtype, k
        assert loaded[k].shape == v.shape, k
        assert np.array_equal(loaded[k], v), k


def test_suffix_is_added_and_returned(tmp_path):
    path = save_params(tmp_path / "weights", {"w": np.ones(2)})
    assert path.endswith("weights.npz")
    assert np.array_equal(load_params(path)["w"], np.ones(2))


def test_save_does_not_mutate_and_load_returns_independent_arrays(tmp_path):
    w = np.arange(6.0).reshape(2, 3)
    path = save_params(tmp_path / "a.npz", {"w": w})
    a = load_params(path)
    a["w"][0, 0] = 99.0
    assert w[0, 0] == 0.0
    assert load_params(path)["w"][0, 0] == 0.0


def test_rejects_object_arrays_and_bad_keys(tmp_path):
    with pytest.raises(TypeError, match="numeric"):
        save_params(tmp_path / "x.npz", {"w": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(TypeError, match="keys"):
        save_params(tmp_path / "x.npz", {3: np.ones(2)})
    with pytest.raises(TypeError, match="dict"):
        save_params(tmp_path / "x.npz", [np.ones(2)])


def test_load_refuses_pickled_content(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, w=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        load_params(path)


def test_copy_params_into_checks_everything_before_copying():
    from lstm_ref import copy_params_into

    params = {"a": np.zeros(3), "b": np.zeros((2, 2), dtype=np.float32)}
    copy_params_into(params, {"a": np.arange(3.0), "b": np.ones((2, 2))})
    np.testing.assert_array_equal(params["a"], [0.0, 1.0, 2.0])
    assert params["b"].dtype == np.float32 and np.all(params["b"] == 1)
    before = {k: v.copy() for k, v in params.items()}
    with pytest.raises(ValueError, match=r"state_dict\['b'\] must have shape \(2, 2\), got \(3,\)"):
        copy_params_into(params, {"a": np.full(3, 7.0), "b": np.zeros(3)})
    with pytest.raises(TypeError, match="float"):
        copy_params_into(params, {"a": np.full(3, 7.0), "b": np.ones((2, 2), dtype=np.int64)})
    with pytest.raises(ValueError, match=r"unknown keys \['c'\], missing keys \['b'\]"):
        copy_params_into(params, {"a": np.full(3, 7.0), "c": np.zeros((2, 2))})
    for k in params:                                   # nothing was copied by the failed calls
        np.testing.assert_array_equal(params[k], before[k])
