"""A host's bad input (found in the user test of the package): each raises pathwise.Error, or
TypeError for a Python type mistake, naming the field, never echoing a learner id, never a bare
ValueError/OverflowError/RecursionError from the conversion. And several processes on one
SQLite file."""
import datetime as dt
import multiprocessing as mp
import math

import numpy as np
import pandas as pd
import pytest

import pathwise

SECRET = "learner-secret-9431"


@pytest.fixture
def engine():
    cur, model = pathwise.synthetic_course()
    return pathwise.Engine(cur, model, store="memory:"), cur["items"][0]["id"]


def _no_leak(e):
    assert SECRET not in str(e)


@pytest.mark.parametrize("bad", [float("nan"), np.float64("nan"), float("inf"), -float("inf")])
def test_a_non_finite_time_is_an_invalid_argument_naming_the_field(engine, bad):
    e, item = engine
    with pytest.raises(pathwise.InvalidArgumentError) as err:
        e.record(SECRET, item, True, bad)
    assert err.value.field == "time"
    _no_leak(err.value)
    with pytest.raises(pathwise.InvalidArgumentError) as err:
        e.recommend(SECRET, bad)
    assert err.value.field == "now"


@pytest.mark.parametrize("bad", [1e17, 1e300, -1e300, 9223372036.855])
def test_a_time_beyond_the_librarys_range_is_refused_before_the_extension(engine, bad):
    # Was: pybind11's TypeError "incompatible function arguments ... Invoked with: <learner id>".
    e, item = engine
    with pytest.raises(pathwise.InvalidArgumentError) as err:
        e.record(SECRET, item, True, bad)
    assert err.value.field == "time" and "outside the representable range" in str(err.value)
    assert len(str(err.value)) < 200  # not a 300-digit integer
    _no_leak(err.value)


def test_the_edge_of_the_range_is_accepted():
    cur, model = pathwise.synthetic_course()
    e = pathwise.Engine(cur, model, options={"check_clock": False})
    item = cur["items"][0]["id"]
    e.record("a", item, True, 9223372036.854)  # |ms| == the limit
    assert e.export("a")["responses"][0]


def test_pandas_nat_is_an_invalid_argument(engine):
    e, item = engine
    with pytest.raises(pathwise.InvalidArgumentError) as err:
        e.record(SECRET, item, True, pd.NaT)
    assert err.value.field == "time"


@pytest.mark.parametrize("bad", [12345, None, 3.5, ["a"]])
def test_a_learner_id_of_the_wrong_type_is_a_type_error_that_does_not_echo_it(engine, bad):
    e, item = engine
    with pytest.raises(TypeError) as err:
        e.record(bad, item, True, None)
    assert "learner id must be a str" in str(err.value)
    assert "Invoked with" not in str(err.value) and "12345" not in str(err.value)


def test_an_unencodable_learner_id_is_an_invalid_argument_without_the_id(engine):
    e, item = engine
    for call in (lambda: e.record("\udcff" + SECRET, item, True, None),
                 lambda: e.recommend("\udcff" + SECRET),
                 lambda: e.profile("\udcff" + SECRET),
                 lambda: e.erase("\udcff" + SECRET)):
        with pytest.raises(pathwise.InvalidArgumentError) as err:
            call()
        assert err.value.field == "learner"
        _no_leak(err.value)


def test_an_item_id_with_a_nul_byte_is_named_as_such(engine):
    e, item = engine
    with pytest.raises(pathwise.InvalidArgumentError) as err:
        e.record(SECRET, item + "\0x", True, None)
    assert err.value.field == "item" and "NUL" in str(err.value)


def test_set_goals_refuses_a_bare_string_rather_than_spelling_it_out(engine):
    e, _ = engine
    with pytest.raises(TypeError):
        e.set_goals(SECRET, "fractions")
    e.set_goals(SECRET, ["fractions"])
    assert e.profile(SECRET)["goals"] == ["fractions"]


def test_mastery_of_an_unknown_skill_is_an_unknown_skill_error(engine):
    e, _ = engine
    with pytest.raises(pathwise.UnknownSkillError) as err:
        e.mastery(SECRET, "no-such-skill")
    assert err.value.field == "skill"
    assert 0 < e.mastery(SECRET, "fractions") < 1


def test_curriculum_errors_are_pathwise_errors():
    cur, model = pathwise.synthetic_course()
    deep = {}
    node = deep
    for _ in range(5000):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(pathwise.ParseError, match="nested too deeply"):
        pathwise.Engine(dict(cur, extra=deep), model)
    with pytest.raises(pathwise.ParseError, match="JSON"):
        pathwise.Engine(dict(cur, extra=float("nan")), model)
    with pytest.raises(pathwise.IoError) as err:
        pathwise.Engine("/nonexistent/curriculum.json", model)
    assert err.value.file == "/nonexistent/curriculum.json"
    with pytest.raises(TypeError):
        pathwise.Engine([cur], model)
    with pytest.raises(TypeError, match="model is a fitted Model"):
        pathwise.Engine(cur, None)


