"""Backpropagation checked against central differences, layer by layer and end to end."""
import numpy as np
import pytest

from mnist_mlp import MLP
from mnist_mlp.gradcheck import numerical_gradient, relative_error
from mnist_mlp.layers import Dense, Dropout, ReLU, init_weights
from mnist_mlp.losses import cross_entropy, log_softmax, softmax

rng = np.random.default_rng(0)


def test_dense_gradients():
    x = rng.standard_normal((5, 4))
    layer = Dense(rng.standard_normal((4, 3)), rng.standard_normal(3))
    upstream = rng.standard_normal((5, 3))

    def f():
        return float((layer.forward(x) * upstream).sum())

    layer.forward(x)
    dx = layer.backward(upstream.copy())
    assert relative_error(dx, numerical_gradient(f, x)) < 1e-7
    assert relative_error(layer.W.grad, numerical_gradient(f, layer.W.value)) < 1e-7
    assert relative_error(layer.b.grad, numerical_gradient(f, layer.b.value)) < 1e-7


def test_relu_gradient():
    x = rng.standard_normal((6, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kink, where the derivative is undefined
    upstream = rng.standard_normal((6, 5))
    relu = ReLU()

    def f():
        return float((relu.forward(x.copy()) * upstream).sum())

    relu.forward(x.copy())
    dx = relu.backward(upstream.copy())
    assert relative_error(dx, numerical_gradient(f, x)) < 1e-7


def test_dropout_gradient_with_a_fixed_mask():
    x = rng.standard_normal((6, 50))
    upstream = rng.standard_normal((6, 50))
    dropout = Dropout(0.3)

    def f():  # the same seed each call: the same mask, so the function is smooth in x
        return float((dropout.forward(x.copy(), np.random.default_rng(7)) * upstream).sum())

    f()
    dx = dropout.backward(upstream.copy())
    assert relative_error(dx, numerical_gradient(f, x)) < 1e-7


def test_dropout_drops_p_and_keeps_the_mean():
    x = np.ones((200, 1000), np.float32)
    y = Dropout(0.25).forward(x.copy(), np.random.default_rng(0))
    assert abs((y == 0).mean() - 0.25) < 0.01
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs(y.mean() - 1.0) < 0.01
    assert np.array_equal(Dropout(0.25).forward(x.copy()), x)  # no generator: evaluation, identity
    with pytest.raises(ValueError, match="dropout"):
        Dropout(1.0)


def test_network_dropout_acts_only_while_training():
    model = MLP([6, 40, 30, 3], seed=1, dropout=0.5)
    x = rng.standard_normal((4, 6)).astype(np.float32)
    assert np.allclose(model.forward(x.copy()), model.logits(x.copy()), atol=1e-6)
    trained = model.forward(x.copy(), np.random.default_rng(0))
    assert not np.allclose(trained, model.logits(x.copy()), atol=1e-3)
    assert sum(isinstance(layer, Dropout) for layer in model.layers) == 2  # after each hidden layer
    assert set(model.arrays()) == {"W1", "b1", "W2", "b2", "W3", "b3"}  # nothing of dropout is saved


def test_network_gradients_with_dropout():
    model = MLP([6, 8, 5, 3], seed=2, dtype=np.float64, dropout=0.4)
    x = rng.standard_normal((4, 6))
    y = rng.integers(0, 3, 4)

    def loss():
        return cross_entropy(model.forward(x, np.random.default_rng(3)), y)[0]

    model.backward(cross_entropy(model.forward(x, np.random.default_rng(3)), y)[1])
    for p in model.parameters():
        assert relative_error(p.grad.copy(), numerical_gradient(loss, p.value)) < 1e-6


def test_cross_entropy_gradient():
    logits = rng.standard_normal((7, 10))
    labels = rng.integers(0, 10, 7)
    _, grad = cross_entropy(logits, labels)
    numeric = numerical_gradient(lambda: cross_entropy(logits, labels)[0], logits)
    assert relative_error(grad, numeric) < 1e-7


@pytest.mark.parametrize("sizes", [[6, 3], [6, 5, 3], [6, 5, 4, 4, 3]])
def test_whole_network_gradients_any_depth(sizes):
    model = MLP(sizes, seed=1, dtype=np.float64)
    x = rng.standard_normal((4, sizes[0]))
    y = rng.integers(0, sizes[-1], 4)

    def loss():
        return cross_entropy(model.forward(x), y)[0]

    model.backward(cross_entropy(model.forward(x), y)[1])
    analytic = [p.grad.copy() for p in model.parameters()]
    for p, a in zip(model.parameters(), analytic):
        assert relative_error(a, numerical_gradient(loss, p.value)) < 1e-6


def test_loss_is_finite_for_huge_logits():
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], np.float32)
    loss, grad = cross_entropy(logits, np.array([1, 2]))
    assert np.isfinite(loss) and np.isfinite(grad).all()
    assert np.isfinite(log_softmax(logits)).all()
    np.testing.assert_allclose(softmax(logits).sum(axis=1), 1, rtol=1e-6)


def test_init_schemes_scale():
    he = init_weights(1000, 500, "he", np.random.default_rng(0), np.float32)
    xavier = init_weights(1000, 500, "xavier", np.random.default_rng(0), np.float32)
    assert he.dtype == np.float32
    assert abs(he.std() - np.sqrt(2 / 1000)) < 0.002
    assert abs(xavier.std() - np.sqrt(2 / 1500)) < 0.002
    with pytest.raises(ValueError, match="unknown initialisation"):
        init_weights(3, 3, "zeros", np.random.default_rng(0), np.float32)


def test_gradcheck_refuses_float32():
    with pytest.raises(ValueError, match="float64"):
        numerical_gradient(lambda: 0.0, np.zeros(3, np.float32))


def test_not_a_digit_label_has_the_uniform_target():
    """Label -1: the loss is -mean log p and its gradient (p - 1/k) / N, checked numerically."""
    logits = rng.standard_normal((6, 10))
    labels = np.array([3, -1, 0, -1, 9, -1])
    loss, grad = cross_entropy(logits, labels)
    numeric = numerical_gradient(lambda: cross_entropy(logits, labels)[0], logits)
    assert relative_error(grad, numeric) < 1e-7
    uniform = np.zeros((1, 10))
    assert cross_entropy(uniform, np.array([-1]))[0] == pytest.approx(np.log(10))  # the least it can be
    assert np.allclose(cross_entropy(uniform, np.array([-1]))[1], 0)
