"""`tf.gfile`: TF1's file API (Exists, MakeDirs, GFile, ...) on the local filesystem."""

from .frontend.platform.gfile import (Copy, DeleteRecursively, Exists, FastGFile, GFile, Glob,  # noqa: F401
                                      IsDirectory, ListDirectory, MakeDirs, MkDir, Open, Remove, Rename, Stat,
                                      Walk)

__all__ = ["Copy", "DeleteRecursively", "Exists", "FastGFile", "GFile", "Glob", "IsDirectory", "ListDirectory",
           "MakeDirs", "MkDir", "Open", "Remove", "Rename", "Stat", "Walk"]
