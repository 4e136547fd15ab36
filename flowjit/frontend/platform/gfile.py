"""`tf.gfile` and `tf.io.gfile` on the local filesystem, raising TF's error classes.

TF turns OS errors into `tf.errors` (a missing file is NotFoundError, an existing one
AlreadyExistsError, ...); programs catch those, so every call here maps `OSError` the same way.
"""

from __future__ import annotations

import contextlib
import errno
import glob as _glob
import os
import shutil
from typing import Any, Iterator

from ...ir import errors

__all__ = ["Exists", "MakeDirs", "MkDir", "DeleteRecursively", "Remove", "Rename", "Copy", "Glob", "GFile",
           "FastGFile", "Open", "ListDirectory", "IsDirectory", "Stat", "Walk", "FileStatistics",
           "exists", "makedirs", "mkdir", "rmtree", "remove", "rename", "copy", "glob", "listdir", "isdir",
           "stat", "walk"]

_ERRNO_CLASSES: dict[int, type[errors.OpError]] = {
    errno.ENOENT: errors.NotFoundError, errno.ENOTDIR: errors.FailedPreconditionError,
    errno.EEXIST: errors.AlreadyExistsError, errno.EACCES: errors.PermissionDeniedError,
    errno.EPERM: errors.PermissionDeniedError, errno.ENOTEMPTY: errors.FailedPreconditionError,
    errno.EISDIR: errors.FailedPreconditionError, errno.ENOSPC: errors.ResourceExhaustedError,
}


def _path(path: Any) -> str:
    if isinstance(path, bytes):
        return path.decode("utf-8")
    if isinstance(path, (str, os.PathLike)):
        return os.fspath(path)
    raise TypeError(f"gfile expected a path (str, bytes or os.PathLike), got {type(path).__name__}")


@contextlib.contextmanager
def _os_errors(what: str, path: str) -> Iterator[None]:
    """Re-raises an OSError as the `tf.errors` class TF gives it."""
    try:
        yield
    except OSError as e:
        cls = _ERRNO_CLASSES.get(e.errno or 0, errors.UnknownError)
        raise cls(None, None, f"{path}; {e.strerror or e}: {what}") from e


class FileStatistics:
    """What `Stat` returns: TF's length, mtime_nsec and is_directory."""

    def __init__(self, length: int, mtime_nsec: int, is_directory: bool) -> None:
        self.length = length
        self.mtime_nsec = mtime_nsec
        self.is_directory = is_directory

    def __repr__(self) -> str:
        return f"FileStatistics(length={self.length}, mtime_nsec={self.mtime_nsec}, is_directory={self.is_directory})"


_MODES = ("r", "w", "a", "rb", "wb", "ab", "r+", "w+", "a+", "r+b", "w+b", "a+b")


