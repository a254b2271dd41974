"""pathwise.Model: pyBKT's Model interface over the Pathwise fit, predict and evaluate."""

import re

from . import _native
from ._errors import InvalidArgumentError, ParseError

try:  # numpy is optional: without it, fit, evaluate, save and load work from file paths
    import numpy as np
except ImportError:  # pragma: no cover - exercised by a test that hides numpy
    np = None
try:  # pandas is optional: without it, data frames are neither read nor returned
    import pandas as pd
except ImportError:  # pragma: no cover - exercised only where pandas is absent
    pd = None

# pyBKT's column-mapping keys (its "defaults") and Pathwise's own, to the reader's roles.
_MAPPING_KEYS = {
    "user_id": "learner", "learner": "learner",
    "skill_name": "skill", "skill": "skill",
    "correct": "correct",
    "order_id": "order", "order": "order",
    "multigs": "item", "item": "item",
    "time": "time",
}
# The reader's default candidates (include/pathwise/response_log.hpp, ColumnMapping).
_CANDIDATES = {
    "learner": ["user_id", "Anon Student Id", "student_id", "learner_id", "student"],
    "skill": ["skill_name", "KC(Default)", "skill_id", "skill", "kc"],
    "correct": ["correct", "Correct First Attempt", "outcome"],
    "order": ["order_id", "Row"],
    "item": ["template_id", "problem_id", "Problem Name", "item_id", "item"],
    "time": ["Step Start Time", "timestamp", "start_time", "time"],
}
_PARAM_NAMES = {"prior": "prior", "learns": "learn", "guesses": "guess", "slips": "slip",
                "forgets": "forget"}
_METRICS = ("rmse", "auc", "accuracy", "log_loss")
_READ_OPTIONS = ("format", "delimiter", "skill_separator", "empty_skill_label", "strict",
                 "keep_scaffolding", "max_line_bytes", "max_fields_per_line", "max_input_bytes",
                 "item_guess_slip", "epoch_unit", "skill_map", "skill_extension")


def _need_numpy(what):
    if np is None:
        raise ImportError(what + " needs numpy (Debian: python3-numpy)")


def _array(values):
    return np.array(values) if np is not None else list(values)


def _need_pandas(what):
    if pd is None:
        raise ImportError(what + " needs pandas (Debian: python3-pandas)")


def _mapping(defaults):
    """pyBKT's defaults dict (or Pathwise's role names) -> {role: column}."""
    out = {}
    for key, column in (defaults or {}).items():
        if key in ("multilearn", "multiprior", "multipair"):
            raise InvalidArgumentError(
                "defaults['%s']: Pathwise has no %s variant; per-item guess/slip is multigs"
                % (key, key), field="defaults")
        if key == "folds":
            continue  # pyBKT's predetermined folds: not used by Pathwise (folds by learner)
        role = _MAPPING_KEYS.get(key)
        if role is None:
            raise InvalidArgumentError("defaults: unknown column role '%s'" % key,
                                       field="defaults")
        out[role] = column
    return out


