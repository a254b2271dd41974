"""The readers' time column and the xAPI reader, through the Python package."""
import json

import pytest

import pathwise

# 2006-10-26 09:51:58 UTC, in ms since the epoch.
T0 = 1161856318000


def test_a_time_column_is_read_as_epoch_milliseconds_and_sorts_a_log_without_order(tmp):
    path = tmp / "times.csv"
    path.write_text("user_id,skill_name,correct,when\n"
                    "u1,s,1,2006-10-26T11:51:58+02:00\n"
                    "u1,s,0,2006-10-26 09:41:58.0\n"
                    "u1,s,1,not-a-time\n")
    log = pathwise.read_log(data_path=str(path), defaults={"time": "when"})
    c = log.columns()
    assert list(c["time"]) == [T0 - 600000, T0]
    assert list(c["correct"]) == [0, 1]
    r = log.report()
    assert r["first_time"] == T0 - 600000 and r["last_time"] == T0
    assert r["skipped"]["bad_time"] == 1
    assert r["first_place"]["bad_time"]["line"] == 4
    assert r["columns"]["time"] == "when"
    with pytest.raises(pathwise.ParseError) as e:
        pathwise.read_log(data_path=str(path), defaults={"time": "when"}, strict=True)
    assert e.value.line == 4 and e.value.field == "when"
    ms = pathwise.read_log(data_path=str(path), defaults={"time": "when"},
                           epoch_unit="milliseconds")
    assert ms.report()["skipped"]["bad_time"] == 1
    with pytest.raises(pathwise.InvalidArgumentError):
        pathwise.read_log(data_path=str(path), epoch_unit="weeks")


def test_xapi_statements_are_read_with_a_skill_map(tmp):
    def statement(item, success, ts):
        return json.dumps({"actor": {"mbox": "mailto:ann@example.org"},
                           "object": {"id": item}, "result": {"success": success},
                           "timestamp": ts})
    path = tmp / "lrs.jsonl"
    path.write_text(statement("q2", True, "2006-10-26T09:51:58Z") + "\n" +
                    statement("q1", False, "2006-10-26T09:41:58Z") + "\n")
    skill_map = tmp / "map.json"
    skill_map.write_text(json.dumps({"q1": "s", "q2": ["s", "t"]}))
    log = pathwise.read_log(data_path=str(path), skill_map=str(skill_map))
    r = log.report()
    assert r["format"] == "xapi" and r["rows_kept"] == 2 and r["multi_skill_rows"] == 1
    c = log.columns()
    assert sorted(c["skills"]) == ["s", "t"]
    assert len(c["time"]) == 3
    with pytest.raises(pathwise.InvalidArgumentError):
        pathwise.read_log(data_path=str(path))  # no skill source


def test_a_dataframe_time_column_reads_as_the_same_log_read_from_a_file(tmp):
    pd = pytest.importorskip("pandas")
    cells = ["2006-10-26T11:51:58+02:00", "2006-10-26 09:41:58.0", "not-a-time", "",
             "1161856318", "1161856318250"]
    path = tmp / "times.csv"
    path.write_text("user_id,skill_name,correct,when\n" +
                    "".join("u1,s,%d,%s\n" % (k % 2, c) for k, c in enumerate(cells)))
    from_file = pathwise.read_log(data_path=str(path), defaults={"time": "when"})
    df = pd.DataFrame({"user_id": ["u1"] * len(cells), "skill_name": ["s"] * len(cells),
                       "correct": [k % 2 for k in range(len(cells))],
                       "when": [c if c else None for c in cells]})
    from_frame = pathwise.read_log(data=df, defaults={"time": "when"})
    assert list(from_frame.columns()["time"]) == list(from_file.columns()["time"])
    assert list(from_frame.columns()["correct"]) == list(from_file.columns()["correct"])
    rf, rd = from_file.report(), from_frame.report()
    for key in ("rows_kept", "rows_without_time", "first_time", "last_time"):
        assert rd[key] == rf[key], key
    assert rd["skipped"]["bad_time"] == 1
    assert rd["first_place"]["bad_time"]["line"] == 3  # the third row of the frame
    assert rd["columns"]["time"] == "when"
    with pytest.raises(pathwise.ParseError) as e:
        pathwise.read_log(data=df, defaults={"time": "when"}, strict=True)
    assert e.value.line == 3 and e.value.field == "when"
    with pytest.raises(pathwise.InvalidArgumentError):
        pathwise.read_log(data=df, defaults={"time": "nope"})


