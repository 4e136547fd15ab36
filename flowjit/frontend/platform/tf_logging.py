"""`tf.logging`: TF1's logging functions on the Python logger named "flowjit".

The logger is "flowjit" (not "tensorflow") so flowjit's messages can be configured apart from a
real TensorFlow in the same process; the levels are Python's, which are TF's values
(DEBUG 10, INFO 20, WARN 30, ERROR 40, FATAL 50).
"""

from __future__ import annotations

import logging as _logging
import sys
import threading
from typing import Any, Hashable

__all__ = ["DEBUG", "INFO", "WARN", "ERROR", "FATAL", "debug", "info", "warning", "warn", "error", "fatal",
           "log", "log_every_n", "log_first_n", "log_if", "vlog", "set_verbosity", "get_verbosity",
           "get_logger", "TaskLevelStatusMessage", "flush"]

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = _logging.WARN
ERROR = _logging.ERROR
FATAL = _logging.FATAL

LOGGER_NAME = "flowjit"
_logger_lock = threading.Lock()
_logger: _logging.Logger | None = None
_counts: dict[Hashable, int] = {}


def get_logger() -> _logging.Logger:
    """The "flowjit" logger, given a stderr handler (as TF's) unless logging is configured."""
    global _logger
    if _logger is not None:
        return _logger
    with _logger_lock:
        if _logger is None:
            logger = _logging.getLogger(LOGGER_NAME)
            if not _logging.getLogger().handlers and not logger.handlers:
                handler = _logging.StreamHandler(sys.stderr)
                handler.setFormatter(_logging.Formatter(_logging.BASIC_FORMAT, None))
                logger.addHandler(handler)
                logger.propagate = False
            _logger = logger
    return _logger


def _check_level(level: Any) -> int:
    if isinstance(level, bool) or not isinstance(level, int):
        raise TypeError(f"tf.logging expected an integer level (DEBUG=10 ... FATAL=50), got {level!r}")
    return level


def log(level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().log(_check_level(level), msg, *args, **kwargs)


def debug(msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().debug(msg, *args, **kwargs)


def info(msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().info(msg, *args, **kwargs)


def warning(msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().warning(msg, *args, **kwargs)


def warn(msg: Any, *args: Any, **kwargs: Any) -> None:
    """TF1's deprecated spelling of `warning`."""
    get_logger().warning(msg, *args, **kwargs)


def error(msg: Any, *args: Any, **kwargs: Any) -> None:
    get_logger().error(msg, *args, **kwargs)


def fatal(msg: Any, *args: Any, **kwargs: Any) -> None:
    """Logs at FATAL; like TF's, it does not exit."""
    get_logger().fatal(msg, *args, **kwargs)


def vlog(level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
    """TF's vlog is plain `log(level, ...)`."""
    get_logger().log(_check_level(level), msg, *args, **kwargs)


def _caller_key() -> tuple[str, int]:
    """The file and line of the user's call, the key TF counts log_every_n/log_first_n by."""
    frame = sys._getframe(3)
    return frame.f_code.co_filename, frame.f_lineno


def _count_call(key: Hashable) -> int:
    with _logger_lock:
        count = _counts.get(key, 0)
        _counts[key] = count + 1
    return count


def _log_counted(level: int, msg: Any, should: Any, args: tuple[Any, ...]) -> None:
    count = _count_call(_caller_key())
    if should(count):
        log(level, msg, *args)


def log_every_n(level: int, msg: Any, n: int, *args: Any) -> None:
    """Logs the 1st, (n+1)-th, (2n+1)-th ... time this line is reached."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"log_every_n expected a positive integer n, got {n!r}")
    _log_counted(level, msg, lambda count: count % n == 0, args)


def log_first_n(level: int, msg: Any, n: int, *args: Any) -> None:
    """Logs only the first n times this line is reached."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"log_first_n expected an integer n, got {n!r}")
    _log_counted(level, msg, lambda count: count < n, args)


def log_if(level: int, msg: Any, condition: Any, *args: Any) -> None:
    if condition:
        log(level, msg, *args)


def get_verbosity() -> int:
    return get_logger().getEffectiveLevel()


def set_verbosity(v: int) -> None:
    get_logger().setLevel(_check_level(v))


def flush() -> None:
    for handler in get_logger().handlers:
        handler.flush()


def TaskLevelStatusMessage(msg: Any) -> None:  # noqa: N802 (TF's name)
    error(msg)