def _frame_log(df, mapping, read):
    """A data frame -> a native log, without a per-row Python loop: pandas.factorize codes and
    float columns go to a C++ builder that applies the readers' rules for bad rows."""
    _need_pandas("reading a DataFrame")
    if not isinstance(df, pd.DataFrame):
        raise TypeError("data must be a pandas DataFrame, got %s" % type(df).__name__)
    names = {}
    for role in ("learner", "skill", "correct", "order", "item"):
        column = mapping.get(role)
        if column is None:
            column = next((c for c in _CANDIDATES[role] if c in df.columns), None)
        elif column != "-" and column not in df.columns:
            raise InvalidArgumentError("column '%s' (%s) is not in the DataFrame" % (column, role),
                                       file="<DataFrame>", field=column)
        if column == "-":
            column = None
        if column is None and role in ("learner", "skill", "correct"):
            raise InvalidArgumentError(
                "no %s column: none of %s is in the DataFrame; name it in defaults"
                % (role, ", ".join(_CANDIDATES[role])), file="<DataFrame>", field=role)
        names[role] = column
    # The time column: named, or the first default name no other role uses (as the file
    # readers choose it); "-" reads none.
    time_column = mapping.get("time")
    if time_column is None:
        taken = set(v for v in names.values() if v is not None)
        time_column = next((c for c in _CANDIDATES["time"] if c in df.columns and c not in taken),
                           None)
    elif time_column != "-" and time_column not in df.columns:
        raise InvalidArgumentError("column '%s' (time) is not in the DataFrame" % time_column,
                                   file="<DataFrame>", field=time_column)
    if time_column == "-":
        time_column = None
    names["time"] = time_column

    def codes(column):
        if column is None:
            return np.empty(0, np.int64), []
        c, uniques = pd.factorize(df[column], sort=False)
        out = [str(u) for u in uniques]
        for k, u in enumerate(out):
            try:
                u.encode("utf-8")
            except UnicodeEncodeError:
                # The builder takes UTF-8; pybind11 would refuse the list with a TypeError that
                # echoes it, learner ids included. The place is the first row with this value.
                row = int(np.flatnonzero(c == k)[0]) + 1
                raise ParseError("column '%s' holds a string that is not valid UTF-8 (a lone "
                                 "surrogate)" % column, file="<DataFrame>", line=row,
                                 field=column) from None
        return c.astype(np.int64, copy=False), out

    def numbers(column):
        # to_numpy(float) refuses pandas' nullable dtypes (Int64, boolean) holding NA: NA -> NaN,
        # which the builder treats as an empty cell.
        v = pd.to_numeric(df[column], errors="coerce")
        return v.to_numpy(dtype=np.float64, na_value=np.nan)

    lc, ln = codes(names["learner"])
    sc, sn = codes(names["skill"])
    # Items matter only to per-item guess/slip: leaving them out saves interning every row.
    ic, inames = codes(names["item"] if read.get("item_guess_slip") else None)
    if read.get("item_guess_slip") and names["item"] is None:
        raise InvalidArgumentError("multigs needs an item column: name it with "
                                   "defaults={'multigs': column}", file="<DataFrame>",
                                   field="multigs")
    correct = numbers(names["correct"])
    order = numbers(names["order"]) if names["order"] else np.empty(0, np.float64)
    keep = np.empty(0, bool)
    if "original" in df.columns and not read.get("keep_scaffolding", False):
        keep = numbers("original") != 0
    tc, tn = _time_codes(df[time_column]) if time_column else (np.empty(0, np.int64), [])
    sep = read.get("skill_separator", "default")
    separator = "~~" if sep == "default" else ("" if sep is None else sep)
    label_names = {k: (v or "") for k, v in names.items()}
    return _native.log_from_columns(lc, ln, sc, sn, ic, inames, correct, order, keep,
                                    "<DataFrame>", label_names, separator,
                                    read.get("empty_skill_label"), bool(read.get("strict")),
                                    tc, tn, read.get("epoch_unit", "auto"))


def _time_text(value):
    """One distinct time cell as the text the readers parse: datetimes in ISO 8601 (naive ones
    are UTC, as the readers take a time without a zone), whole numbers without a fraction."""
    if hasattr(value, "isoformat"):  # datetime, date, pandas Timestamp
        return value.isoformat()
    if isinstance(value, (bool, np.bool_)):
        return str(value)  # not a time: reported as a bad time, row by row
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return str(int(f)) if f.is_integer() and abs(f) < 2 ** 63 else repr(f)
    return str(value)


def _time_codes(column):
    """A time column -> (codes, the text of each distinct cell); missing cells (None, NaN,
    NaT) get code -1. Each distinct value is converted once."""
    c, uniques = pd.factorize(column, sort=False)
    return c.astype(np.int64, copy=False), [_time_text(u) for u in uniques]


