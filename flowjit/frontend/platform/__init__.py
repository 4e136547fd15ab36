"""Program scaffolding as TF1's `tensorflow/python/platform`: app, flags, logging, gfile."""
