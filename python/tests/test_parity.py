"""The package gives the CLI's numbers to the last digit: the same fit, the same figures."""
import os

import pandas as pd
import pytest

import pathwise
from conftest import data_file

PARAMS = ("prior", "learn", "forget", "guess", "slip")


def assert_same_params(model, cli_fit):
    skills = model.native.skills()
    assert sorted(skills) == sorted(cli_fit["skills"])
    for name, p in skills.items():
        for k in PARAMS:
            assert p[k] == cli_fit["skills"][name][k], (name, k)


def assert_same_metrics(model, path_or_frame, cli_eval):
    kwargs = {"data_path": path_or_frame} if isinstance(path_or_frame, str) else {
        "data": path_or_frame}
    got = model.evaluate(metric=["auc", "rmse", "accuracy", "log_loss"], **kwargs)
    assert got == [cli_eval["auc"], cli_eval["rmse"], cli_eval["accuracy"], cli_eval["log_loss"]]


def test_as_csv_fit_and_evaluate_equal_the_cli_from_the_path_and_from_a_data_frame(cli, tmp):
    path = data_file("as.csv")
    cli_fit = cli("fit", "--preset", "pybkt", path, "-o", str(tmp / "cli.json"))
    cli_eval = cli("evaluate", "--model", str(tmp / "cli.json"), path)

    by_path = pathwise.Model().fit(data_path=path)
    assert_same_params(by_path, cli_fit)
    assert by_path.fit_report_["log_likelihood"] == cli_fit["log_likelihood"]
    assert_same_metrics(by_path, path, cli_eval)

    frame = pd.read_csv(path, encoding="latin")
    by_frame = pathwise.Model().fit(data=frame)
    assert_same_params(by_frame, cli_fit)
    assert_same_metrics(by_frame, frame, cli_eval)
    assert by_frame.read_report_["rows_kept"] == 10791

    # The saved model is the CLI's document: it loads and predicts the same.
    by_path.save(str(tmp / "py.json"))
    assert pathwise.Model().load(str(tmp / "py.json")).native == \
        pathwise.Model().load(str(tmp / "cli.json")).native


def test_as_csv_cross_validation_equals_the_cli(cli):
    path = data_file("as.csv")
    cli_cv = cli("crossvalidate", "--preset", "pybkt", "--folds", "5", path)
    got = pathwise.Model().crossvalidate(data_path=path, metric=["auc", "rmse"], by_skill=False)
    # the mean over folds, as the CLI's "auc"/"rmse" are
    assert got.loc["all", "auc"] == pytest.approx(cli_cv["auc"], abs=1e-15)
    assert got.loc["all", "rmse"] == pytest.approx(cli_cv["rmse"], abs=1e-15)


@pytest.mark.parametrize("split", [("assist2009", "assist2009_updated"),
                                   ("assist2015", "assist2015")])
def test_the_knowledge_tracing_splits_fit_and_evaluate_as_the_cli(cli, tmp, split):
    folder, stem = split
    train = data_file(folder, stem + "_train.csv")
    test = data_file(folder, stem + "_test.csv")
    cli_fit = cli("fit", "--preset", "pybkt", train, "-o", str(tmp / "m.json"))
    cli_eval = cli("evaluate", "--model", str(tmp / "m.json"), test)
    model = pathwise.Model().fit(data_path=train)
    assert_same_params(model, cli_fit)
    assert_same_metrics(model, test, cli_eval)


def test_per_item_guess_and_slip_equal_the_clis_from_the_path_and_a_data_frame(cli, tmp):
    path = data_file("as.csv")
    cli("fit", "--preset", "pybkt", path, "--item-guess-slip", "-o", str(tmp / "idem.json"))
    expected = pathwise.Model().load(str(tmp / "idem.json")).native
    by_path = pathwise.Model(multigs=True).fit(data_path=path)
    assert by_path.native == expected
    frame = pd.read_csv(path, encoding="latin")
    by_frame = pathwise.Model(multigs=True).fit(data=frame)
    assert by_frame.native == expected
    p = by_frame.params()
    assert len(p.xs("guesses", level="param")) == len(expected.items())