def read_log(data_path=None, data=None, defaults=None, **options):
    """Reads a log (a file, or a pandas DataFrame) into Pathwise's columnar form.

    Options: format ("auto", "csv", "tsv", "hmm", "three-line", "xapi"), skill_separator ("~~"
    by default; None keeps a "~~"-joined label as one skill, as pyBKT does), empty_skill_label
    ("nan" reproduces pyBKT), strict, keep_scaffolding, max_line_bytes, max_fields_per_line,
    max_input_bytes, epoch_unit ("auto", "seconds", "milliseconds": bare-number times),
    skill_map (xAPI: a CSV or JSON file of item -> skills), skill_extension (xAPI: an IRI).
    defaults={"time": NAME} names the time column of a file or a DataFrame ("-" = none; by
    default the first of Step Start Time, timestamp, start_time, time that no other role uses).
    A DataFrame's time column may hold datetimes (naive ones are UTC), ISO 8601 text or epoch
    numbers; a cell that is not a time is a BadTime row, as in a file. Raises
    pathwise.Error (ParseError, IoError, ...) with the place.
    Returns the native log; log.report() is the readers' bad-row report.
    """
    if (data_path is None) == (data is None):
        raise InvalidArgumentError("give exactly one of data_path and data", field="data")
    for key in options:
        if key not in _READ_OPTIONS:
            raise InvalidArgumentError("unknown read option '%s'" % key, field=key)
    mapping = _mapping(defaults)
    if data is not None:
        return _frame_log(data, mapping, options)
    read = dict(options)
    for role, column in mapping.items():
        read[role] = column
    return _native.read_file(str(data_path), read)


def _skill_list(skills, names):
    """pyBKT's skills argument: a regular expression (matched against the whole name) or a
    list of exact names; None or '.*' for all."""
    if skills is None:
        return None
    if isinstance(skills, str):
        if skills == ".*":
            return None
        try:
            pattern = re.compile(skills)
        except re.error as e:
            raise InvalidArgumentError("skills: not a valid regular expression: %s" % e,
                                       field="skills") from None
        return [s for s in names if pattern.fullmatch(s)]
    return list(skills)


def _metric_value(name_or_fn, metrics, true, pred):
    if callable(name_or_fn):
        return name_or_fn(true, pred)
    if name_or_fn not in _METRICS:
        raise InvalidArgumentError("metric must be one of: " + ", ".join(_METRICS) +
                                   ", a list of them or a callable(true, pred)", field="metric")
    return metrics[name_or_fn]


