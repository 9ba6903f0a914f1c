"""The MLP's public API and training behaviour."""
import numpy as np
import pytest

from mnist_mlp import MLP, SURE, is_sure
from mnist_mlp.losses import cross_entropy
from mnist_mlp.optim import SGD, Adam, cosine_lr, step_lr
from mnist_mlp.training import accuracy, train_epoch


@pytest.mark.parametrize("shape", [(5, 784), (5, 28, 28), (28, 28), (784,)])
def test_predict_proba_shapes(shape):
    model = MLP([784, 16, 10])
    x = np.random.default_rng(0).random(shape)
    p = model.predict_proba(x)
    n = shape[0] if len(shape) > 1 and shape != (28, 28) else 1
    assert p.shape == (n, 10) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-5)
    assert model.predict(x).shape == (n,)


@pytest.mark.parametrize("bad, message", [
    (np.zeros((3, 100)), "expected images shaped"),
    (np.zeros((2, 2, 28, 28)), "expected images shaped"),
    (np.zeros((28, 28), np.uint8), "divide uint8 images by 255"),
    (np.full((28, 28), np.nan), "finite"),
    (np.full((28, 28), 2.0), r"in \[0, 1\]"),
])
def test_predict_proba_rejects_bad_input(bad, message):
    with pytest.raises(ValueError, match=message):
        MLP([784, 8, 10]).predict_proba(bad)


def test_sizes_and_depth():
    for sizes in ([784, 10], [784, 32, 10], [784, 64, 32, 16, 10]):
        model = MLP(sizes)
        assert model.sizes == sizes
        assert len(model.dense_layers()) == len(sizes) - 1
        assert list(model.arrays()) == [f"{k}{i}" for i in range(1, len(sizes)) for k in "Wb"]
    with pytest.raises(ValueError, match="at least two"):
        MLP([784])


def test_everything_stays_float32():
    model = MLP([784, 32, 10])
    opt = Adam(model.parameters(), weight_decay=1e-2)
    x = np.random.default_rng(0).random((8, 784), dtype=np.float32)
    loss, grad = cross_entropy(model.forward(x), np.arange(8))
    assert grad.dtype == np.float32
    model.backward(grad)
    opt.lr = cosine_lr(1e-3, 5, 100)
    opt.step()
    assert all(p.value.dtype == np.float32 and p.grad.dtype == np.float32 for p in model.parameters())


@pytest.mark.parametrize("make_optimizer", [
    lambda p: Adam(p, lr=1e-2), lambda p: SGD(p, lr=0.03, momentum=0.9),
])
def test_small_network_overfits_a_tiny_batch(make_optimizer):
    rng = np.random.default_rng(0)
    x = rng.random((32, 784), dtype=np.float32)
    y = np.arange(32) % 10
    model = MLP([784, 64, 32, 10], seed=0)
    opt = make_optimizer(model.parameters())
    for _ in range(100):
        train_epoch(model, opt, x, y, batch_size=32, rng=rng)
    assert accuracy(model, x, y) == 1.0


def test_adam_matches_the_textbook_formula():
    """The packed, pass-saving update equals Adam as Kingma & Ba write it."""
    rng = np.random.default_rng(0)
    model = MLP([5, 4, 3], dtype=np.float64)
    opt = Adam(model.parameters(), lr=0.01, weight_decay=0.1)
    w = [p.value.copy() for p in model.parameters()]
    decay = [p.decay for p in model.parameters()]
    m = [np.zeros_like(a) for a in w]
    v = [np.zeros_like(a) for a in w]
    for t in range(1, 6):
        grads = [rng.standard_normal(a.shape) for a in w]
        for p, g in zip(model.parameters(), grads):
            p.grad[...] = g
        opt.step()
        for i, g in enumerate(grads):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            m_hat, v_hat = m[i] / (1 - 0.9**t), v[i] / (1 - 0.999**t)
            w[i] -= 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
            if decay[i]:
                w[i] *= 1 - 0.01 * 0.1
    for p, expected in zip(model.parameters(), w):
        np.testing.assert_allclose(p.value, expected, rtol=1e-10)


