"""scikit-learn estimators that accept 3-D sequence arrays (samples, timesteps, features).

scikit-learn's own validation refuses 3-D input, so these check it themselves;
2-D input is read as univariate series (samples, timesteps).

- `LSTMClassifier`, `LSTMRegressor`: a zoo builder trained through
  `zoo.training` (the recipes' policy, counted in optimizer steps); they join
  `GridSearchCV`, `cross_val_score` and `Pipeline` like any estimator.
- `SequenceScaler`: scales each feature over every sample and time step, the
  3-D scaler step a pipeline needs before them.
- `LSTMAutoencoder`: unsupervised sequence embeddings through `transform`.

The Keras estimators `save(folder)` and `load(folder)` (a classmethod) without
pickle, safe for files from anywhere; they pickle too, but unpickling runs code.
"""

from zoo.sklearn._base import as_sequences
from zoo.sklearn.autoencoder import LSTMAutoencoder
from zoo.sklearn.estimators import LSTMClassifier, LSTMRegressor
from zoo.sklearn.scaler import SequenceScaler

__all__ = ["LSTMAutoencoder", "LSTMClassifier", "LSTMRegressor", "SequenceScaler", "as_sequences"]
