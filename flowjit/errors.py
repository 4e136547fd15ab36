"""`tf.errors`: TensorFlow's error classes and codes."""

from .ir.errors import (ABORTED, ALREADY_EXISTS, CANCELLED, DATA_LOSS, DEADLINE_EXCEEDED,  # noqa: F401
                        FAILED_PRECONDITION, INTERNAL, INVALID_ARGUMENT, NOT_FOUND, OK, OUT_OF_RANGE,
                        PERMISSION_DENIED, RESOURCE_EXHAUSTED, UNAUTHENTICATED, UNAVAILABLE, UNIMPLEMENTED,
                        UNKNOWN, AbortedError, AlreadyExistsError, CancelledError, DataLossError,
                        DeadlineExceededError, FailedPreconditionError, GraphBuildTypeError, GraphBuildValueError,
                        InternalError, InvalidArgumentError, NotFoundError, OpError, OutOfRangeError,
                        PermissionDeniedError, ResourceExhaustedError, UnauthenticatedError, UnavailableError,
                        UnimplementedError, UnknownError)
