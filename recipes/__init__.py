"""Training recipes: `python -m recipes.<name>`.

A JAX or PyTorch run would otherwise load TensorFlow and print its banners:
Keras imports TensorFlow when it is installed, on every backend, to seed it
(`keras.utils.set_random_seed`) and to serialize `tf.TensorShape`s. A recipe on
another backend needs none of it, so TensorFlow is marked absent for the run.
"""

import os
import sys

if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
    sys.modules.setdefault("tensorflow", None)