def test_dataframe_datetimes_naive_as_utc_aware_converted_and_epoch_numbers_by_unit():
    pd = pytest.importorskip("pandas")
    base = {"user_id": ["u1", "u1", "u1"], "skill_name": ["s", "s", "s"], "correct": [1, 0, 1]}
    naive = pd.to_datetime(["2006-10-26 09:51:58", "2006-10-26 09:41:58.250", None])
    log = pathwise.read_log(data=pd.DataFrame(dict(base, timestamp=naive)))  # a default name
    assert sorted(log.columns()["time"]) == [pathwise_no_time(), T0 - 599750, T0]
    assert log.report()["rows_without_time"] == 1
    aware = pd.to_datetime(["2006-10-26T11:51:58+02:00"] * 3, utc=True).tz_convert("Europe/Paris")
    log = pathwise.read_log(data=pd.DataFrame(dict(base, time=aware)))
    assert list(log.columns()["time"]) == [T0] * 3
    # Whole seconds, as integers or floats; milliseconds by magnitude or by epoch_unit.
    log = pathwise.read_log(data=pd.DataFrame(dict(base, time=[1161856318, 1161856318.5, None])))
    assert sorted(log.columns()["time"])[1:] == [T0, T0 + 500]
    ms = pathwise.read_log(data=pd.DataFrame(dict(base, time=[5, 6, 7])), epoch_unit="milliseconds")
    assert list(ms.columns()["time"]) == [5, 6, 7]
    # "-" reads no time column; an order column keeps its role over a default time name.
    none = pathwise.read_log(data=pd.DataFrame(dict(base, time=[1, 2, 3])), defaults={"time": "-"})
    assert "time" not in none.columns() or len(none.columns()["time"]) == 0
    both = pathwise.read_log(data=pd.DataFrame(dict(base, time=[3, 2, 1])),
                             defaults={"order_id": "time"})
    assert both.report()["columns"]["time"] == ""


def pathwise_no_time():
    return -2 ** 63


def test_python_folds_keep_the_logs_times():
    # A callable metric deals the folds in Python, rebuilding each fold's log from the columns:
    # the times go with it, so a daily-forgetting fit sees the same gaps as the CLI's folds.
    pd = pytest.importorskip("pandas")
    import numpy as np
    rng = np.random.RandomState(3)
    rows = []
    for learner in range(40):
        t = T0
        for k in range(8):
            t += int(rng.randint(1, 5 * 86400)) * 1000
            rows.append(("u%d" % learner, "s", int(rng.rand() < 0.6), t))
    df = pd.DataFrame(rows, columns=["user_id", "skill_name", "correct", "timestamp"])
    seen = []

    def metric(true, pred):
        seen.append(len(true))
        return float(np.mean((np.asarray(true) - np.asarray(pred)) ** 2))

    with_times = pathwise.Model(preset="bkt", seed=1, forget_per_day=True).crossvalidate(
        data=df, metric=[metric, "rmse"], folds=4)
    assert len(seen) == 4 and sum(seen) == len(df)
    assert with_times.shape[0] == 1
    with pytest.raises(pathwise.InvalidArgumentError):  # no times: the fit says so
        pathwise.Model(preset="bkt", seed=1, forget_per_day=True).crossvalidate(
            data=df, metric=metric, folds=4, defaults={"time": "-"})