class Model:
    """A BKT model fitted by Pathwise, with pyBKT's Model interface.

    Model(seed=42, num_fits=5, parallel=True, forgets=False, multigs=False, defaults=None)
    takes pyBKT's arguments, and Pathwise's own:

    * tolerance (1e-3): EM stops when the skill's log-likelihood changes by at most this.
      pyBKT's pure-Python EM stops at 0.005; tolerance=0.005 gives its rule.
    * max_iterations (100), threads (0: one per core; parallel=False means 1).
    * bounds: {"guess": (0, 0.3), ...}; fixed: {"slip": 0.1, ...} for every skill.
    * skill_separator ("~~"): a row naming "a~~b" counts for each skill. pyBKT keeps such a
      label as one skill: skill_separator=None.
    * empty_skill_label (None): rows without a skill are skipped and counted in the read
      report; "nan" keeps them as a skill named nan, as pyBKT does.
    * min_responses (1), item_min_responses (1), strict (False), keep_scaffolding (False).
    * preset ("pybkt"): pyBKT's maximum-likelihood fit, as pyBKT. "bkt" is Pathwise's
      calibrated fit (the CLI's default): weak Beta priors (MAP EM) and guess + slip <= 0.95,
      so no parameter is driven to 0 or 1 (docs/bkt.md, "Calibrated fits").
    * priors: {"guess": (2, 5), ...}, Beta(alpha, beta) priors per parameter on top of the
      preset's ("forget_per_day" names the daily rate's).
    * learner (False): also fit the learner layer, in which the learner's ability and recency
      across skills correct BKT's P(correct) (docs/bkt.md, "The learner layer"); True, or a
      dict of its options ({"l2_skill": 1.0, ...}).
    * forget_per_day (False): also fit each skill's forgetting per day from the log's times
      (docs/bkt.md, "Forgetting over elapsed time"); the log needs a time column. predict and
      evaluate apply the model's daily rates when their log has times.

    Differences from pyBKT: seed defaults to 42 (pyBKT draws one at random); the EM stops at
    1e-3 by default; cross-validation deals learners into folds (see crossvalidate); rows with
    several "~~" skills are split; multilearn, multiprior and multipair are not offered
    (multigs is Pathwise's per-item guess/slip).
    """

    _ARGS = ("seed", "num_fits", "parallel", "forgets", "multigs", "defaults", "tolerance",
             "max_iterations", "threads", "bounds", "fixed", "skill_separator",
             "empty_skill_label", "min_responses", "item_min_responses", "strict",
             "keep_scaffolding", "skills", "folds", "preset", "priors", "learner",
             "forget_per_day")

    def __init__(self, **kwargs):
        self.seed = 42
        self.num_fits = 5
        self.parallel = True
        self.forgets = False
        self.multigs = False
        self.defaults = None
        self.tolerance = 1e-3
        self.max_iterations = 100
        self.threads = 0
        self.bounds = None
        self.fixed = None
        self.skill_separator = "default"
        self.empty_skill_label = None
        self.min_responses = 1
        self.item_min_responses = 1
        self.strict = False
        self.keep_scaffolding = False
        self.skills = None
        self.folds = 5
        self.preset = "pybkt"
        self.priors = None
        self.learner = False
        self.forget_per_day = False
        self._model = None
        self._init = None
        self._init_fixed = False
        self.fit_report_ = None
        self.read_report_ = None
        self._set(kwargs)
        self._constructed = {k: getattr(self, k) for k in self._PER_FIT}

    def __repr__(self):
        return "Model(seed=%r, num_fits=%r, parallel=%r, forgets=%r, multigs=%r)" % (
            self.seed, self.num_fits, self.parallel, self.forgets, self.multigs)

    # ---- arguments ---------------------------------------------------------------------------

    # pyBKT's fit and crossvalidate take these afresh on each call: one left out goes back to
    # the constructor's value (pyBKT: to its default), so fit(skills='A', forgets=True) followed
    # by fit() fits every skill without forgetting. predict/evaluate use the last fit's.
    _PER_FIT = ("skills", "forgets", "multigs", "defaults")

    def _set_for_fit(self, kwargs):
        for key, value in getattr(self, "_constructed", {}).items():
            setattr(self, key, value)
        self._set(kwargs)

    def _set(self, kwargs):
        for key, value in kwargs.items():
            if key in ("multilearn", "multiprior", "multipair"):
                if value:
                    raise InvalidArgumentError(
                        "%s is a pyBKT variant Pathwise does not offer; multigs (per-item "
                        "guess/slip) and forgets are" % key, field=key)
                continue
            if key not in self._ARGS:
                raise InvalidArgumentError("unknown argument '%s'" % key, field=key)
            if key == "multigs" and isinstance(value, str):  # pyBKT: the item column's name
                self.defaults = dict(self.defaults or {}, multigs=value)
                value = True
            setattr(self, key, value)

    def _read_options(self):
        read = {"skill_separator": self.skill_separator, "strict": self.strict,
                "keep_scaffolding": self.keep_scaffolding, "item_guess_slip": self.multigs}
        if self.empty_skill_label is not None:
            read["empty_skill_label"] = self.empty_skill_label
        return read

    def _log(self, data_path, data):
        log = read_log(data_path=data_path, data=data, defaults=self.defaults,
                       **self._read_options())
        self.read_report_ = log.report()
        return log

    def _fit_options(self, names, skills=None):
        o = {"preset": str(self.preset), "restarts": int(self.num_fits),
             "max_iterations": int(self.max_iterations),
             "tolerance": float(self.tolerance), "seed": int(self.seed),
             "threads": int(self.threads) if self.parallel else 1,
             "forgetting": bool(self.forgets), "item_guess_slip": bool(self.multigs),
             "item_min_responses": int(self.item_min_responses),
             "min_skill_responses": int(self.min_responses)}
        if self.bounds:
            o["bounds"] = dict(self.bounds)
        if self.fixed:
            o["fixed"] = dict(self.fixed)
        if self.priors:
            o["priors"] = dict(self.priors)
        if self.learner:
            o["learner"] = dict(self.learner) if isinstance(self.learner, dict) else True
        if self.forget_per_day:
            o["forget_per_day"] = True
        chosen = _skill_list(self.skills if skills is None else skills, names)
        if chosen is not None:
            o["skills"] = chosen
        return o

    # ---- fit, predict, evaluate --------------------------------------------------------------

    def fit(self, data_path=None, data=None, **kwargs):
        """Fits every skill of the log (or those `skills` selects: a regular expression matched
        against the whole name, or a list of names) by EM with `num_fits` restarts.

        Takes pyBKT's fit arguments (skills, num_fits, defaults, parallel, forgets, multigs,
        fixed=True) and the constructor's Pathwise arguments. With coef_ set beforehand its
        values start the first restart, or with fixed=True stay fixed for their skill.
        The GIL is released while fitting. Afterwards fit_report_ holds the log-likelihoods,
        iterations, convergence and degenerate-fit warnings of each skill, read_report_ the
        rows the reader skipped and why. Returns self.
        """
        fixed_from_coef = kwargs.pop("fixed", None) if kwargs.get("fixed") is True else None
        self._set_for_fit(kwargs)
        log = self._log(data_path, data)
        options = self._fit_options(log.skill_names())
        init = self._init or {}
        if fixed_from_coef is None:
            if init:
                options["start"] = {s: _params_from_coef(v) for s, v in init.items()}
            model, report = _native.fit(log, options)
        else:
            model, report = self._fit_fixed(log, options, init)
        self._model = model
        self.fit_report_ = report
        self._init = None
        return self

    def _fit_fixed(self, log, options, init):
        """pyBKT's fixed=True: coef_'s values are held for their skill. Pathwise's fixed values
        are per fit, so each skill named in coef_ is fitted on its own."""
        chosen = options.get("skills", log.skill_names())
        merged = _native.BktModel()
        report = {"skills": [], "log_likelihood": 0.0, "seconds": 0.0, "threads": 0,
                  "e_steps": 0, "response_steps": 0}
        groups = [([s], _params_from_coef(init[s], only_given=True)) for s in chosen if s in init]
        rest = [s for s in chosen if s not in init]
        if rest:
            groups.append((rest, {}))
        for skills, fixed in groups:
            o = dict(options, skills=skills, fixed=dict(options.get("fixed", {}), **fixed))
            model, r = _native.fit(log, o)
            for name, p in model.skills().items():
                merged.set_skill(name, p)
            for item, p in model.items().items():
                merged.set_item(item, p["skill"], p["guess"], p["slip"])
            report["skills"] += r["skills"]
            for k in ("log_likelihood", "seconds", "e_steps", "response_steps"):
                report[k] += r[k]
            report["threads"] = max(report["threads"], r["threads"])
        report["skills"].sort(key=lambda s: s["skill"])
        return merged, report

    def _require_model(self):
        if self._model is None:
            if self._init and all(_complete(v) for v in self._init.values()):
                self._model = _model_from_coef(self._init)
            else:
                raise ValueError("model has not been fitted yet")
        return self._model

    def predict(self, data_path=None, data=None, known_after=False, fill=float("nan")):
        """The input rows with `correct_predictions` (P(correct), from the rows before) and
        `state_predictions` (P(known) before the row, from the rows before it: pyBKT's
        meaning). known_after=True adds `state_after_predictions`: P(known) after the row's
        outcome and the learning step (what the engine holds after recording it).

        For a DataFrame, the result is a copy of it with the new columns; for a file, the file
        read by pandas when it is delimited text, else the log's own columns (user_id,
        skill_name, correct, row). Rows not predicted (skipped as bad, or of a skill the model
        lacks) get `fill` (NaN; pyBKT writes 0.5). A row naming several skills gets the mean
        over its skills. The GIL is released while predicting.
        """
        _need_pandas("predict")
        model = self._require_model()
        log = self._log(data_path, data)
        p = _native.predict_states(model, log, True)
        cols = log.columns()
        rows = cols["row"].astype(np.int64)
        if data is not None:
            out = data.copy()
        else:
            out = self._file_frame(data_path, log, cols)
        n = len(out)
        values = {"correct_predictions": p["correct"], "state_predictions": p["known_before"]}
        if known_after:
            values["state_after_predictions"] = p["known_after"]
        ok = ~np.isnan(p["correct"]) & (rows > 0) & (rows <= n)
        counts = np.bincount(rows[ok] - 1, minlength=n).astype(np.float64)
        for name, v in values.items():
            sums = np.bincount(rows[ok] - 1, weights=v[ok], minlength=n)
            with np.errstate(invalid="ignore", divide="ignore"):
                column = np.where(counts > 0, sums / np.maximum(counts, 1), fill)
            out[name] = column
        return out

    def _file_frame(self, data_path, log, cols):
        r = log.report()
        if r["format"] == "delimited":
            try:
                frame = pd.read_csv(data_path, sep=_delimiter_of(data_path), low_memory=False,
                                    encoding="latin-1" if r["encoding"] != "utf-8" else "utf-8")
                if len(frame) == r["rows"]:
                    return frame
            except Exception:  # noqa: BLE001 - pandas cannot read it as the reader did
                pass
        order = np.argsort(cols["row"], kind="stable") if len(cols["row"]) else None
        skills = np.asarray(cols["skills"], dtype=object)[cols["skill"]]
        learners = np.asarray(cols["learners"], dtype=object)[cols["learner"]]
        frame = pd.DataFrame({"user_id": learners, "skill_name": skills,
                              "correct": cols["correct"]})
        if order is not None:
            frame = frame.iloc[order].reset_index(drop=True)
        return frame

    def evaluate(self, data=None, data_path=None, metric="rmse"):
        """Scores the model's one-step-ahead predictions on a log: metric is 'rmse' (the
        default, as in pyBKT), 'auc', 'accuracy', 'log_loss', a list of them, or a callable
        metric(true, pred) on numpy arrays. Responses of skills the model lacks are left out,
        as pyBKT scores only the fitted skills. The GIL is released while evaluating.
        """
        model = self._require_model()
        log = self._log(data_path, data)
        metrics = _native.evaluate(model, log, True)
        true = pred = None
        names = metric if isinstance(metric, (list, tuple)) else [metric]
        if any(callable(m) for m in names):
            _need_numpy("a callable metric")
            p = _native.predict_states(model, log, True)["correct"]
            keep = ~np.isnan(p)
            true = log.columns()["correct"][keep].astype(np.float64)
            pred = p[keep]
        values = [_metric_value(m, metrics, true, pred) for m in names]
        return values if isinstance(metric, (list, tuple)) else values[0]

    def crossvalidate(self, data=None, data_path=None, metric="rmse", by_skill=True, **kwargs):
        """k-fold cross-validation (folds=5): returns a DataFrame indexed by skill with the
        metric's mean over folds in `mean_error` (one column per metric for a list).

        Pathwise deals learners into folds (seed: the model's): each fold's learners are
        predicted by a model fitted on the others. pyBKT shuffles each skill's sequences with
        numpy's generator; with one sequence per learner and skill the split is of the same
        kind, but not the same draw. by_skill=False scores every skill together (one row,
        'all'). Metric: what evaluate takes. With a callable metric(true, pred) the folds are
        dealt in Python instead (numpy's RandomState(seed).permutation of the learners, then
        every folds-th), as the library's folds never leave C++, and a list with a callable
        scores its named metrics on those folds too. Without a callable the figures are the
        library's (those of the CLI's `crossvalidate`).
        """
        _need_pandas("crossvalidate")
        self._set_for_fit(kwargs)
        names = metric if isinstance(metric, (list, tuple)) else [metric]
        for m in names:
            if not callable(m) and m not in _METRICS:
                raise InvalidArgumentError("crossvalidate's metric must be one of: " +
                                           ", ".join(_METRICS) + ", a list of them or a "
                                           "callable(true, pred)", field="metric")
        log = self._log(data_path, data)
        base = self._fit_options(log.skill_names())
        chosen = base.pop("skills", None)
        skills = log.skill_names() if chosen is None else chosen
        rows, index = [], []
        groups = [[s] for s in skills] if by_skill else [skills]
        use_library = not any(callable(m) for m in names)
        folds = _LearnerFolds(log, int(self.folds), int(self.seed)) if not use_library else None
        for group in groups:
            o = dict(base, skills=group)
            if use_library:
                cv = _native.cross_validate(log, o, int(self.folds), int(self.seed))
                rows.append([np.nanmean([f[m] for f in cv["folds"]]) for m in names])
            else:
                rows.append(folds.scores(o, names))
            index.append(group[0] if by_skill else "all")
        columns = (["mean_error"] if not isinstance(metric, (list, tuple)) else
                   [getattr(m, "__name__", "metric") if callable(m) else m for m in names])
        df = pd.DataFrame(rows, columns=columns, index=pd.Index(index, name="skill"))
        return df

    # ---- parameters ----------------------------------------------------------------------------

    @property
    def coef_(self):
        """{skill: {'prior': float, 'learns': array, 'guesses': array, 'slips': array,
        'forgets': array}} as pyBKT lays it out; with multigs, guesses and slips have one
        entry per item of the skill (sorted by item id; params() names them)."""
        if self._model is None:
            if self._init:
                return dict(self._init)
            raise ValueError("model has not been trained or initialized")
        items = self._model.items()
        out = {}
        for skill, p in self._model.skills().items():
            own = sorted(i for i, v in items.items() if v["skill"] == skill)
            guesses = [items[i]["guess"] for i in own] or [p["guess"]]
            slips = [items[i]["slip"] for i in own] or [p["slip"]]
            out[skill] = {"prior": p["prior"], "learns": _array([p["learn"]]),
                          "guesses": _array(guesses), "slips": _array(slips),
                          "forgets": _array([p["forget"]])}
        return out

    @coef_.setter
    def coef_(self, values):
        """Sets parameters in pyBKT's layout. They start the next fit (its first restart), or
        stay fixed with fit(..., fixed=True); complete ones (all of prior, learns, guesses,
        slips) also make a model that predict and evaluate can use without fitting."""
        checked = {}
        for skill, params in values.items():
            for key in params:
                if key not in _PARAM_NAMES:
                    raise InvalidArgumentError(
                        "coef_['%s']: unknown parameter '%s'; expected prior, learns, guesses,"
                        " slips or forgets" % (skill, key), field=key)
            checked[skill] = dict(params)
        self._init = checked
        self._model = _model_from_coef(checked) if checked and all(
            _complete(v) for v in checked.values()) else None

    def params(self):
        """The parameters as a DataFrame indexed by (skill, param, class) with a `value`
        column, as pyBKT's params(): class 'default', or the item id with multigs."""
        _need_pandas("params")
        model = self._require_model()
        items = model.items()
        rows = []
        for skill, p in model.skills().items():
            own = sorted(i for i, v in items.items() if v["skill"] == skill)
            rows.append((skill, "prior", "default", p["prior"]))
            rows.append((skill, "learns", "default", p["learn"]))
            for param, key in (("guesses", "guess"), ("slips", "slip")):
                if own:
                    rows += [(skill, param, i, items[i][key]) for i in own]
                else:
                    rows.append((skill, param, "default", p[key]))
            rows.append((skill, "forgets", "default", p["forget"]))
        df = pd.DataFrame(rows, columns=["skill", "param", "class", "value"])
        return df.set_index(["skill", "param", "class"])

    def fit_report(self):
        """The last fit's report per skill as a DataFrame (responses, sequences,
        log_likelihood, iterations, converged, restarts, best_restart, warnings)."""
        _need_pandas("fit_report")
        if self.fit_report_ is None:
            raise ValueError("model has not been fitted yet")
        rows = [{k: v for k, v in s.items() if k != "trace"} for s in self.fit_report_["skills"]]
        return pd.DataFrame(rows).set_index("skill")

    def save(self, loc):
        """Writes the model as Pathwise's model JSON (not a pickle); `pathwise fit -o` writes
        the same document, and Engine takes it."""
        self._require_model().save(str(loc))

    def load(self, loc):
        """Reads a model JSON written by save() or `pathwise fit -o`. Returns self."""
        self._model = _native.BktModel.load(str(loc))
        return self

    def to_json(self, indent=2):
        """The model JSON document as a string."""
        return self._require_model().to_json(indent)

    @property
    def native(self):
        """The fitted pathwise._native.BktModel (for Engine and simulate)."""
        return self._require_model()


