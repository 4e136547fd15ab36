"""Lexical facts the printer and the parser of the IR text share (see text/__init__.py)."""

from __future__ import annotations

import re

import numpy as np

from ..dtypes import ALL_DTYPES

BARE_NAME = re.compile(r"[A-Za-z0-9_.\-/>]+\Z")
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
RESERVED_WORDS = frozenset({"inf", "nan"})  # lexed as numbers: quote them when used as keys
CANONICAL_NAN64 = 0x7FF8000000000000
DTYPE_BY_NAME = {d.name: d for d in ALL_DTYPES}
UINT_OF_SIZE = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
