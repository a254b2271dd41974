"""pyBKT's README quick-start ("Model Prediction and Evaluation"), with only the import line
changed, on as.csv: the README's ct.csv is not the file beside the project (see
../shared/data/README.md), and `pd.read_csv('ct.csv')` cannot read that one (it is
tab-separated), whatever the library."""
import os
import shutil

import numpy as np
import pandas as pd

from conftest import data_file

QUICKSTART = '''
from pathwise import Model

# Initialize the model with an optional seed
model = Model(seed = 42, num_fits = 1)

# Load the Cognitive Tutor data (not necessary, but shown
# for the purposes of the tutorial that pyBKT accepts
# DataFrames as well as file locations!).
ct_df = pd.read_csv('as.csv', encoding = 'latin')

# Train a simple BKT model on all skills in the CT dataset
model.fit(data_path = 'as.csv')

# Predict on all skills on the training data.
# This returns a Pandas DataFrame.
preds_df = model.predict(data_path = 'as.csv')

# Evaluate the RMSE of the model on the training data.
# Note that the default evaluate metric is RMSE.
training_rmse = model.evaluate(data = ct_df)

# Evaluate the AUC of the model on the training data. The supported
# metrics are AUC, RMSE and accuracy (they should be lowercased in
# the argument!).
training_auc = model.evaluate(data_path = 'as.csv', metric = 'auc')

# We can define a custom metric as well.
def mae(true_vals, pred_vals):
  """ Calculates the mean absolute error. """
  return np.mean(np.abs(true_vals - pred_vals))

training_mae = model.evaluate(data_path = 'as.csv', metric = mae)
'''


def run_quickstart(folder, code):
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        scope = {"pd": pd, "np": np}
        exec(compile(code, "quickstart", "exec"), scope)  # noqa: S102 - the README's own code
        return scope
    finally:
        os.chdir(cwd)


def test_the_pybkt_quickstart_runs_and_agrees_with_the_cli(tmp, cli):
    shutil.copy(data_file("as.csv"), tmp / "as.csv")
    s = run_quickstart(tmp, QUICKSTART)
    # Independent figures: the CLI with one restart and seed 42.
    cli("fit", "--preset", "pybkt", str(tmp / "as.csv"), "--restarts", "1", "--seed", "42",
        "-o", str(tmp / "m.json"))
    m = cli("evaluate", "--model", str(tmp / "m.json"), str(tmp / "as.csv"))
    assert s["training_rmse"] == m["rmse"]
    assert s["training_auc"] == m["auc"]
    preds = s["preds_df"]
    assert len(preds) == 10791 and preds["correct_predictions"].notna().all()
    # the custom metric sees every scored response: mean |y - p| from the predictions
    expected_mae = np.mean(np.abs(preds["correct"] - preds["correct_predictions"]))
    assert abs(s["training_mae"] - expected_mae) < 1e-12


def test_with_pybkts_default_num_fits_the_figures_are_those_of_docs_validation(tmp):
    shutil.copy(data_file("as.csv"), tmp / "as.csv")
    s = run_quickstart(tmp, QUICKSTART.replace("num_fits = 1", "num_fits = 5"))
    model = s["model"]
    auc, rmse, acc = model.evaluate(data_path=str(tmp / "as.csv"),
                                    metric=["auc", "rmse", "accuracy"])
    # docs/validation.md, as.csv, "training metrics (pooled)", Pathwise row
    assert round(auc, 5) == 0.64035
    assert round(rmse, 5) == 0.41866
    assert round(acc, 5) == 0.76388
    p = model.params()
    # docs/validation.md's as.csv table, Pathwise rows (4 decimals)
    assert round(p.loc[("Table", "prior", "default"), "value"], 4) == 0.8553
    assert round(p.loc[("Box and Whisker", "slips", "default"), "value"], 4) == 0.1598


CROSSVALIDATION = '''
from pathwise import Model

# Initialize the model with an optional seed
model = Model(seed = 42, num_fits = 1)

# Crossvalidate with 5 folds on all skills in the CT dataset.
crossvalidated_errors = model.crossvalidate(data_path = 'as.csv', folds = 5)

# Crossvalidate on a particular set of skills with a given
# seed, folds and metric.
def mae(true_vals, pred_vals):
  """ Calculates the mean absolute error. """
  return np.mean(np.abs(true_vals - pred_vals))

# Note that the skills argument accepts a REGEX pattern. In this case, this matches and
# crossvalidates on all skills containing the word fraction.
crossvalidated_mae_errs = model.crossvalidate(data_path = 'as.csv', skills = ".*Whisker.*",
                                              folds = 10, metric = mae)
'''


def test_the_pybkt_crossvalidation_section_runs_with_pybkts_result_layout(tmp):
    # The README's section, with as.csv for ct.csv and a pattern that matches one of its skills.
    shutil.copy(data_file("as.csv"), tmp / "as.csv")
    s = run_quickstart(tmp, CROSSVALIDATION)
    errors = s["crossvalidated_errors"]
    assert list(errors.index) == ["Box and Whisker", "Table"]
    assert list(errors.columns) == ["mean_error"]
    assert errors["mean_error"].between(0.38, 0.45).all()   # RMSE, near the training 0.419
    mae = s["crossvalidated_mae_errs"]
    assert list(mae.index) == ["Box and Whisker"]
    assert 0.25 < mae.loc["Box and Whisker", "mean_error"] < 0.40
