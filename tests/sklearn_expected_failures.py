"""scikit-learn's estimator checks that fail on zoo.sklearn, each with its reason.

Every entry is one check, one reason, and the exception it raises; the test
marks it `xfail(strict=True, raises=...)`, so a check that starts to pass, or
fails in another way, fails the suite and the entry must be looked at again.
What a check cannot test on 3-D estimators is tested explicitly in
tests/test_sklearn.py (`test_feature_count_mismatch_*`).
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Expected:
    reason: str
    raises: type[BaseException] = AssertionError


_UNIVARIATE = (
    "2-D X is read as univariate series, so its columns are time steps: "
    "n_features_in_ counts the features of each step (1), not X.shape[1]"
)

EXPECTED_FAILED_CHECKS = {
    "SequenceScaler": {
        "check_n_features_in": Expected(_UNIVARIATE),
        "check_n_features_in_after_fitting": Expected(_UNIVARIATE),
        "check_transformer_general": Expected(
            "the scaler is per feature, so it takes series of any length: a 2-D X "
            "with fewer columns is a shorter series, not one with fewer features"
        ),
    },
    "LSTMClassifier": {
        "check_n_features_in": Expected(_UNIVARIATE),
        "check_n_features_in_after_fitting": Expected(_UNIVARIATE),
    },
    "LSTMRegressor": {
        "check_n_features_in": Expected(_UNIVARIATE),
        "check_n_features_in_after_fitting": Expected(_UNIVARIATE),
    },
}