class _LearnerFolds:
    """Folds by learner dealt in Python, for metrics the library cannot compute: the log's
    columns are rebuilt into a training and a test log per fold (no per-row Python loop)."""

    def __init__(self, log, folds, seed):
        if folds < 2:
            raise InvalidArgumentError("folds must be at least 2", field="folds")
        cols = log.columns()
        learners = len(cols["learners"])
        if learners < folds:
            raise InvalidArgumentError("fewer learners (%d) than folds (%d)" % (learners, folds),
                                       field="folds")
        fold_of = np.empty(learners, np.int64)
        fold_of[np.random.RandomState(seed).permutation(learners)] = np.arange(learners) % folds
        self.cols = cols
        self.folds = folds
        self.fold = fold_of[cols["learner"]]
        # The log is already grouped in time order: its own position keeps that order.
        self.order = np.arange(1, log.size + 1, dtype=np.float64)
        self.correct = cols["correct"].astype(np.float64)
        # Times, if the log has them, as codes into their distinct values written in ms.
        times = cols.get("time")
        if times is not None and len(times):
            uniques, inverse = np.unique(np.asarray(times, np.int64), return_inverse=True)
            self.time_names = [str(int(u)) for u in uniques]
            codes = inverse.astype(np.int64)
            codes[np.asarray(times) == -2 ** 63] = -1  # kNoTime: no time
            self.time_codes = codes
        else:
            self.time_codes, self.time_names = np.empty(0, np.int64), []

    def _log(self, keep):
        c = self.cols
        return _native.log_from_columns(
            c["learner"].astype(np.int64), c["learners"], c["skill"].astype(np.int64),
            c["skills"], c["item"].astype(np.int64), c["items"], self.correct, self.order, keep,
            "<fold>", {"learner": "learner", "skill": "skill", "correct": "correct",
                       "order": "order", "item": "item", "time": "time"}, "", None, False,
            self.time_codes, self.time_names, "milliseconds")

    def scores(self, options, names):
        totals = np.zeros(len(names))
        for f in range(self.folds):
            model, _ = _native.fit(self._log(self.fold != f), options)
            test = self._log(self.fold == f)
            metrics = _native.evaluate(model, test, True)
            p = _native.predict_states(model, test, True)["correct"]
            keep = ~np.isnan(p)
            true = test.columns()["correct"][keep].astype(np.float64)
            totals += [_metric_value(m, metrics, true, p[keep]) for m in names]
        return list(totals / self.folds)


