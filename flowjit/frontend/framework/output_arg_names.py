"""TF's output argument names, which a FunctionDef's node inputs spell: `node:<arg>:<index>`.

Inside a FunctionDef TF names a node's output by its op def's output arg (`mul:z:0`, `neg:y:0`,
`split:output:1`, `unique:idx:0`); flowjit's registry numbers outputs only. The names come from
TF's op registry, written once into `output_arg_names.json` (only the ops whose outputs are not
the single arg `output`) by `python -m flowjit.frontend.framework.output_arg_names` with
TensorFlow installed; a test (marked tf) checks the file against TF.
"""

from __future__ import annotations

import functools
import json
import pathlib
from typing import Any

DATA = pathlib.Path(__file__).with_name("output_arg_names.json")


@functools.lru_cache(maxsize=1)
def table() -> dict[str, list[tuple[str, bool]]]:
    """TF op type -> its output args as (name, is_list), for ops not named just `output`."""
    raw = json.loads(DATA.read_text())
    if not isinstance(raw, dict):
        raise ValueError(f"{DATA} is not a JSON object of op -> output args")
    return {op: [(str(name), bool(is_list)) for name, is_list in args] for op, args in raw.items()}


def output_name(tf_op: str, index: int, num_outputs: int) -> str:
    """`<arg>:<k>`: output `index` of a node of TF op type `tf_op` with `num_outputs` outputs.
    A list arg takes what the single args leave; with several list args (rare), or an op TF does
    not know, the name falls back to `output:<index>`."""
    args = table().get(tf_op)
    if args is None:
        return f"output:{index}"
    lists = sum(1 for _, is_list in args if is_list)
    if lists > 1:
        return f"output:{index}"
    list_len = num_outputs - (len(args) - lists)
    k = index
    for name, is_list in args:
        width = list_len if is_list else 1
        if k < width:
            return f"{name}:{k}"
        k -= width
    return f"output:{index}"


def generate(op_types: Any) -> dict[str, list[list[Any]]]:
    """The table for `op_types` (TF op type names) from TensorFlow's op registry."""
    from tensorflow.python.framework import op_def_registry  # noqa: PLC0415 - dev-time only

    out: dict[str, list[list[Any]]] = {}
    for op in sorted(set(op_types)):
        op_def = op_def_registry.get(op)
        if op_def is None:
            continue
        args = [[a.name, bool(a.number_attr or a.type_list_attr)] for a in op_def.output_arg]
        if args != [["output", False]]:
            out[op] = args
    return out


def flowjit_tf_op_types() -> list[str]:
    """Every TF op type flowjit's registry can export (If/While also as Stateless*)."""
    from ...ir.registry import all_ops
    from . import graph_attrs

    names = {graph_attrs.TF_OP_NAMES.get(op, op) for op in all_ops()}
    return sorted(names | {"StatelessIf", "StatelessWhile"})


if __name__ == "__main__":
    DATA.write_text(json.dumps(generate(flowjit_tf_op_types()), indent=0, sort_keys=True) + "\n")
    print(f"wrote {DATA}")
