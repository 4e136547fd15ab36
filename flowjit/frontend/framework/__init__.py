"""Graph building: the default Graph, Tensor and Operation, function-body graphs, tracing."""
