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
