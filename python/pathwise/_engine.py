"""pathwise.Engine: the online engine (record, recommend, profiles) on a Pathwise store."""

import datetime as _dt
import json
import math
import numbers
import time as _time
from dataclasses import dataclass, field
from typing import List, Optional

from . import _native
from ._errors import InvalidArgumentError, IoError, ParseError, UnknownSkillError

try:
    import pandas as pd
except ImportError:  # pragma: no cover
    pd = None


@dataclass
class Alternative:
    """Another item the policy considered."""
    item: str
    skill: str
    p_correct: float


@dataclass
class Recommendation:
    """The next step for a learner: the item (empty for 'done'), the skill it is about, the
    reason (remediate, practice, challenge, review, prerequisite, done, help), a sentence with
    the numbers behind it, the predicted P(correct) and the runner-up items."""
    item: str
    skill: str
    reason: str
    explanation: str
    p_correct: float
    alternatives: List[Alternative] = field(default_factory=list)


# The library's limit on a time: |ms| <= INT64_MAX / 1000 (so that microseconds fit).
_MAX_MS = 9223372036854


def _millis(t, name="time"):
    """A time argument -> milliseconds since the Unix epoch. None: now. A datetime without a
    time zone is taken as UTC; a number is seconds since the epoch. NaN, NaT, infinities and
    times outside the library's range raise InvalidArgumentError naming the field."""
    if t is None:
        return int(_time.time() * 1000)
    if isinstance(t, _dt.datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=_dt.timezone.utc)
        try:
            seconds = t.timestamp()
        except (ValueError, OverflowError):  # pandas.NaT, or a year the platform cannot convert
            raise InvalidArgumentError("%s is not a valid datetime (NaT?)" % name,
                                       field=name) from None
    elif isinstance(t, numbers.Real) and not isinstance(t, bool):
        seconds = float(t)
    else:
        raise InvalidArgumentError("a time is a datetime, seconds since the epoch, or None (now)",
                                   field=name)
    if not math.isfinite(seconds):
        raise InvalidArgumentError("%s must be a finite number of seconds, got %r"
                                   % (name, seconds), field=name)
    if abs(seconds) * 1000 > _MAX_MS:
        raise InvalidArgumentError("%s %.6g s is outside the representable range (|ms| <= %d)"
                                   % (name, seconds, _MAX_MS), field=name)
    return int(round(seconds * 1000))


