"""Real datasets that ship with the package or its dependencies; nothing downloads."""

import numpy as np


def load_digits():
    """scikit-learn's handwritten digits (1,797 8x8 images, 10 classes) as sequences.

    Each image reads as 8 time steps (its rows, top to bottom) of 8 features
    (the pixels of the row), the way sequential MNIST reads image rows as time
    steps. The data ships inside scikit-learn (UCI ML hand-written digits,
    E. Alpaydin and C. Kaynak, 1998; CC BY 4.0).

    Returns:
        `(x, y)`: float32 of shape (1797, 8, 8) scaled to [0, 1], int labels.
    """
    from sklearn.datasets import load_digits as _sklearn_digits

    digits = _sklearn_digits()
    x = (digits.images / 16.0).astype("float32")
    return x, digits.target.astype(np.int64)
