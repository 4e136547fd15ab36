"""The public TF names flowjit offers, walked from `import flowjit as tf` (shared by the frozen
list's test and its regeneration: `python tests/public_api.py > tests/data/public_names.txt`)."""

from __future__ import annotations

import types

INTERNAL = {"compiler", "frontend", "ir", "passes", "runtime"}  # implementation, not TF's API


def public_names() -> list[str]:
    import flowjit

    names: list[str] = []

    def walk(mod: types.ModuleType, prefix: str, depth: int) -> None:
        for name in sorted(dir(mod)):
            if name.startswith("_") or (depth == 0 and name in INTERNAL):
                continue
            value = getattr(mod, name)
            if isinstance(value, types.ModuleType) and not value.__name__.startswith("flowjit"):
                continue  # numpy and friends imported by a namespace module
            if isinstance(value, types.ModuleType) and depth and "ir" in value.__name__.split("."):
                continue  # an implementation module imported by an implementation namespace
            if getattr(value, "__module__", None) in ("typing", "__future__") or name == "annotations":
                continue  # type-hint helpers of modules without __all__
            names.append(prefix + name)
            if isinstance(value, types.ModuleType) and depth < 2:
                walk(value, prefix + name + ".", depth + 1)

    walk(flowjit, "tf.", 0)
    return names


if __name__ == "__main__":
    print("\n".join(public_names()))
