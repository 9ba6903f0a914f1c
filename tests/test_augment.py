"""Training-time distortions keep labels' meaning, shape and range."""
import numpy as np

from digitpad.preprocessing.augment import Augmentation, augment


def test_shape_dtype_range(mnist):
    x = mnist["x_train"][:64].reshape(64, -1).astype(np.float32) / 255
    out = augment(x, np.random.default_rng(0))
    assert out.shape == x.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    assert not np.array_equal(out, x)
    square = augment(x.reshape(-1, 28, 28), np.random.default_rng(0))
    assert square.shape == (64, 28, 28) and np.array_equal(square.reshape(64, -1), out)


def test_no_distortion_is_the_identity(mnist):
    x = mnist["x_train"][:32].reshape(32, -1).astype(np.float32) / 255
    none = Augmentation(rotation=0, scale=(1, 1), shear=0, translate=0, elastic_alpha=0, thickness=0)
    np.testing.assert_allclose(none(x, np.random.default_rng(0)), x, atol=1e-6)


def test_images_do_not_bleed_into_each_other():
    """The batch is warped as one tall image: a blank image must stay blank beside inked ones."""
    x = np.zeros((9, 784), np.float32)
    x[::2] = 1.0
    out = augment(x, np.random.default_rng(1), Augmentation(translate=3, rotation=30))
    assert not out[1::2].any()


def test_labels_survive(mnist):
    """A model trained on clean digits still reads most distorted ones: the distortions keep the digit."""
    from mnist_mlp import load_model
    from conftest import ROOT

    model = load_model(ROOT / "weights")
    x = mnist["x_test"][:500].reshape(500, -1).astype(np.float32) / 255
    y = mnist["y_test"][:500]
    distorted = augment(x, np.random.default_rng(0))
    assert (model.predict(distorted) == y).mean() > 0.85
