"""Test set-up: threads per worker, and torch loads before TensorFlow (both may
load in one process)."""

import os

# pytest-xdist workers share the machine's cores. PyTorch's OpenMP pool takes
# one thread per core in every worker, and oversubscribed OpenMP threads spin:
# a training step of a 32-unit autoencoder measured 9 ms with one thread and
# 94 ms with two beside another busy process (2 cores). Each worker gets its
# share of the cores; recipes run as commands inherit it. An explicit
# OMP_NUM_THREADS wins.
_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _workers > 1:
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // _workers)))

# JAX compiles every model's train and predict steps; the same programs recur
# across tests (and in the recipes the tests run as commands, which inherit
# the setting), so compiled programs are kept on disk and shared by the
# workers: the jax suite's compile time is most of its run. Ignored by the
# other backends; an explicit JAX_COMPILATION_CACHE_DIR wins.
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", os.path.join(_ROOT, ".pytest_cache", "jax"))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

try:  # The order matters where torch and TensorFlow share a process.
    import torch  # noqa: F401
except ImportError:
    pass

import keras  # noqa: E402  (after the thread count is set)
import numpy as np  # noqa: E402
import pytest  # noqa: E402


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


# Recipe runs end to end whose subject is the recipe (its files, metrics and
# flags), not the backend: they run in the jax suite only, with the reason
# printed elsewhere. What differs between backends (building, training, saving,
# reloading, replaying a run) keeps a smaller test on every backend.
ONE_BACKEND = "jax"


def pytest_collection_modifyitems(config, items):
    if keras.backend.backend() == ONE_BACKEND:
        return
    for item in items:
        mark = item.get_closest_marker("one_backend")
        if mark is not None:
            reason = mark.args[0] if mark.args else "a recipe end to end"
            item.add_marker(pytest.mark.skip(reason=f"{reason}; runs in the {ONE_BACKEND} suite"))
