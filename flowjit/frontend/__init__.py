"""The TF1 front end: building graphs, variables, sessions; exposed as `flowjit.*`."""