class GFile:
    """A file object as TF's GFile: text or bytes by mode, TF's errors, `size()`."""

    def __init__(self, name: Any, mode: str = "r") -> None:
        if mode not in _MODES:
            raise errors.InvalidArgumentError(None, None, "mode is not 'r' or 'w' or 'a' or 'r+' or 'w+' or 'a+'")
        self.__name = _path(name)
        self.__mode = mode
        self.__file: Any = None  # opened on first use: TF's GFile raises NotFoundError at the read

    @property
    def _file(self) -> Any:
        if self.__file is None:
            with _os_errors("opening file", self.__name):
                if "r" in self.__mode and not os.path.exists(self.__name):
                    raise FileNotFoundError(errno.ENOENT, "No such file or directory")
                kwargs = {} if "b" in self.__mode else {"encoding": "utf-8"}
                self.__file = open(self.__name, self.__mode, **kwargs)
        return self.__file

    @property
    def name(self) -> str:
        return self.__name

    @property
    def mode(self) -> str:
        return self.__mode

    def size(self) -> int:
        if self.__file is not None:
            self.__file.flush()
        with _os_errors("getting file size", self.__name):
            return os.path.getsize(self.__name)

    def read(self, n: int = -1) -> Any:
        with _os_errors("reading file", self.__name):
            return self._file.read(n)

    def readline(self) -> Any:
        return self._file.readline()

    def readlines(self) -> list[Any]:
        return self._file.readlines()

    def write(self, file_content: Any) -> None:
        if "b" in self.__mode and isinstance(file_content, str):
            file_content = file_content.encode("utf-8")
        elif "b" not in self.__mode and isinstance(file_content, bytes):
            file_content = file_content.decode("utf-8")
        with _os_errors("writing file", self.__name):
            self._file.write(file_content)

    def seek(self, offset: int | None = None, whence: int = 0, position: int | None = None) -> int:
        if position is not None:
            offset = position
        return self._file.seek(0 if offset is None else offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if self.__file is not None:
            self.__file.close()
            self.__file = None

    def __iter__(self) -> Iterator[Any]:
        return iter(self._file)

    def __next__(self) -> Any:
        return next(self._file)

    def __enter__(self) -> "GFile":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


FastGFile = GFile
Open = GFile


def exists(path: Any) -> bool:
    return os.path.exists(_path(path))


def isdir(path: Any) -> bool:
    return os.path.isdir(_path(path))


def makedirs(path: Any) -> None:
    """Creates `path` and its parents; an existing directory is fine."""
    p = _path(path)
    with _os_errors("creating directory", p):
        os.makedirs(p, exist_ok=True)


def mkdir(path: Any) -> None:
    """Creates one directory; its parent must exist (NotFoundError). An existing path is fine, as in TF."""
    p = _path(path)
    with _os_errors("creating directory", p):
        try:
            os.mkdir(p)
        except FileExistsError:
            pass


def rmtree(path: Any) -> None:
    p = _path(path)
    with _os_errors("deleting directory recursively", p):
        if not os.path.exists(p):
            raise FileNotFoundError(errno.ENOENT, "No such file or directory")
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p)
        else:
            os.remove(p)


def remove(path: Any) -> None:
    p = _path(path)
    with _os_errors("deleting file", p):
        os.remove(p)


def rename(oldname: Any, newname: Any, overwrite: bool = False) -> None:
    old, new = _path(oldname), _path(newname)
    with _os_errors("renaming file", new):
        if not overwrite and os.path.exists(new):
            raise FileExistsError(errno.EEXIST, "File already exists")
        if not os.path.exists(old):
            raise FileNotFoundError(errno.ENOENT, "No such file or directory")
        os.replace(old, new)


def copy(oldpath: Any, newpath: Any, overwrite: bool = False) -> None:
    old, new = _path(oldpath), _path(newpath)
    with _os_errors("copying file", new):
        if not overwrite and os.path.exists(new):
            raise FileExistsError(errno.EEXIST, "File already exists")
        if not os.path.exists(old):
            raise FileNotFoundError(errno.ENOENT, "No such file or directory")
        shutil.copyfile(old, new)


def glob(pattern: Any) -> list[str]:
    """Paths matching `pattern` (a string or a list of them), sorted."""
    patterns = pattern if isinstance(pattern, (list, tuple)) else [pattern]
    found: list[str] = []
    for p in patterns:
        found.extend(_glob.glob(_path(p)))
    return sorted(found)


def listdir(path: Any) -> list[str]:
    p = _path(path)
    with _os_errors("listing directory", p):
        if not os.path.isdir(p):
            raise FileNotFoundError(errno.ENOENT, "Could not find directory")
        return sorted(os.listdir(p))


def stat(path: Any) -> FileStatistics:
    p = _path(path)
    with _os_errors("stat", p):
        st = os.stat(p)
    return FileStatistics(int(st.st_size), int(st.st_mtime_ns), os.path.isdir(p))


def walk(top: Any, topdown: bool = True, onerror: Any = None) -> Iterator[tuple[str, list[str], list[str]]]:
    """Like os.walk, listing entries sorted; a missing `top` yields nothing."""
    for root, dirs, files in os.walk(_path(top), topdown=topdown, onerror=onerror):
        dirs.sort()
        yield root, list(dirs), sorted(files)


Exists = exists
IsDirectory = isdir
MakeDirs = makedirs
MkDir = mkdir
DeleteRecursively = rmtree
Remove = remove
Rename = rename
Copy = copy
Glob = glob
ListDirectory = listdir
Stat = stat
Walk = walk