@pytest.mark.parametrize("pybkt_rows", [False, True])
def test_ct_csv_from_a_data_frame_equals_the_cli_with_and_without_pybkts_row_rules(cli, tmp,
                                                                                  pybkt_rows):
    path = data_file("ct.csv")
    extra = ["--skill-sep", "none", "--empty-skill-as", "nan"] if pybkt_rows else []
    cli_fit = cli("fit", "--preset", "pybkt", path, *extra, "-o", str(tmp / "ct.json"))
    cli_eval = cli("evaluate", "--model", str(tmp / "ct.json"), path, *extra)
    kwargs = {"skill_separator": None, "empty_skill_label": "nan"} if pybkt_rows else {}
    frame = pd.read_csv(path, sep="\t", encoding="latin")
    model = pathwise.Model(**kwargs).fit(data=frame)
    assert_same_params(model, cli_fit)
    assert_same_metrics(model, frame, cli_eval)
    assert model.read_report_["rows"] == 18220


def test_predict_gives_the_clis_predictions_row_by_row(cli, tmp):
    import subprocess
    path = data_file("as.csv")
    cli("fit", "--preset", "pybkt", path, "-o", str(tmp / "m.json"))
    subprocess.run([os.environ["PATHWISE_CLI"], "predict", "--model", str(tmp / "m.json"), path,
                    "-o", str(tmp / "p.csv"), "--quiet"], check=True, capture_output=True)
    expected = pd.read_csv(tmp / "p.csv").sort_values("row")
    got = pathwise.Model().load(str(tmp / "m.json")).predict(data_path=path)
    assert len(got) == len(expected) == 10791
    # the CLI writes 6 decimals
    diff = (got["correct_predictions"].to_numpy() - expected["p_correct"].to_numpy())
    assert abs(diff).max() <= 5e-7
    assert (got["correct"].to_numpy() == expected["correct"].to_numpy()).all()


def test_preset_bkt_is_the_clis_and_priors_reach_it(cli, tmp):
    path = data_file("as.csv")
    cli_fit = cli("fit", "--preset", "bkt", path, "-o", str(tmp / "cal.json"))
    model = pathwise.Model(preset="bkt").fit(data_path=path)
    assert_same_params(model, cli_fit)
    # pyBKT's semantics stay the default and differ from the calibrated fit.
    assert pathwise.Model().fit(data_path=path).native != model.native
    # priors on top of a preset: the CLI's --prior gives the same fit.
    cli_prior = cli("fit", "--preset", "pybkt", "--prior", "slip=3,12", path,
                    "-o", str(tmp / "p.json"))
    assert_same_params(pathwise.Model(priors={"slip": (3, 12)}).fit(data_path=path), cli_prior)


def test_an_unknown_preset_or_prior_is_an_invalid_argument_naming_it():
    path = data_file("as.csv")
    with pytest.raises(pathwise.InvalidArgumentError) as e:
        pathwise.Model(preset="pyBKT").fit(data_path=path)
    assert e.value.field == "preset"
    with pytest.raises(pathwise.InvalidArgumentError) as e:
        pathwise.Model(priors={"slip": (0.5, 2)}).fit(data_path=path)
    assert e.value.field == "priors.slip"
    with pytest.raises(pathwise.InvalidArgumentError) as e:
        pathwise.Model(priors={"slips": (2, 2)}).fit(data_path=path)
    assert e.value.field == "priors"


def test_the_learner_layer_is_the_clis_and_predicts_as_the_cli(cli, tmp):
    import subprocess
    path = data_file("as.csv")
    cli_fit = cli("fit", "--preset", "bkt", "--learner-layer", path, "-o", str(tmp / "l.json"))
    assert cli_fit["learner"]["fitted"] is True
    model = pathwise.Model(preset="bkt", learner=True).fit(data_path=path)
    assert model.native == pathwise.Model().load(str(tmp / "l.json")).native
    subprocess.run([os.environ["PATHWISE_CLI"], "predict", "--model", str(tmp / "l.json"), path,
                    "-o", str(tmp / "p.csv"), "--quiet"], check=True, capture_output=True)
    expected = pd.read_csv(tmp / "p.csv").sort_values("row")
    got = model.predict(data_path=path)
    diff = got["correct_predictions"].to_numpy() - expected["p_correct"].to_numpy()
    assert abs(diff).max() <= 5e-7
    # the layer changes the predictions: they are not BKT's
    assert abs(expected["p_correct"] - expected["p_correct_bkt"]).max() > 0.01
    with pytest.raises(pathwise.InvalidArgumentError) as e:
        pathwise.Model(learner={"l2": -1}).fit(data_path=path)
    assert e.value.field == "learner.l2"
