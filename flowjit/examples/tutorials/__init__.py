"""TF1's `tensorflow.examples.tutorials` home: the tutorials' data helpers."""
