"""Pathwise for Python: Bayesian Knowledge Tracing fitted by the Pathwise C++ library.

``from pathwise import Model`` is meant to replace ``from pyBKT.models import Model``: the
same constructor arguments, ``fit``/``predict``/``evaluate``/``crossvalidate``, ``params()``
and ``coef_``. Beyond pyBKT: bounds and fixed values, the fit report, the readers' bad-row
report, ``simulate`` and the online ``Engine`` on SQLite or PostgreSQL stores.
See docs/python.md for the pyBKT -> Pathwise table.
"""

from ._errors import (BusyError, CorruptError, Error, InternalError, InvalidArgumentError,
                      IoError, ParseError, UnknownItemError, UnknownLearnerError,
                      UnknownSkillError, VersionError)
from . import _native
from ._model import Model, read_log, simulate
from ._engine import Alternative, Engine, Recommendation, synthetic_course

__version__ = _native.version

__all__ = ["Model", "Engine", "Recommendation", "Alternative", "read_log", "simulate",
           "synthetic_course", "Error", "InvalidArgumentError", "ParseError", "IoError",
           "UnknownSkillError", "UnknownItemError", "UnknownLearnerError", "VersionError",
           "InternalError", "BusyError", "CorruptError"]
