"""pathwise.Error and its subclasses: what the C++ library's pathwise::Error becomes."""


class Error(Exception):
    """Bad input or a failed operation, with its place.

    Attributes:
        code: the kind of failure, one of "invalid_argument", "parse", "io", "unknown_skill",
            "unknown_item", "unknown_learner", "version", "internal", "busy", "corrupt".
        message: what was wrong, without the place.
        file: the file or source label ("<DataFrame>" for a data frame), or "".
        line: 1-based line (for a data frame: 1-based row position), or 0 if unknown.
        column: 1-based column (byte in the line), or 0 if unknown.
        field: the column, option or JSON key at fault, or "".

    str(error) starts with the place: "as.csv:12:40 (field 'correct'): ...". Learner ids
    never appear in messages.
    """

    code = "internal"

    def __init__(self, message, code=None, file="", line=0, column=0, field="", text=None):
        super().__init__(text if text is not None else message)
        if code is not None:
            self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field


class InvalidArgumentError(Error, ValueError):
    """A value outside its domain (an option, a probability, an empty log)."""
    code = "invalid_argument"


class ParseError(Error, ValueError):
    """Malformed input: a CSV row, a JSON document, a data frame's cell."""
    code = "parse"


class IoError(Error, OSError):
    """A file could not be opened, read or written."""
    code = "io"


class UnknownSkillError(Error, KeyError):
    """A skill the model or curriculum does not know."""
    code = "unknown_skill"

    def __str__(self):  # KeyError would quote the message
        return Exception.__str__(self)


class UnknownItemError(Error, KeyError):
    """An item the curriculum does not know."""
    code = "unknown_item"

    def __str__(self):
        return Exception.__str__(self)


class UnknownLearnerError(Error, KeyError):
    """A learner the engine holds nothing on."""
    code = "unknown_learner"

    def __str__(self):
        return Exception.__str__(self)


class VersionError(Error, ValueError):
    """A document written by a newer, incompatible version."""
    code = "version"


class InternalError(Error, RuntimeError):
    """A broken invariant inside Pathwise (a bug: please report it)."""
    code = "internal"


class BusyError(Error, RuntimeError):
    """The store stayed locked or its server is unreachable; nothing changed: retry."""
    code = "busy"


class CorruptError(Error, RuntimeError):
    """Stored data Pathwise cannot use; nothing changed (an operator must look)."""
    code = "corrupt"


_BY_CODE = {c.code: c for c in (InvalidArgumentError, ParseError, IoError, UnknownSkillError,
                                UnknownItemError, UnknownLearnerError, VersionError,
                                InternalError, BusyError, CorruptError)}


def _from_native(code, message, text, file, line, column, field):
    """Called by the extension to make the exception for a pathwise::Error."""
    code = code.replace(" ", "_")  # the library's to_string(ErrorCode) spells "unknown skill"
    cls = _BY_CODE.get(code, Error)
    return cls(message, code=code, file=file, line=line, column=column, field=field, text=text)

# Shown as pathwise.ParseError etc. in tracebacks: the public names.
for _cls in (Error,) + tuple(_BY_CODE.values()):
    _cls.__module__ = "pathwise"
del _cls
