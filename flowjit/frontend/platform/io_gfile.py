"""`tf.io.gfile`: the TF2-style lower-case file API (exists, makedirs, GFile, ...)."""

from .gfile import (GFile, copy, exists, glob, isdir, listdir, makedirs, mkdir, remove, rename,  # noqa: F401
                    rmtree, stat, walk)

__all__ = ["GFile", "copy", "exists", "glob", "isdir", "listdir", "makedirs", "mkdir", "remove", "rename",
           "rmtree", "stat", "walk"]
