"""Softmax regression on real handwritten digits (the TensorFlow beginners' MNIST tutorial).

By default the digits are scikit-learn's 1,797 8x8 scans (shipped offline); with
--mnist FOLDER the MNIST IDX files in FOLDER are used (train-images-idx3-ubyte[.gz], ...).

    python examples/softmax_digits.py [--steps 1000] [--mnist ~/data/mnist]
"""

import argparse

import flowjit as tf
from flowjit.examples.tutorials.mnist import input_data


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000, help="training steps")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=0.5)
    parser.add_argument("--mnist", default=None, help="folder with MNIST IDX files (default: sklearn digits)")
    parser.add_argument("--backend", default=None, help="flowjit backend (default: the LLVM cpu backend)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    if args.mnist:
        data = input_data.read_data_sets(args.mnist, one_hot=True, validation_size=0)
    else:
        data = input_data.load_digits(one_hot=True)
    n_pixels = data.train.images.shape[1]

    tf.reset_default_graph()
    # 1. Aggregate evidence in support of each class (digit)
    x = tf.placeholder(tf.float32, [None, n_pixels])
    W = tf.Variable(tf.zeros([n_pixels, 10]))
    b = tf.Variable(tf.zeros([10]))
    y = tf.matmul(x, W) + b
    # 2. Convert the evidence into a likelihood for each class (softmax, inside the loss)
    y_ = tf.placeholder(tf.float32, [None, 10])
    cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y))
    # 3. Train the weights to optimize the output probabilities
    train_step = tf.train.GradientDescentOptimizer(args.learning_rate).minimize(cross_entropy)

    correct_prediction = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

    sess = tf.Session(backend=args.backend)
    sess.run(tf.global_variables_initializer())
    report_every = max(1, args.steps // 10)
    for step in range(args.steps):
        batch_xs, batch_ys = data.train.next_batch(args.batch_size)
        _, loss_v = sess.run([train_step, cross_entropy], feed_dict={x: batch_xs, y_: batch_ys})
        if not args.quiet and (step % report_every == 0 or step == args.steps - 1):
            print(f"step {step:5d}  loss {loss_v:.4f}")
    test_acc = float(sess.run(accuracy, feed_dict={x: data.test.images, y_: data.test.labels}))
    train_acc = float(sess.run(accuracy, feed_dict={x: data.train.images, y_: data.train.labels}))
    sess.close()
    print(f"train accuracy {train_acc:.4f}   test accuracy {test_acc:.4f}  "
          f"({len(data.test.images)} test images)")
    return {"test_accuracy": test_acc, "train_accuracy": train_acc, "loss": float(loss_v)}


if __name__ == "__main__":
    main()
