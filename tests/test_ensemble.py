"""Folding an ensemble into one MLP: the same logits as averaging the members."""
import numpy as np
import pytest

from mnist_mlp import MLP
from mnist_mlp.ensemble import merge


@pytest.mark.parametrize("sizes", [[[784, 10], [784, 10]],
                                   [[784, 32, 10], [784, 16, 10], [784, 8, 10]],
                                   [[784, 64, 32, 10], [784, 48, 24, 10]]])
def test_merged_logits_are_the_mean_of_the_members(sizes):
    models = [MLP(s, seed=i) for i, s in enumerate(sizes)]
    for m in models:  # non-zero biases, so their handling is checked too
        for p in m.parameters():
            if not p.decay:
                p.value[...] = np.random.default_rng(len(p.value)).standard_normal(p.value.shape)
    merged = merge(models)
    x = np.random.default_rng(0).random((20, 784), dtype=np.float32)
    expected = np.mean([m.logits(x.copy()) for m in models], axis=0)
    np.testing.assert_allclose(merged.logits(x.copy()), expected, rtol=1e-4, atol=1e-4)
    assert merged.sizes == [784] + [sum(s[i] for s in sizes) for i in range(1, len(sizes[0]) - 1)] + [10]
    assert all(a.dtype == np.float32 for a in merged.arrays().values())


def test_one_member_is_itself():
    model = MLP([784, 16, 10], seed=3)
    x = np.random.default_rng(1).random((4, 784), dtype=np.float32)
    np.testing.assert_allclose(merge([model]).logits(x.copy()), model.logits(x.copy()), rtol=1e-6)


def test_members_of_different_depth_are_refused():
    with pytest.raises(ValueError, match="share depth"):
        merge([MLP([784, 16, 10]), MLP([784, 16, 8, 10])])
    with pytest.raises(ValueError, match="at least one"):
        merge([])