def test_option_dicts_refuse_unknown_keys_and_wrong_types():
    cur, model = pathwise.synthetic_course()
    with pytest.raises(pathwise.InvalidArgumentError) as err:
        pathwise.Engine(cur, model, store_options={"busy_timeout": 5000})  # misspelt
    assert err.value.field == "busy_timeout" and "busy_timeout_ms" in str(err.value)
    with pytest.raises(pathwise.InvalidArgumentError) as err:
        pathwise.Engine(cur, model, store_options={"busy_timeout_ms": "5000"})
    assert err.value.field == "busy_timeout_ms" and "wrong type" in str(err.value)
    with pytest.raises(pathwise.InvalidArgumentError) as err:
        pathwise.Engine(cur, model, policy={"target": 0.8})
    assert err.value.field == "target"
    with pytest.raises(pathwise.InvalidArgumentError) as err:
        pathwise.Engine(cur, model, options={"max_future": 1})
    assert err.value.field == "max_future"
    # the known keys still work
    pathwise.Engine(cur, model, store_options={"busy_timeout_ms": 100},
                    policy={"target_success": 0.8}, options={"check_clock": False})


def _frame(**over):
    d = {"user_id": [SECRET] * 4 + ["b"] * 4, "skill_name": ["s"] * 8,
         "correct": [1, 0, 1, 1, 0, 1, 1, 1], "order_id": list(range(8))}
    d.update(over)
    return pd.DataFrame(d)


def test_a_data_frame_string_that_is_not_utf8_is_a_parse_error_with_its_row():
    # Was: pybind11's TypeError listing the learner names.
    df = _frame(skill_name=["s"] * 5 + ["bad\udcff"] * 3)
    with pytest.raises(pathwise.ParseError) as err:
        pathwise.Model(num_fits=1).fit(data=df)
    assert err.value.file == "<DataFrame>" and err.value.line == 6
    assert err.value.field == "skill_name"
    _no_leak(err.value)
    df = _frame(user_id=["\udcff" + SECRET] * 8)
    with pytest.raises(pathwise.ParseError) as err:
        pathwise.Model(num_fits=1).fit(data=df)
    assert err.value.line == 1 and err.value.field == "user_id"
    _no_leak(err.value)


def test_a_nullable_integer_column_with_na_counts_the_na_row_as_a_bad_cell():
    df = _frame(correct=pd.array([1, 0, None, 1, 0, 1, 1, 1], dtype="Int64"))
    m = pathwise.Model(num_fits=1).fit(data=df)
    assert m.read_report_["rows_kept"] == 7 and m.read_report_["skipped_total"] == 1
    with pytest.raises(pathwise.ParseError) as err:
        pathwise.Model(num_fits=1, strict=True).fit(data=df)
    assert err.value.line == 3 and err.value.field == "correct"


def test_data_that_is_not_a_data_frame_and_a_bad_skills_regex():
    with pytest.raises(TypeError, match="DataFrame"):
        pathwise.Model(num_fits=1).fit(data=[1, 2, 3])
    with pytest.raises(pathwise.InvalidArgumentError) as err:
        pathwise.Model(num_fits=1).fit(data=_frame(), skills="([")
    assert err.value.field == "skills"


def _worker(args):
    path, w = args
    cur, model = pathwise.synthetic_course()
    e = pathwise.Engine(cur, model, store="sqlite:" + path,
                        store_options={"busy_timeout_ms": 10000})
    t0 = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    done = 0
    for i in range(40):
        learner = "learner-%d" % ((w + i) % 5)  # every learner is written by every worker
        rec = e.recommend(learner, t0 + dt.timedelta(seconds=i))
        item = rec.item if rec is not None and rec.item else cur["items"][0]["id"]
        e.record(learner, item, (i + w) % 3 != 0, t0 + dt.timedelta(seconds=i))
        done += 1
    return done


def test_worker_processes_on_one_sqlite_file_lose_no_response(tmp):
    path = str(tmp / "profiles.db")
    ctx = mp.get_context("spawn")  # what a host's fresh worker processes look like
    with ctx.Pool(4) as pool:
        counts = pool.map(_worker, [(path, w) for w in range(4)])
    assert counts == [40] * 4
    cur, model = pathwise.synthetic_course()
    e = pathwise.Engine(cur, model, store="sqlite:" + path)
    stored = sum(len(e.export("learner-%d" % k)["responses"]) for k in range(5))
    assert stored == 160
    assert e.erase("learner-0") is True and e.erase("learner-0") is False
    with pytest.raises(pathwise.UnknownLearnerError):
        e.export("learner-0")
    assert not math.isnan(e.class_summary().loc["fractions", "mean"])


def test_correct_as_an_array_is_a_type_error_and_numpy_scalars_are_taken(engine):
    e, item = engine
    with pytest.raises(TypeError, match="correct is one bool"):
        e.record(SECRET, item, np.array([1, 0]), None)
    with pytest.raises(pathwise.InvalidArgumentError) as err:
        e.record(SECRET, item, float("nan"), None)
    assert err.value.field == "correct"
    e.record(SECRET, item, np.bool_(True), 1_700_000_000)
    e.record(SECRET, item, np.int64(0), 1_700_000_001)
    assert [r["outcome"] for r in e.export(SECRET)["responses"]] == [1, 0]


def test_a_pathwise_error_survives_pickling_so_a_worker_pool_can_return_it(engine):
    import pickle
    e, _ = engine
    with pytest.raises(pathwise.UnknownItemError) as err:
        e.record(SECRET, "no-such-item", True, None)
    back = pickle.loads(pickle.dumps(err.value))
    assert type(back) is pathwise.UnknownItemError
    assert back.field == "item" and str(back) == str(err.value)
