"""Device strings: parsing and merging TF's `/job:ps/task:0/device:CPU:0` specs."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

_FIELD = re.compile(r"^(job|replica|task|device|cpu|gpu)?:?(.*)$", re.I)


@dataclass(frozen=True)
class DeviceSpec:
    """A parsed device name; unset fields are None (`tf.DeviceSpec`)."""

    job: str | None = None
    replica: int | None = None
    task: int | None = None
    device_type: str | None = None
    device_index: int | None = None

    @classmethod
    def from_string(cls, spec: str) -> "DeviceSpec":
        out = cls()
        for part in (p for p in spec.split("/") if p):
            key, _, rest = part.partition(":")
            low = key.lower()
            if low == "job":
                out = replace(out, job=rest)
            elif low == "replica":
                out = replace(out, replica=int(rest))
            elif low == "task":
                out = replace(out, task=int(rest))
            elif low == "device":
                dtype, _, index = rest.partition(":")
                out = replace(out, device_type=dtype.upper(),
                              device_index=None if index in ("", "*") else int(index))
            elif low in ("cpu", "gpu"):
                out = replace(out, device_type=low.upper(), device_index=None if rest in ("", "*") else int(rest))
            else:
                raise ValueError(f"Unknown attribute '{key}' in device specification {spec!r}")
        return out

    def merge_from(self, other: "DeviceSpec") -> "DeviceSpec":
        return DeviceSpec(*(o if o is not None else s for s, o in zip(
            (self.job, self.replica, self.task, self.device_type, self.device_index),
            (other.job, other.replica, other.task, other.device_type, other.device_index))))

    def to_string(self) -> str:
        parts = []
        if self.job is not None:
            parts.append(f"/job:{self.job}")
        if self.replica is not None:
            parts.append(f"/replica:{self.replica}")
        if self.task is not None:
            parts.append(f"/task:{self.task}")
        if self.device_type is not None:
            index = "*" if self.device_index is None else str(self.device_index)
            parts.append(f"/device:{self.device_type}:{index}")
        return "".join(parts)

    def __str__(self) -> str:
        return self.to_string()


def merge_device(outer: str, inner: str) -> str:
    """Inner device fields override outer ones, as nested `tf.device` blocks do."""
    if not inner:
        return outer
    if not outer:
        return DeviceSpec.from_string(inner).to_string()
    return DeviceSpec.from_string(outer).merge_from(DeviceSpec.from_string(inner)).to_string()
