"""Engine: record, recommend, profiles, goals, class summary, export and erase, on the
in-memory, SQLite and PostgreSQL stores (a throw-away server, see conftest.py)."""
import datetime as dt
import pytest

import pathwise

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)


def engine(store="memory:"):
    curriculum, model = pathwise.synthetic_course()
    return pathwise.Engine(curriculum, model, store=store, options={"check_clock": False}), \
        curriculum, model


def first_item(curriculum):
    return curriculum["items"][0]["id"]


def test_recording_a_correct_answer_raises_mastery_and_recommend_explains_itself():
    e, curriculum, model = engine()
    item = first_item(curriculum)
    skill = curriculum["items"][0]["skills"][0]
    before = e.mastery("learner-1", skill)
    assert before == model.skills()[skill]["prior"]  # a fresh profile starts at the prior
    e.record("learner-1", item, True, T0)
    assert e.mastery("learner-1", skill) > before
    r = e.recommend("learner-1", T0 + dt.timedelta(minutes=1))
    assert isinstance(r, pathwise.Recommendation)
    assert r.reason in {"remediate", "practice", "challenge", "review", "prerequisite", "done",
                        "help"}
    assert r.explanation and all(isinstance(a, pathwise.Alternative) for a in r.alternatives)
    assert e.profile("learner-1")["responses"] == 1


def test_goals_class_summary_export_and_erase():
    e, curriculum, _ = engine()
    skills = [s["id"] for s in curriculum["skills"]]
    e.set_goals("l1", skills[:1])
    assert e.profile("l1")["goals"] == skills[:1]
    e.record("l2", first_item(curriculum), False, T0)
    summary = e.class_summary()
    assert summary.attrs["learners"] == 2
    assert list(summary.index) == skills
    assert list(summary.columns) == ["learners", "mastered", "mean", "p0_20", "p20_40",
                                     "p40_60", "p60_80", "p80_100"]
    exported = e.export("l2")
    assert exported["format"] == "pathwise-learner-export" and len(exported["responses"]) == 1
    assert e.erase("l2") is True
    assert e.erase("l2") is False
    with pytest.raises(pathwise.UnknownLearnerError):
        e.export("l2")


def test_errors_carry_their_kind():
    e, curriculum, _ = engine()
    with pytest.raises(pathwise.UnknownItemError) as err:
        e.record("l1", "no-such-item", True, T0)
    assert err.value.code == "unknown_item"
    with pytest.raises(pathwise.InvalidArgumentError):
        e.record("", first_item(curriculum), True, T0)
    with pytest.raises(pathwise.InvalidArgumentError):
        e.record("l1", first_item(curriculum), 2, T0)


def test_two_engines_on_one_sqlite_file_see_each_others_records(tmp):
    url = "sqlite:" + str(tmp / "profiles.db")
    a, curriculum, _ = engine(url)
    b, _, _ = engine(url)
    a.record("shared", first_item(curriculum), True, T0)
    b.record("shared", first_item(curriculum), False, T0 + dt.timedelta(seconds=5))
    assert a.profile("shared")["responses"] == 2
    assert b.export("shared")["responses"][0]["item"] == first_item(curriculum)


def test_two_engines_on_one_postgresql_database_share_profiles(postgres_url):
    a, curriculum, _ = engine(postgres_url)
    b, _, _ = engine(postgres_url)
    a.erase("py-pg-learner")
    a.record("py-pg-learner", first_item(curriculum), True, T0)
    b.record("py-pg-learner", first_item(curriculum), True, T0 + dt.timedelta(seconds=1))
    assert a.profile("py-pg-learner")["responses"] == 2
    assert a.class_summary().attrs["learners"] >= 1
    assert b.erase("py-pg-learner")
    assert a.profile("py-pg-learner")["responses"] == 0


def test_an_engine_takes_a_model_fitted_in_python():
    curriculum, model = pathwise.synthetic_course()
    truth = {k: v for k, v in model.skills().items()}
    df = pathwise.simulate(truth, learners=100, seed=4)
    fitted = pathwise.Model(num_fits=1).fit(data=df)
    e = pathwise.Engine(curriculum, fitted, options={"check_clock": False})
    assert e.recommend("new", T0) is not None


def test_times_are_aware_datetimes_naive_ones_as_utc_or_seconds_since_the_epoch():
    import calendar
    e, curriculum, _ = engine()
    item = first_item(curriculum)
    expected_ms = calendar.timegm((2026, 12, 1, 9, 0, 0)) * 1000
    e.record("a", item, True, dt.datetime(2026, 12, 1, 9, 0))                 # naive: UTC
    e.record("b", item, True, T0.astimezone(dt.timezone(dt.timedelta(hours=2))))  # +02:00
    e.record("c", item, True, expected_ms / 1000)                             # seconds
    for learner in "abc":
        assert e.export(learner)["responses"][0]["time"] == expected_ms
    with pytest.raises(pathwise.InvalidArgumentError):
        e.record("d", item, True, "2026-12-01")


def test_a_learner_layer_model_keeps_the_state_in_the_profile():
    curriculum, truth = pathwise.synthetic_course()
    data = pathwise.simulate(truth, learners=200, opportunities=10, seed=4)
    model = pathwise.Model(learner=True).fit(data=data)
    e = pathwise.Engine(curriculum, model, options={"check_clock": False})
    item = first_item(curriculum)
    skills = curriculum["items"][0]["skills"]
    e.record("l1", item, True, T0)
    e.record("l1", item, False, T0 + dt.timedelta(seconds=5))
    p = e.profile("l1")
    assert p["version"] == "1.1"
    state = p["learner_state"]
    assert state["responses"] == 2 * len(skills)  # once per skill of the item
    assert state["last"] == -1
    assert set(state["skills"]) == set(skills)
    assert isinstance(state["ability"], float)
    r = e.recommend("l1", T0 + dt.timedelta(seconds=6))
    if r.reason in {"practice", "remediate", "challenge"}:
        assert "learner ability" in r.explanation
    # A model without the layer: profiles as before.
    plain, _, _ = engine()
    plain.record("l1", item, True, T0)
    assert plain.profile("l1")["version"] == "1.0"
    assert "learner_state" not in plain.profile("l1")
