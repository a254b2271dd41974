"""Model: predictions against values worked by hand, parameters in pyBKT's layouts, round
trips, the Pathwise extras (bounds, fixed values, reports, simulate)."""
import numpy as np
import pandas as pd
import pytest

import pathwise

HAND = {"s": {"prior": 0.4, "learns": np.array([0.2]), "guesses": np.array([0.2]),
              "slips": np.array([0.1])}}


def hand_frame():
    # Out of time order on purpose: order_id puts the second row first.
    return pd.DataFrame({"user_id": ["u", "u"], "skill_name": ["s", "s"], "correct": [0, 1],
                         "order_id": [2, 1]})


def test_predict_gives_pybkts_state_before_each_row_and_the_state_after_on_request():
    model = pathwise.Model()
    model.coef_ = HAND
    out = model.predict(data=hand_frame(), known_after=True)
    # Worked by hand: first response (order 1, correct): P(known) 0.4, P(correct)
    # 0.4*0.9 + 0.6*0.2 = 0.48; posterior 0.36/0.48 = 0.75, after learning 0.75 + 0.25*0.2 = 0.8.
    # Second (order 2, wrong): P(correct) 0.8*0.9 + 0.2*0.2 = 0.76; posterior 0.08/0.24 = 1/3,
    # after learning 1/3 + 2/3*0.2 = 7/15.
    assert out.loc[1, "correct_predictions"] == pytest.approx(0.48, abs=1e-12)
    assert out.loc[1, "state_predictions"] == pytest.approx(0.4, abs=1e-12)
    assert out.loc[1, "state_after_predictions"] == pytest.approx(0.8, abs=1e-12)
    assert out.loc[0, "correct_predictions"] == pytest.approx(0.76, abs=1e-12)
    assert out.loc[0, "state_predictions"] == pytest.approx(0.8, abs=1e-12)
    assert out.loc[0, "state_after_predictions"] == pytest.approx(7 / 15, abs=1e-12)
    assert list(out.columns[:4]) == ["user_id", "skill_name", "correct", "order_id"]


def test_evaluate_takes_names_lists_and_callables():
    model = pathwise.Model()
    model.coef_ = HAND
    df = hand_frame()
    # RMSE by hand: errors (1 - 0.48) and (0 - 0.76)
    rmse = np.sqrt(((1 - 0.48) ** 2 + 0.76 ** 2) / 2)
    assert model.evaluate(data=df) == pytest.approx(rmse, abs=1e-12)
    assert model.evaluate(data=df, metric=["accuracy", "auc"]) == [0.0, 0.0]
    mae = model.evaluate(data=df, metric=lambda t, p: float(np.mean(np.abs(t - p))))
    assert mae == pytest.approx((0.52 + 0.76) / 2, abs=1e-12)
    with pytest.raises(pathwise.InvalidArgumentError):
        model.evaluate(data=df, metric="mae")


def test_a_multi_skill_row_counts_for_each_skill_unless_told_to_keep_the_label():
    df = pd.DataFrame({"user_id": ["u"] * 3, "skill_name": ["a~~b", "a", "b"],
                       "correct": [1, 0, 1], "order_id": [1, 2, 3]})
    split = pathwise.Model(num_fits=1).fit(data=df)
    assert sorted(split.native.skills()) == ["a", "b"]
    assert split.read_report_["multi_skill_rows"] == 1
    whole = pathwise.Model(num_fits=1, skill_separator=None).fit(data=df)
    assert sorted(whole.native.skills()) == ["a", "a~~b", "b"]


def test_simulated_parameters_are_recovered_and_the_fit_report_says_how():
    truth = {"fractions": {"prior": 0.3, "learn": 0.15, "guess": 0.2, "slip": 0.1}}
    df = pathwise.simulate(truth, learners=2000, opportunities=20, seed=7)
    assert len(df) == 40000 and set(df.columns) == {"user_id", "skill_name", "correct", "order_id"}
    model = pathwise.Model(seed=1).fit(data=df)
    got = model.native.skills()["fractions"]
    # 2,000 sequences: the prior's standard error is about 0.01, so 0.05 is 4-5 of them
    for k in ("prior", "learn", "guess", "slip"):
        assert abs(got[k] - truth["fractions"][k]) < 0.05, k
    r = model.fit_report().loc["fractions"]
    assert r["responses"] == 40000 and r["sequences"] == 2000 and r["converged"]
    trace = model.fit_report_["skills"][0]["trace"]
    assert all(b >= a - 1e-9 for a, b in zip(trace, trace[1:]))  # EM never lowers it


def test_bounds_and_fixed_values_hold():
    df = pathwise.simulate({"s": {"prior": 0.3, "learn": 0.15, "guess": 0.3, "slip": 0.1}},
                           learners=300, seed=3)
    m = pathwise.Model(bounds={"guess": (0.0, 0.2)}, fixed={"slip": 0.05}).fit(data=df)
    p = m.native.skills()["s"]
    assert p["guess"] <= 0.2 and p["slip"] == 0.05
    with pytest.raises(pathwise.InvalidArgumentError) as e:
        pathwise.Model(bounds={"gues": (0, 1)}).fit(data=df)
    assert e.value.field == "bounds"


def test_coef_fixed_true_holds_the_values_of_its_skill_only():
    df = pathwise.simulate({"a": {"prior": 0.3, "learn": 0.15, "guess": 0.2, "slip": 0.1},
                            "b": {"prior": 0.5, "learn": 0.1, "guess": 0.25, "slip": 0.15}},
                           learners=200, seed=5)
    m = pathwise.Model()
    m.coef_ = {"a": {"prior": 0.1, "learns": np.array([0.1])}}
    m.fit(data=df, fixed=True)
    c = m.coef_
    assert c["a"]["prior"] == 0.1 and c["a"]["learns"][0] == 0.1
    assert c["b"]["prior"] != 0.1
    assert set(c["a"]) == {"prior", "learns", "guesses", "slips", "forgets"}


