"""Linear regression, as in the TensorFlow talk: find W and b in y = W * x + b.

The data come from the "mystery equation" y = 0.1 * x + 0.3 + noise; gradient descent on the
mean squared error recovers W ~ 0.1 and b ~ 0.3.

    python examples/linear_regression.py [--steps 201]
"""

import argparse

import numpy as np

import flowjit as tf


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=201, help="training steps")
    parser.add_argument("--backend", default=None, help="flowjit backend (default: the LLVM cpu backend)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    # Mystery equation: y = 0.1 * x + 0.3 + noise
    rng = np.random.RandomState(0)
    x_data = rng.rand(100).astype(np.float32)
    y_data = (0.1 * x_data + 0.3 + rng.normal(0.0, 0.01, size=100)).astype(np.float32)

    tf.reset_default_graph()
    tf.set_random_seed(0)
    x = tf.placeholder(shape=[None], dtype=tf.float32, name="x")
    y_label = tf.placeholder(shape=[None], dtype=tf.float32, name="y_label")
    W = tf.get_variable(shape=[], name="W")
    b = tf.get_variable(shape=[], name="b")
    y = W * x + b

    loss = tf.reduce_mean(tf.square(y - y_label))
    optimizer = tf.train.GradientDescentOptimizer(0.5)
    train = optimizer.minimize(loss)

    init_op = tf.initialize_all_variables()
    sess = tf.Session(backend=args.backend)
    sess.run(init_op)
    feed = {x: x_data, y_label: y_data}
    for step in range(args.steps):
        sess.run(train, feed_dict=feed)
        if not args.quiet and (step % 20 == 0 or step == args.steps - 1):
            loss_v, w_v, b_v = sess.run([loss, W, b], feed_dict=feed)
            print(f"step {step:4d}  loss {loss_v:.6f}  W {w_v:.4f}  b {b_v:.4f}")
    loss_v, w_v, b_v = sess.run([loss, W, b], feed_dict=feed)
    sess.close()
    print(f"learned y = {float(w_v):.4f} * x + {float(b_v):.4f}   (true: y = 0.1 * x + 0.3), loss {float(loss_v):.6f}")
    return {"W": float(w_v), "b": float(b_v), "loss": float(loss_v)}


if __name__ == "__main__":
    main()