def test_l2_and_decoupled_decay_touch_only_weights():
    model = MLP([3, 2], dtype=np.float64)
    dense = model.dense_layers()[0]
    dense.b.value[...] = 1.0
    w0 = dense.W.value.copy()
    opt = SGD(model.parameters(), lr=0.1, momentum=0.0, weight_decay=0.5)
    opt.step()  # zero gradients: only decay acts
    np.testing.assert_allclose(dense.W.value, w0 * (1 - 0.05))
    np.testing.assert_allclose(dense.b.value, 1.0)
    opt = SGD(model.parameters(), lr=0.1, momentum=0.0, l2=0.5)
    w1 = dense.W.value.copy()
    opt.step()
    np.testing.assert_allclose(dense.W.value, w1 - 0.1 * 0.5 * w1)
    np.testing.assert_allclose(dense.b.value, 1.0)


def test_schedules():
    assert cosine_lr(1.0, 0, 100) == pytest.approx(1.0)
    assert cosine_lr(1.0, 50, 100) == pytest.approx(0.5)
    assert cosine_lr(1.0, 100, 100) == pytest.approx(0.0)
    assert cosine_lr(1.0, 0, 100, warmup_steps=10) == pytest.approx(0.1)
    assert step_lr(1.0, 4, every=5) == 1.0 and step_lr(1.0, 5, every=5) == pytest.approx(0.1)


def test_split_held_out_keeps_each_label_and_lone_samples():
    from mnist_mlp.training import split_held_out

    labels = np.array([1] * 8 + [2] * 4 + [3])
    train, held = split_held_out(labels, 0.25, np.random.default_rng(0))
    assert sorted(np.concatenate([train, held]).tolist()) == list(range(13))
    assert sorted(labels[held].tolist()) == [1, 1, 2]  # a quarter of each label; the lone 3 is trained on


def test_a_tie_at_the_top_is_never_sure():
    """No digit likelier than another (digitpad.reading.NO_DIGIT, a line of dots) is no answer, whatever
    the threshold (the attacking helper: at 0.1 it was a sure 0 in JSON and a sure 9 in text)."""
    tie = np.full(10, 0.1, np.float32)
    assert not is_sure(tie, 0.1) and not is_sure(tie, 0.0) and not is_sure(np.array([0.5, 0.5] + [0] * 8), 0.5)
    assert is_sure(np.array([0.11] + [0.89 / 9] * 9), 0.1)


def test_a_digit_is_sure_from_the_threshold_and_a_1_from_half_of_it():
    def top(digit, p, runner_up=None):
        v = np.full(10, (1 - p) / 9)
        v[digit] = p
        if runner_up is not None:  # the rest of the probability on one other digit
            v[:] = 0
            v[digit], v[7 if digit != 7 else 3] = p, runner_up
        return v
    assert is_sure(top(7, SURE)) and not is_sure(top(7, SURE - 0.01))
    assert is_sure(top(1, SURE / 2)) and not is_sure(top(1, SURE / 2 - 0.01))
    batch = np.array([top(1, 0.3), top(7, 0.3), top(0, 0.9), top(1, 0.1)])
    assert is_sure(batch).tolist() == [True, False, True, False]
    assert is_sure(batch, threshold=0.2).tolist() == [True, True, True, False]  # the user's threshold moves both
    assert is_sure(batch, threshold=0).tolist() == [True, True, True, False]  # the last is a tie: never sure
    assert not is_sure(batch, threshold=1).any()
    # ...when it has twice the next digit's probability: a near tie is never sure
    assert is_sure(top(1, 0.3, runner_up=0.15)) and not is_sure(top(1, 0.3, runner_up=0.16))
    assert not is_sure(top(1, 0.45, runner_up=0.45))
