"""Test set-up: torch loads before TensorFlow (both may load in one process)."""

import os

try:  # The order matters where torch and TensorFlow share a process.
    import torch  # noqa: F401
except ImportError:
    pass

import keras
import numpy as np
import pytest


def pytest_report_header(config):
    return f"KERAS_BACKEND={keras.backend.backend()} keras={keras.__version__}"


@pytest.fixture(autouse=True)
def _seeded():
    keras.utils.set_random_seed(1234)
    np.random.seed(1234)
    yield


@pytest.fixture
def backend():
    return keras.backend.backend()


os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
