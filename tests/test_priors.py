import keras
import numpy as np
import pytest
from keras import ops

from keras_perceptual import priors

ALL = [
    priors.GaussianPrior(6, stddev=2.0),
    priors.GaussianMixturePrior(8, radius=3.0),
    priors.SwissRollPrior(5),
    priors.CategoricalPrior(7, style_dim=3),
    priors.CategoricalPrior(4),
]


@pytest.mark.parametrize("prior", ALL, ids=lambda p: type(p).__name__)
def test_numpy_and_tensor_paths(prior):
    z = prior.sample(500, seed=0)
    assert z.shape == (500, prior.dim) and z.dtype == np.float32
    np.testing.assert_array_equal(z, prior.sample(500, seed=0))
    assert not np.array_equal(z, prior.sample(500, seed=1))
    gen = keras.random.SeedGenerator(0)
    t = ops.convert_to_numpy(prior.sample_tensor(500, gen))
    t2 = ops.convert_to_numpy(prior.sample_tensor(500, gen))
    assert t.shape == (500, prior.dim)
    assert not np.array_equal(t, t2)  # the generator advances
    # Both paths sample the same distribution (means and variances agree).
    np.testing.assert_allclose(t.mean(0), z.mean(0), atol=0.35 * np.sqrt(prior.total_variance))
    np.testing.assert_allclose(t.var(0).sum(), z.var(0).sum(), rtol=0.25)


@pytest.mark.parametrize("prior", ALL, ids=lambda p: type(p).__name__)
def test_serialization(prior):
    ser = keras.saving.serialize_keras_object(prior)
    again = keras.saving.deserialize_keras_object(ser)
    assert again == prior and again is not prior
    assert priors.get(ser) == prior
    np.testing.assert_array_equal(again.sample(10, seed=3), prior.sample(10, seed=3))


def test_gaussian_statistics():
    z = priors.GaussianPrior(4, stddev=2.0).sample(20000, seed=0)
    np.testing.assert_allclose(z.std(0), 2.0, rtol=0.03)
    np.testing.assert_allclose(z.mean(0), 0.0, atol=0.05)
    assert priors.GaussianPrior(4, stddev=2.0).total_variance == 16.0


def test_mixture_labels_pick_components():
    prior = priors.GaussianMixturePrior(10, radius=4.0)
    labels = np.arange(1000) % 10
    z = prior.sample(1000, seed=0, labels=labels)
    angles = np.mod(np.arctan2(z[:, 1], z[:, 0]), 2 * np.pi)
    nearest = np.round(angles / (2 * np.pi / 10)).astype(int) % 10
    assert (nearest == labels).mean() > 0.85
    np.testing.assert_allclose(np.linalg.norm(z, axis=1).mean(), 4.0, rtol=0.05)
    t = ops.convert_to_numpy(prior.sample_tensor(1000, keras.random.SeedGenerator(1), labels=labels))
    t_angles = np.mod(np.arctan2(t[:, 1], t[:, 0]), 2 * np.pi)
    assert ((np.round(t_angles / (2 * np.pi / 10)).astype(int) % 10) == labels).mean() > 0.85


def test_swiss_roll_labels_are_segments():
    prior = priors.SwissRollPrior(4, noise=0.0)
    r0 = np.linalg.norm(prior.sample(200, seed=0, labels=np.zeros(200, int)), axis=1)
    r3 = np.linalg.norm(prior.sample(200, seed=0, labels=np.full(200, 3)), axis=1)
    assert r0.max() <= prior.scale * np.sqrt(0.25) + 1e-5
    assert r3.min() >= prior.scale * np.sqrt(0.75) - 1e-5


def test_categorical_one_hot_and_labels():
    prior = priors.CategoricalPrior(5, style_dim=2)
    z = prior.sample(300, seed=0)
    y = z[:, :5]
    assert set(np.unique(y)) == {0.0, 1.0} and np.all(y.sum(1) == 1)
    assert len(np.unique(y.argmax(1))) == 5
    z = prior.sample(4, seed=0, labels=[4, 0, 1, 1])
    np.testing.assert_array_equal(z[:, :5].argmax(1), [4, 0, 1, 1])
    t = ops.convert_to_numpy(prior.sample_tensor(4, keras.random.SeedGenerator(0), labels=np.array([2, 2, 0, 1])))
    np.testing.assert_array_equal(t[:, :5].argmax(1), [2, 2, 0, 1])
    np.testing.assert_array_equal(t[:, :5].sum(1), 1.0)


def test_bad_input():
    with pytest.raises(ValueError, match="num_classes"):
        priors.CategoricalPrior(1)
    with pytest.raises(ValueError, match="num_components"):
        priors.GaussianMixturePrior(1)
    with pytest.raises(ValueError, match="dim"):
        priors.GaussianPrior(0)
    with pytest.raises(ValueError, match="stddev"):
        priors.GaussianPrior(2, stddev=-1.0)
    with pytest.raises(ValueError, match=r"in \[0, 10\)"):
        priors.GaussianMixturePrior(10).sample(2, labels=[3, 10])
    with pytest.raises(ValueError, match=r"in \[0, 3\)"):
        priors.CategoricalPrior(3).sample(2, labels=[-1, 0])
    with pytest.raises(ValueError, match="no classes"):
        priors.GaussianPrior(2).sample(2, labels=[0, 1])
    with pytest.raises(ValueError, match=r"shape \(n, 4\)"):
        priors.GaussianPrior(4).check_code(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="prior"):
        priors.get("gaussian")


def test_categorical_training_code():
    prior = priors.CategoricalPrior(4, style_dim=2)
    outputs = np.array([[2.0, 0.0, -1.0, 0.5, 0.3, -0.7], [0.0, 0.1, 3.0, 0.0, 1.0, 2.0]], "float32")
    soft = ops.convert_to_numpy(prior.training_code(outputs))
    np.testing.assert_allclose(soft, ops.convert_to_numpy(prior.activate(outputs)), atol=1e-6)
    hard = ops.convert_to_numpy(prior.training_code(outputs, straight_through=True))
    np.testing.assert_allclose(hard[:, :4], np.eye(4)[[0, 2]], atol=1e-6)  # one-hot of the argmax
    np.testing.assert_allclose(hard[:, 4:], outputs[:, 4:])  # the style passes through
    gen = keras.random.SeedGenerator(0)
    g1 = ops.convert_to_numpy(prior.training_code(np.tile(outputs, (200, 1)), gen, gumbel_temperature=0.5))
    g2 = ops.convert_to_numpy(prior.training_code(np.tile(outputs, (200, 1)), gen, gumbel_temperature=0.5))
    np.testing.assert_allclose(g1[:, :4].sum(1), 1.0, rtol=1e-5)
    assert not np.allclose(g1, g2)  # a fresh Gumbel draw each call
    # Gumbel-max: the argmax of the sample follows softmax(logits).
    freq = np.bincount(g1[0::2, :4].argmax(1), minlength=4) / 200
    np.testing.assert_allclose(freq, ops.convert_to_numpy(ops.softmax(outputs[0, :4])), atol=0.12)


def test_marginal_entropy_gap():
    k = 5
    uniform = np.eye(k, dtype="float32")
    single = np.tile(np.eye(k, dtype="float32")[:1], (k, 1))
    np.testing.assert_allclose(ops.convert_to_numpy(priors.marginal_entropy_gap(uniform)), 0.0, atol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(priors.marginal_entropy_gap(single)), np.log(k), atol=1e-5)
