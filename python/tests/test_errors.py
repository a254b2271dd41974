"""Bad input raises a pathwise.Error subclass carrying the place (file, line, column, field)."""
import json

import pandas as pd
import pytest

import pathwise

GOOD = "user_id,skill_name,correct,order_id\n"


def test_a_bad_outcome_in_a_file_names_its_file_line_column_and_field_in_strict_mode(tmp):
    path = tmp / "bad.csv"
    path.write_text(GOOD + "u1,s,1,1\nu1,s,2,2\n")
    with pytest.raises(pathwise.ParseError) as e:
        pathwise.Model(strict=True).fit(data_path=str(path))
    err = e.value
    assert isinstance(err, pathwise.Error) and isinstance(err, ValueError)
    assert err.code == "parse"
    assert err.file == str(path) and err.line == 3 and err.column == 6 and err.field == "correct"
    assert str(err).startswith("%s:3:6" % path)
    assert "u1" not in str(err)  # learner ids never appear in messages


def test_lenient_reading_skips_bad_rows_and_reports_them(tmp):
    path = tmp / "bad.csv"
    path.write_text(GOOD + "u1,s,1,1\nu1,s,2,2\nu1,,1,3\nu1,s,0,4\n")
    m = pathwise.Model(num_fits=1).fit(data_path=str(path))
    r = m.read_report_
    assert r["rows"] == 4 and r["rows_kept"] == 2
    assert r["skipped"] == {"bad_correct": 1, "empty_skill": 1}
    assert r["first_place"]["bad_correct"]["line"] == 3


def test_a_bad_cell_in_a_data_frame_names_its_row_and_column():
    df = pd.DataFrame({"user_id": ["a", "b", "c"], "skill_name": ["s"] * 3,
                       "correct": [1, 0, 7], "order_id": [1, 2, 3]})
    with pytest.raises(pathwise.ParseError) as e:
        pathwise.Model(strict=True).fit(data=df)
    assert e.value.file == "<DataFrame>" and e.value.line == 3 and e.value.field == "correct"
    m = pathwise.Model(num_fits=1).fit(data=df)
    assert m.read_report_["skipped"] == {"bad_correct": 1}


def test_a_missing_column_is_named():
    df = pd.DataFrame({"user_id": ["a"], "correct": [1]})
    with pytest.raises(pathwise.InvalidArgumentError) as e:
        pathwise.Model().fit(data=df)
    assert e.value.field == "skill"
    with pytest.raises(pathwise.InvalidArgumentError) as e:
        pathwise.Model().fit(data=df, defaults={"skill_name": "kc"})
    assert e.value.field == "kc"


def test_a_missing_file_is_an_io_error(tmp):
    with pytest.raises(pathwise.IoError) as e:
        pathwise.Model().fit(data_path=str(tmp / "nope.csv"))
    assert isinstance(e.value, OSError) and e.value.code == "io"


def test_a_bad_model_document_names_the_field(tmp):
    doc = {"format": "pathwise-bkt-model", "version": "1.0",
           "skills": {"s": {"prior": 1.5, "learn": 0.1, "forget": 0, "guess": 0.2, "slip": 0.1}}}
    (tmp / "m.json").write_text(json.dumps(doc))
    with pytest.raises(pathwise.InvalidArgumentError) as e:
        pathwise.Model().load(str(tmp / "m.json"))
    assert "prior" in e.value.field
    doc["version"] = "9.0"
    (tmp / "m.json").write_text(json.dumps(doc))
    with pytest.raises(pathwise.VersionError):
        pathwise.Model().load(str(tmp / "m.json"))


def test_predicting_before_fitting_says_so():
    with pytest.raises(ValueError):
        pathwise.Model().predict(data=pd.DataFrame({"user_id": [], "skill_name": [],
                                                    "correct": []}))


def test_the_native_builder_refuses_codes_outside_their_names():
    import numpy as np
    from pathwise import _native
    names = {"learner": "u", "skill": "s", "correct": "c", "order": "", "item": ""}
    one = np.zeros(1, np.int64)
    with pytest.raises(pathwise.InvalidArgumentError) as e:
        _native.log_from_columns(np.array([5]), ["a"], one, ["s"], np.empty(0, np.int64), [],
                                 np.ones(1), np.empty(0), np.empty(0, bool), "<t>", names, "~~",
                                 None, False, np.empty(0, np.int64), [], "auto")
    assert e.value.field == "learner" and e.value.line == 1
    with pytest.raises(pathwise.InvalidArgumentError):
        _native.log_from_columns(np.empty(0, np.int64), [], one, ["s"], np.empty(0, np.int64),
                                 [], np.ones(1), np.empty(0), np.empty(0, bool), "<t>", names,
                                 "~~", None, False, np.empty(0, np.int64), [], "auto")
    timed = dict(names, time="t")
    with pytest.raises(pathwise.InvalidArgumentError) as e:
        _native.log_from_columns(one, ["a"], one, ["s"], np.empty(0, np.int64), [], np.ones(1),
                                 np.empty(0), np.empty(0, bool), "<t>", timed, "~~", None, False,
                                 np.array([3]), ["2006-10-26"], "auto")
    assert e.value.field == "time" and e.value.line == 1
    with pytest.raises(pathwise.InvalidArgumentError) as e:
        _native.log_from_columns(one, ["a"], one, ["s"], np.empty(0, np.int64), [], np.ones(1),
                                 np.empty(0), np.empty(0, bool), "<t>", timed, "~~", None, False,
                                 one, ["2006-10-26"], "weeks")
    assert e.value.field == "epoch_unit"


def test_empty_and_missing_cells_of_a_data_frame_are_counted_as_the_file_reader_counts_them():
    df = pd.DataFrame({"user_id": ["a", "", None, "b", "c"], "skill_name": ["s", "s", "s", "", None],
                       "correct": [1, 0, 1, 1, 0], "order_id": [1, 2, 3, 4, 5]})
    for sep in ("default", None):
        m = pathwise.Model(num_fits=1, skill_separator=sep).fit(data=df)
        assert m.read_report_["skipped"] == {"empty_learner": 2, "empty_skill": 2}
        assert m.read_report_["rows_kept"] == 1
