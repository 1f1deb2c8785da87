"""What the two regression recipes share: a `--model` regressor trained under
the policy, one `Outcome` per task, and the report (the metrics table beside
the baselines, metrics.json, run.json and the run's folder)."""

import dataclasses
import math

import zoo
import zoo.training
from recipes import _artifacts, _cli, _plots, _training
from zoo import data

METRICS = ["test_rmse", "test_mae", "test_mase", "test_smape"]


@dataclasses.dataclass
class Outcome:
    """What a regression task hands to the report."""

    name: str
    model: object
    dataset: str
    history: dict
    seconds: float
    results: dict
    reference: dict
    extra: dict
    run: dict  # task, input and preparation for run.json (see recipes._run)
    timesteps: int | None = None  # the padded length, for exporting a masking model


def train(
    x,
    y,
    validation,
    *,
    bidirectional,
    devices,
    dropout,
    ensemble,
    head_units,
    input_shape,
    masking,
    model_name,
    outputs,
    policy,
    seed,
    state,
    units,
):
    """The `model_name` regressor trained under `policy` (an ensemble of `ensemble`
    members), as (model, history, seconds)."""

    def build():
        model = zoo.get_model(
            model_name,
            input_shape=input_shape,
            units=_cli.builder_units(model_name, units),
            dropout=dropout,
            masking=masking,
            mask_value=data.MASK_VALUE,
            head="regression",
            num_outputs=outputs,
            **({"head_units": head_units} if head_units else {}),
            **({"bidirectional": True} if bidirectional else {}),
        )
        return zoo.training.compile(model, policy, loss="mse", metrics=["mae"])

    model, history, seconds, _ = _training.ensemble(
        build,
        lambda model, member_state: _training.train(
            model, x, y, validation, policy=policy, state=member_state, devices=devices
        ),
        members=ensemble,
        seed=seed,
        state=state,
    )
    return model, history, seconds


def report(outcome, *, recipe, model_name, ensemble, seed, devices, flags, out, exports):
    """Prints the test metrics beside the baselines and writes the run's folder."""
    rows = [{"name": outcome.name, **outcome.results}]
    rows += [{"name": name, **values} for name, values in outcome.reference.items()]
    _plots.print_table("Test set, original units (sMAPE in %)", rows, METRICS)
    best = min(outcome.reference.items(), key=lambda item: item[1]["test_rmse"])
    rmse = outcome.results["test_rmse"]
    ratio = rmse / best[1]["test_rmse"] if best[1]["test_rmse"] else math.inf
    print(f"model RMSE / best baseline ({best[0]}) RMSE: {ratio:.3f}")
    metrics = {
        **outcome.results,
        "baselines": outcome.reference,
        "model": model_name,
        "ensemble": ensemble,
        "dataset": outcome.dataset,
        "task": outcome.run["task"],
        "epochs_run": len(outcome.history.get("epoch", [])),
        "train_seconds": round(outcome.seconds, 2),
        **outcome.extra,
        **_artifacts.environment(seed, devices),
    }
    run = {"recipe": recipe, "model": model_name, "flags": flags, **outcome.run}
    _artifacts.save_run(
        out,
        outcome.model,
        outcome.history,
        metrics,
        curve_metric="mae",
        run=run,
        exports=exports,
        timesteps=outcome.timesteps,
    )
