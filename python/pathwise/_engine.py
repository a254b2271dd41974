"""pathwise.Engine: the online engine (record, recommend, profiles) on a Pathwise store."""

import datetime as _dt
import json
import numbers
import time as _time
from dataclasses import dataclass, field
from typing import List, Optional

from . import _native
from ._errors import InvalidArgumentError

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


def _millis(t):
    """A time argument -> milliseconds since the Unix epoch. None: now. A datetime without a
    time zone is taken as UTC; a number is seconds since the epoch."""
    if t is None:
        return int(_time.time() * 1000)
    if isinstance(t, _dt.datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=_dt.timezone.utc)
        return int(round(t.timestamp() * 1000))
    if isinstance(t, numbers.Real) and not isinstance(t, bool):
        return int(round(float(t) * 1000))
    raise InvalidArgumentError("a time is a datetime, seconds since the epoch, or None (now)",
                               field="time")


def _curriculum_json(curriculum):
    if isinstance(curriculum, str):
        if curriculum.lstrip().startswith("{"):
            return curriculum
        with open(curriculum, encoding="utf-8") as f:
            return f.read()
    return json.dumps(curriculum)


def _native_model(model):
    from ._model import Model
    if isinstance(model, Model):
        return model.native
    if isinstance(model, str):
        if model.lstrip().startswith("{"):
            return _native.BktModel.from_json(model, "model")
        return _native.BktModel.load(model)
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
        if correct not in (0, 1, True, False):
            raise InvalidArgumentError("correct must be 0 or 1 (or a bool)", field="correct")
        self._engine.record(learner, item, bool(correct), _millis(time))

    def recommend(self, learner, now=None) -> Optional[Recommendation]:
        """What the learner should do next, or None if the curriculum is empty."""
        r = self._engine.recommend(learner, _millis(now))
        if r is None:
            return None
        item, skill, reason, explanation, p_correct, alternatives = r
        return Recommendation(item, skill, reason, explanation, p_correct,
                              [Alternative(*a) for a in alternatives])

    def profile(self, learner):
        """The learner's profile document as a dict (skills with p_known, attempts, ...); a
        learner with nothing stored gets the fresh profile."""
        return json.loads(self._engine.profile_json(learner))

    def mastery(self, learner, skill):
        """P(known) of one skill."""
        return self.profile(learner)["skills"][skill]["p_known"]

    def set_goals(self, learner, skills):
        """Sets the learner's target skills (empty: the whole curriculum)."""
        self._engine.set_goals(learner, list(skills))

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
        return json.loads(self._engine.export_learner(learner))

    def erase(self, learner):
        """Removes the learner from the store; True if anything was held."""
        return self._engine.erase_learner(learner)


def synthetic_course():
    """The library's small built-in course: (curriculum dict, model) for demos and tests."""
    curriculum, model = _native.synthetic_course()
    return json.loads(curriculum), model
