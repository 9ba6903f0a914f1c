import numpy as np
import pytest
from scipy import ndimage

from mnist_mlp import MLP
from mnist_mlp.views import TurnedViews, rotation


def test_rotation_turns_as_scipy_does():
    rng = np.random.default_rng(0)
    image = np.zeros((28, 28), np.float32)
    image[4:24, 9:19] = rng.random((20, 10))  # ink inside the frame, as prepare leaves it
    assert np.array_equal(rotation(0), np.eye(784, dtype=np.float32))
    for angle in (-10, 10, 33, 90):
        turned = (image.reshape(1, -1) @ rotation(angle)).reshape(28, 28)
        expected = ndimage.rotate(image, angle, reshape=False, order=1)
        assert np.abs(turned - expected).max() < 1e-5, angle
    bar = np.zeros((28, 28), np.float32)
    bar[13:15, 4:24] = 1  # a level bar turned a quarter stands upright
    upright = (bar.reshape(1, -1) @ rotation(90)).reshape(28, 28)
    assert upright[4:24, 13:15].mean() > 0.9 and upright[13:15, :4].sum() == 0


def test_turned_views_average_the_models_probabilities():
    model = MLP([784, 16, 10], seed=0)
    x = np.random.default_rng(1).random((5, 784)).astype(np.float32)
    assert np.allclose(TurnedViews(model, (0,)).predict_proba(x), model.predict_proba(x))
    views = TurnedViews(model, (-10, 0, 10))
    p = views.predict_proba(x)
    expected = np.mean([model.predict_proba(np.clip(x @ rotation(a), 0, 1)) for a in (-10, 0, 10)], axis=0)
    assert p.shape == (5, 10) and np.allclose(p, expected) and np.allclose(p.sum(axis=1), 1, atol=1e-5)
    assert np.array_equal(views.predict(x), p.argmax(axis=1))
    assert views.predict_proba(x[0].reshape(28, 28)).shape == (1, 10)
    with pytest.raises(ValueError, match="uint8"):
        views.predict_proba(np.zeros((28, 28), np.uint8))
    with pytest.raises(ValueError, match="one view"):
        TurnedViews(model, ())
