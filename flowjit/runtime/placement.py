"""Placement: give every node of a plan graph a concrete device, as TF1's placer does.

A node's requested device (from `tf.device`) is a partial spec; it is matched against the
devices this session has. With `allow_soft_placement` an unsatisfiable request falls back to
the default device (as TF does when a GPU is missing); without it the run fails with an
InvalidArgumentError naming the node, its request and the devices that exist.

This is step 5 of ARCHITECTURE.md; partitioning into per-device subgraphs joined by
Send/Recv builds on the assignment made here once more than one device can execute.
"""

from __future__ import annotations

from typing import Sequence

from ..ir import errors
from ..ir.device import DeviceSpec
from ..ir.graph import Graph

LOCAL_CPU = "/job:localhost/replica:0/task:0/device:CPU:0"


def matches(request: DeviceSpec, device: DeviceSpec) -> bool:
    return all(r is None or r == d for r, d in zip(
        (request.job, request.replica, request.task, request.device_type, request.device_index),
        (device.job, device.replica, device.task, device.device_type, device.device_index)))


def place(graph: Graph, devices: Sequence[str] = (LOCAL_CPU,), allow_soft_placement: bool = False) -> Graph:
    """Assign every node (nested bodies too) a device from `devices`; the first is the default."""
    parsed = [(d, DeviceSpec.from_string(d)) for d in devices]
    default = devices[0]
    cache: dict[str, str] = {"": default}

    def resolve(node) -> str:
        request = node.device
        if request in cache:
            return cache[request]
        try:
            spec = DeviceSpec.from_string(request)
        except ValueError as e:
            raise errors.node_error(errors.InvalidArgumentError, node, str(e)) from None
        for name, dev in parsed:
            if matches(spec, dev):
                cache[request] = name
                return name
        if allow_soft_placement:
            cache[request] = default
            return default
        raise errors.node_error(
            errors.InvalidArgumentError, node,
            f"Cannot assign a device for operation {node.name}: Could not satisfy explicit device specification "
            f"'{request}' because no supported kernel for that device is available. Available devices: "
            f"{list(devices)}. Set ConfigProto(allow_soft_placement=True) to place it on {default} instead.")

    def visit(g: Graph) -> None:
        for node in g:
            node.device = resolve(node)
            for attr in node.attrs.values():
                if isinstance(attr, Graph):
                    visit(attr)

    visit(graph)
    return graph
