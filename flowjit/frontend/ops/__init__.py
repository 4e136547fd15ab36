"""The op wrappers (`tf.add`, `tf.reshape`, `tf.nn.*`, ...), initializers, control flow and variables."""
