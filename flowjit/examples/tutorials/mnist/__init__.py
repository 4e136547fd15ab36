"""`from flowjit.examples.tutorials.mnist import input_data`, as in TF1's MNIST tutorials."""