def test_params_coef_and_save_load_round_trip(tmp):
    df = pathwise.simulate({"x": {"prior": 0.3, "learn": 0.2, "guess": 0.2, "slip": 0.1}},
                           learners=100, seed=2)
    m = pathwise.Model(forgets=True).fit(data=df)
    p = m.params()
    assert p.index.names == ["skill", "param", "class"] and list(p.columns) == ["value"]
    assert [i[1] for i in p.index] == ["prior", "learns", "guesses", "slips", "forgets"]
    copy = pathwise.Model()
    copy.coef_ = m.coef_
    assert copy.native == m.native
    m.save(str(tmp / "m.json"))
    assert pathwise.Model().load(str(tmp / "m.json")).native == m.native
    assert '"format": "pathwise-bkt-model"' in m.to_json()


def test_skills_selects_by_regular_expression_or_list():
    df = pathwise.simulate({"frac add": {"prior": 0.3, "learn": 0.2, "guess": 0.2, "slip": 0.1},
                            "frac sub": {"prior": 0.3, "learn": 0.2, "guess": 0.2, "slip": 0.1},
                            "count": {"prior": 0.3, "learn": 0.2, "guess": 0.2, "slip": 0.1}},
                           learners=50, seed=2)
    assert sorted(pathwise.Model().fit(data=df, skills="frac.*").native.skills()) == \
        ["frac add", "frac sub"]
    assert sorted(pathwise.Model().fit(data=df, skills=["count"]).native.skills()) == ["count"]


def test_crossvalidate_returns_pybkts_layout():
    df = pathwise.simulate({"a": {"prior": 0.3, "learn": 0.2, "guess": 0.2, "slip": 0.1},
                            "b": {"prior": 0.3, "learn": 0.2, "guess": 0.2, "slip": 0.1}},
                           learners=100, seed=2)
    cv = pathwise.Model(num_fits=2).crossvalidate(data=df, folds=3)
    assert list(cv.index) == ["a", "b"] and list(cv.columns) == ["mean_error"]
    assert cv["mean_error"].between(0.2, 0.6).all()
    # A callable metric: folds dealt in Python; RMSE computed by the callable matches the
    # library's per-fold RMSE figures closely (same kind of split, another draw).
    rmse = lambda t, p: float(np.sqrt(np.mean((t - p) ** 2)))  # noqa: E731
    mine = pathwise.Model(num_fits=2).crossvalidate(data=df, folds=3, metric=[rmse, "rmse"])
    assert list(mine.columns)[1] == "rmse"
    assert mine.iloc[:, 0].to_numpy() == pytest.approx(mine.iloc[:, 1].to_numpy(), abs=1e-12)
    assert abs(mine.iloc[0, 0] - cv.loc["a", "mean_error"]) < 0.03
    with pytest.raises(pathwise.InvalidArgumentError):
        pathwise.Model().crossvalidate(data=df, metric="mae")


def test_pybkt_variants_pathwise_lacks_are_refused_by_name():
    with pytest.raises(pathwise.InvalidArgumentError) as e:
        pathwise.Model(multilearn=True)
    assert e.value.field == "multilearn"


def test_fitting_releases_the_gil_so_other_python_threads_run_meanwhile():
    import sys
    import threading
    from pathwise import _native
    df = pathwise.simulate({"s%d" % k: {"prior": .3, "learn": .15, "guess": .2, "slip": .1}
                            for k in range(10)}, learners=5000, opportunities=20)
    log = pathwise.read_log(data=df)
    # With a switch interval of 1000 s the interpreter never takes the GIL from a thread, so
    # the main thread can run while the fit is going on only if the fit gave the GIL up.
    old = sys.getswitchinterval()
    sys.setswitchinterval(1000)
    try:
        started, done = threading.Event(), []

        def run():
            started.set()
            _native.fit(log, {})
            done.append(True)

        t = threading.Thread(target=run)
        t.start()
        started.wait()
        ran_during_fit = 0
        while t.is_alive():
            ran_during_fit += not done
            t.join(0.001)
    finally:
        sys.setswitchinterval(old)
    assert ran_during_fit > 0


def test_fit_arguments_left_out_go_back_to_the_constructors_as_in_pybkt():
    # Found in the user test: fit(skills=..., forgets=True) then fit() kept both, so the second
    # fit fitted one skill with forgetting; pyBKT's fit takes them afresh on each call.
    df = pathwise.simulate({"a": {"prior": .3, "learn": .2, "guess": .2, "slip": .1},
                            "b": {"prior": .5, "learn": .1, "guess": .25, "slip": .1}},
                           learners=60, opportunities=8, seed=3)
    m = pathwise.Model(num_fits=1)
    m.fit(data=df, skills=["a"], forgets=True)
    assert list(m.coef_) == ["a"] and m.forgets is True
    assert m.evaluate(data=df) == pytest.approx(m.evaluate(data=df[df.skill_name == "a"]))
    m.fit(data=df)
    assert sorted(m.coef_) == ["a", "b"] and m.forgets is False
    assert all(float(v["forgets"][0]) == 0.0 for v in m.coef_.values())
    # constructor values stay
    c = pathwise.Model(num_fits=1, forgets=True, skills=["b"])
    c.fit(data=df, skills=["a"])
    c.fit(data=df)
    assert list(c.coef_) == ["b"] and c.forgets is True