def _id(value, name):
    """A learner or item id for the extension: a str (or UTF-8 bytes). Checked here so that a
    wrong type or an unencodable string never reaches pybind11, whose TypeError would echo the
    arguments, the learner id among them."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if not isinstance(value, str):
        raise TypeError("%s id must be a str, got %s" % (name, type(value).__name__))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgumentError("%s id is not valid UTF-8 (it holds a lone surrogate)" % name,
                                   field=name) from None
    if name == "item" and "\0" in value:
        raise InvalidArgumentError("item id contains a NUL byte", field="item")
    return value


def _curriculum_json(curriculum):
    if isinstance(curriculum, str):
        if curriculum.lstrip().startswith("{"):
            return curriculum
        try:
            with open(curriculum, encoding="utf-8") as f:
                return f.read()
        except UnicodeDecodeError as e:
            raise ParseError("curriculum file is not valid UTF-8 (byte %d)" % (e.start + 1),
                             file=curriculum) from None
        except OSError as e:
            raise IoError("cannot open the curriculum file: %s" % (e.strerror or e),
                          file=curriculum) from None
    if not isinstance(curriculum, dict):
        raise TypeError("curriculum is a dict, its JSON text or a file path, got %s"
                        % type(curriculum).__name__)
    try:
        return json.dumps(curriculum, allow_nan=False)
    except RecursionError:
        raise ParseError("curriculum nested too deeply", file="curriculum") from None
    except ValueError as e:  # NaN or infinity, or a circular reference
        raise ParseError("curriculum cannot be written as JSON: %s" % e,
                         file="curriculum") from None
    except TypeError as e:  # a value json cannot write (a set, a datetime, ...)
        raise ParseError("curriculum cannot be written as JSON: %s" % e,
                         file="curriculum") from None


def _native_model(model):
    from ._model import Model
    if isinstance(model, Model):
        return model.native
    if isinstance(model, str):
        if model.lstrip().startswith("{"):
            return _native.BktModel.from_json(model, "model")
        return _native.BktModel.load(model)
    if not isinstance(model, _native.BktModel):
        raise TypeError("model is a fitted Model, model JSON text or a file path, got %s"
                        % type(model).__name__)
    return model


class Engine:
    """Records responses, keeps learner profiles in a store and recommends the next item.

    Engine(curriculum, model, store="memory:", policy=None, store_options=None, options=None)

    * curriculum: the curriculum JSON (a dict, its text, or a file path).
    * model: a fitted Model, model JSON text or a file path (`pathwise fit -o`).
    * store: "memory:", "sqlite:PATH" (or a path), "postgresql://..." — any number of engines
      in any number of processes may share one SQLite file or PostgreSQL database.
    * policy: sequencer settings, e.g. {"target_success": 0.85, "mastery_threshold": 0.95}.
    * store_options: {"busy_timeout_ms", "keep_responses", "sync_to_disk", "pool_size",
      "synchronous_commit"}; options: {"cache_learners", "reorder_tolerance_ms",
      "max_future_ms", "check_clock"}.

    Errors are pathwise.Error subclasses; BusyError means nothing changed: retry. The GIL is
    released during each store operation, so Python threads may share one engine.
    """

    def __init__(self, curriculum, model, store="memory:", policy=None, store_options=None,
                 options=None):
        self._engine = _native.Engine(_curriculum_json(curriculum), _native_model(model),
                                      str(store), dict(policy or {}), dict(store_options or {}),
                                      dict(options or {}))

    def record(self, learner, item, correct, time=None):
        """Applies a response (correct: bool or 0/1) to the learner's profile and stores it in
        one store transaction. time: a datetime, seconds since the epoch, or None (now)."""
        try:
            ok = correct in (0, 1, True, False)
        except (TypeError, ValueError):  # an array: its truth value is ambiguous
            raise TypeError("correct is one bool or 0/1, got %s" % type(correct).__name__) from None
        if not ok:
            raise InvalidArgumentError("correct must be 0 or 1 (or a bool)", field="correct")
        self._engine.record(_id(learner, "learner"), _id(item, "item"), bool(correct),
                            _millis(time))

    def recommend(self, learner, now=None) -> Optional[Recommendation]:
        """What the learner should do next, or None if the curriculum is empty."""
        r = self._engine.recommend(_id(learner, "learner"), _millis(now, "now"))
        if r is None:
            return None
        item, skill, reason, explanation, p_correct, alternatives = r
        return Recommendation(item, skill, reason, explanation, p_correct,
                              [Alternative(*a) for a in alternatives])

    def profile(self, learner):
        """The learner's profile document as a dict (skills with p_known, attempts, ...); a
        learner with nothing stored gets the fresh profile."""
        return json.loads(self._engine.profile_json(_id(learner, "learner")))

    def mastery(self, learner, skill):
        """P(known) of one skill."""
        skills = self.profile(learner)["skills"]
        if not isinstance(skill, str) or skill not in skills:
            raise UnknownSkillError("unknown skill %r" % (skill,), field="skill")
        return skills[skill]["p_known"]

    def set_goals(self, learner, skills):
        """Sets the learner's target skills (empty: the whole curriculum)."""
        if isinstance(skills, (str, bytes)):
            raise TypeError("skills is a list of skill ids, not one string")
        self._engine.set_goals(_id(learner, "learner"),
                               [_id(k, "skill") for k in skills])

    def class_summary(self):
        """Per-skill mastery over every stored learner, as a DataFrame indexed by skill
        (learners, mastered, mean, and the histogram bands p0_20 ... p80_100). df.attrs holds
        the totals (learners, damaged)."""
        s = json.loads(self._engine.class_summary_json())
        if pd is None:
            return s
        bands = ["p0_20", "p20_40", "p40_60", "p60_80", "p80_100"]
        rows = []
        for k in s["skills"]:
            row = {"skill": k["skill"], "learners": k["learners"], "mastered": k["mastered"],
                   "mean": k["mean"]}
            row.update(dict(zip(bands, k["histogram"])))
            rows.append(row)
        df = pd.DataFrame(rows, columns=["skill", "learners", "mastered", "mean"] + bands)
        df = df.set_index("skill")
        df.attrs["learners"] = s["learners"]
        df.attrs["damaged"] = s["damaged"]
        return df

    def export(self, learner):
        """Everything held on the learner (profile and responses) as a dict; raises
        UnknownLearnerError if nothing is stored."""
        return json.loads(self._engine.export_learner(_id(learner, "learner")))

    def erase(self, learner):
        """Removes the learner from the store; True if anything was held."""
        return self._engine.erase_learner(_id(learner, "learner"))


def synthetic_course():
    """The library's small built-in course: (curriculum dict, model) for demos and tests."""
    curriculum, model = _native.synthetic_course()
    return json.loads(curriculum), model
