"""TensorFlow's error classes (`tf.errors`), raised by every layer of flowjit.

They live in `ir` because they are the lowest layer everyone may import. Every error that
concerns a node names it, says what was expected, and points at the user's line that created
the node (`format_node_error`).
"""

from __future__ import annotations

from typing import Any

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """Base of all run-time errors; `node_def` and `op` name the failing node when known."""

    error_code = UNKNOWN

    def __init__(self, node_def: Any = None, op: Any = None, message: str = "", error_code: int | None = None) -> None:
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message
        if error_code is not None:
            self.error_code = error_code

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        return (type(self), (None, None, self.message))


def _make(name: str, code: int) -> type[OpError]:
    cls = type(name, (OpError,), {"error_code": code, "__doc__": f"TF's {name} (code {code})."})
    return cls


CancelledError = _make("CancelledError", CANCELLED)
UnknownError = _make("UnknownError", UNKNOWN)
InvalidArgumentError = _make("InvalidArgumentError", INVALID_ARGUMENT)
DeadlineExceededError = _make("DeadlineExceededError", DEADLINE_EXCEEDED)
NotFoundError = _make("NotFoundError", NOT_FOUND)
AlreadyExistsError = _make("AlreadyExistsError", ALREADY_EXISTS)
PermissionDeniedError = _make("PermissionDeniedError", PERMISSION_DENIED)
ResourceExhaustedError = _make("ResourceExhaustedError", RESOURCE_EXHAUSTED)
FailedPreconditionError = _make("FailedPreconditionError", FAILED_PRECONDITION)
AbortedError = _make("AbortedError", ABORTED)
OutOfRangeError = _make("OutOfRangeError", OUT_OF_RANGE)
UnimplementedError = _make("UnimplementedError", UNIMPLEMENTED)
InternalError = _make("InternalError", INTERNAL)
UnavailableError = _make("UnavailableError", UNAVAILABLE)
DataLossError = _make("DataLossError", DATA_LOSS)
UnauthenticatedError = _make("UnauthenticatedError", UNAUTHENTICATED)


class GraphBuildValueError(InvalidArgumentError, ValueError):
    """A shape rule rejected a node while the graph was built.

    TF1 raises ValueError there; flowjit's is also an InvalidArgumentError, so code written
    against either catches it.
    """


class GraphBuildTypeError(InvalidArgumentError, TypeError):
    """A dtype rule rejected a node while the graph was built (TF1 raises TypeError)."""


def describe_node(node: Any) -> str:
    """`node 'scope/name' (MatMul) created at file.py:12` -- the tail of every node error."""
    where = getattr(node, "source", None)
    text = f"node '{node.name}' ({node.op})"
    if where is not None:
        text += f" created at {where}"
    return text


def node_error(cls: type[OpError], node: Any, message: str) -> OpError:
    """Build an error of class `cls` that names `node` and the user's line that created it."""
    return cls(None, node, f"{message}\n  [[{describe_node(node)}]]")
