"""A multilayer perceptron for MNIST digits in pure NumPy.

    >>> import mnist_mlp
    >>> model = mnist_mlp.load_model("weights")
    >>> model.predict_proba(image)   # image: (28, 28) floats in [0, 1], white on black
"""
from .model_io import ModelError, load_model, save_model
from .network import MLP, SURE, is_sure

__all__ = ["MLP", "ModelError", "SURE", "is_sure", "load_model", "save_model"]
