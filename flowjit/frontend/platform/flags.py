"""`tf.flags`: absl flags behind TF1's lazily parsing FLAGS wrapper.

TF1 wraps `absl.flags.FLAGS` so reading a flag before anything parsed parses `sys.argv`
(absl alone raises); `tf.app.run` parses first with `known_only=True`. This module wraps the
one process-wide absl FlagValues, so flags defined here and by absl code are the same flags.
"""

from __future__ import annotations

import functools
import logging as _logging
import sys
from typing import Any, Callable

from absl import flags as _absl_flags

__all__ = ["FLAGS", "DEFINE_string", "DEFINE_integer", "DEFINE_float", "DEFINE_boolean", "DEFINE_bool",
           "DEFINE_enum", "DEFINE_list", "DEFINE_multi_string", "DEFINE_multi_integer", "DEFINE_multi_float",
           "DEFINE_multi_enum", "DEFINE_spaceseplist", "DEFINE_alias", "mark_flag_as_required",
           "mark_flags_as_required", "FlagValues", "Error", "IllegalFlagValueError", "UnrecognizedFlagError",
           "ValidationError", "register_validator"]

_RENAMED_ARGUMENTS = {"flag_name": "name", "default_value": "default", "docstring": "help"}


def _accept_old_names(define: Callable[..., Any]) -> Callable[..., Any]:
    """Lets a DEFINE_* take TF1's old keywords (flag_name, default_value, docstring)."""

    @functools.wraps(define)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        renamed = False
        for old, new in _RENAMED_ARGUMENTS.items():
            if old in kwargs:
                kwargs[new] = kwargs.pop(old)
                renamed = True
        if renamed:
            _logging.getLogger("flowjit").warning(
                "Use of the keyword argument names (flag_name, default_value, docstring) is deprecated, "
                "please use (name, default, help) instead.")
        return define(*args, **kwargs)

    return wrapper


DEFINE_string = _accept_old_names(_absl_flags.DEFINE_string)
DEFINE_integer = _accept_old_names(_absl_flags.DEFINE_integer)
DEFINE_float = _accept_old_names(_absl_flags.DEFINE_float)
DEFINE_boolean = _accept_old_names(_absl_flags.DEFINE_boolean)
DEFINE_bool = DEFINE_boolean
DEFINE_enum = _absl_flags.DEFINE_enum
DEFINE_list = _absl_flags.DEFINE_list
DEFINE_multi_string = _absl_flags.DEFINE_multi_string
DEFINE_multi_integer = _absl_flags.DEFINE_multi_integer
DEFINE_multi_float = _absl_flags.DEFINE_multi_float
DEFINE_multi_enum = _absl_flags.DEFINE_multi_enum
DEFINE_spaceseplist = _absl_flags.DEFINE_spaceseplist
DEFINE_alias = _absl_flags.DEFINE_alias
mark_flag_as_required = _absl_flags.mark_flag_as_required
mark_flags_as_required = _absl_flags.mark_flags_as_required
register_validator = _absl_flags.register_validator
FlagValues = _absl_flags.FlagValues
Error = _absl_flags.Error
IllegalFlagValueError = _absl_flags.IllegalFlagValueError
UnrecognizedFlagError = _absl_flags.UnrecognizedFlagError
ValidationError = _absl_flags.ValidationError


class _FlagValuesWrapper:
    """Forwards to absl's FlagValues; reading a flag before parsing parses `sys.argv` first.

    absl raises UnparsedFlagAccessError there; TF1 parses implicitly (strictly: an unknown
    flag in `sys.argv` is an error then, as in TF).
    """

    def __init__(self, flags_object: Any) -> None:
        self.__dict__["__wrapped"] = flags_object

    def __getattribute__(self, name: str) -> Any:
        if name == "__dict__":
            return super().__getattribute__(name)
        return self.__dict__["__wrapped"].__getattribute__(name)

    def __getattr__(self, name: str) -> Any:
        wrapped = self.__dict__["__wrapped"]
        if not wrapped.is_parsed():
            wrapped(sys.argv)
        return wrapped.__getattr__(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self.__dict__["__wrapped"].__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        self.__dict__["__wrapped"].__delattr__(name)

    def __dir__(self) -> list[str]:
        return self.__dict__["__wrapped"].__dir__()

    def __getitem__(self, name: str) -> Any:
        return self.__dict__["__wrapped"].__getitem__(name)

    def __setitem__(self, name: str, flag: Any) -> None:
        self.__dict__["__wrapped"].__setitem__(name, flag)

    def __len__(self) -> int:
        return self.__dict__["__wrapped"].__len__()

    def __iter__(self) -> Any:
        return self.__dict__["__wrapped"].__iter__()

    def __contains__(self, name: str) -> bool:
        return self.__dict__["__wrapped"].__contains__(name)

    def __str__(self) -> str:
        return self.__dict__["__wrapped"].__str__()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__dict__["__wrapped"].__call__(*args, **kwargs)


FLAGS = _FlagValuesWrapper(_absl_flags.FLAGS)