def _delimiter_of(path):
    with open(path, "rb") as f:
        header = f.readline()
    counts = {d: header.count(d.encode()) for d in (",", "\t", ";")}
    return max(counts, key=counts.get)


def _scalar(v):
    if np is not None:
        a = [float(x) for x in np.asarray(v, dtype=np.float64).ravel()]
    else:
        a = [float(x) for x in v] if isinstance(v, (list, tuple)) else [float(v)]
    if len(a) != 1:
        raise InvalidArgumentError("Pathwise holds one value per skill for this parameter "
                                   "(got %d)" % len(a), field="coef_")
    return a[0]


def _params_from_coef(values, only_given=False):
    p = {} if only_given else {"prior": 0.5, "learn": 0.1, "forget": 0.0, "guess": 0.2,
                               "slip": 0.1}
    for key, v in values.items():
        p[_PARAM_NAMES[key]] = _scalar(v)
    return p


def _complete(values):
    return all(k in values for k in ("prior", "learns", "guesses", "slips"))


def _model_from_coef(values):
    m = _native.BktModel()
    for skill, v in values.items():
        m.set_skill(skill, _params_from_coef(v))
    return m


def simulate(model, learners=100, opportunities=20, seed=1):
    """Draws a response log from BKT parameters: `model` is a fitted Model, a native model, or
    {skill: {"prior", "learn", "guess", "slip", "forget"}}. Every learner practises every skill
    `opportunities` times. Returns a DataFrame (user_id, skill_name, correct, order_id) that
    Model.fit takes as it is. The same seed gives the same log."""
    _need_pandas("simulate")
    if isinstance(model, Model):
        native = model.native
    elif isinstance(model, dict):
        native = _native.BktModel()
        for skill, p in model.items():
            native.set_skill(skill, p)
    else:
        native = model
    log = _native.simulate_log(native, int(learners), int(opportunities), int(seed))
    cols = log.columns()
    return pd.DataFrame({
        "user_id": np.asarray(cols["learners"], dtype=object)[cols["learner"]],
        "skill_name": np.asarray(cols["skills"], dtype=object)[cols["skill"]],
        "correct": cols["correct"].astype(np.int64),
        "order_id": np.arange(1, log.size + 1, dtype=np.int64),
    })
