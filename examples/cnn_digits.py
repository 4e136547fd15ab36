"""The TensorFlow talk's convolutional network, written with tf.contrib.layers, on digits.

    conv 5x5 (relu) -> maxpool 2x2 -> conv 5x5 (relu) -> maxpool 2x2
      -> fully_connected (relu) -> dropout 0.5 -> fully_connected (linear) -> logits

By default it trains on scikit-learn's 8x8 handwritten digits (offline); with --mnist FOLDER it
reads MNIST IDX files (28x28).

    python examples/cnn_digits.py [--epochs 20] [--mnist ~/data/mnist]
"""

import argparse
import sys
import time

import flowjit as tf
from flowjit.examples.tutorials.mnist import input_data


def progress(step, total, loss, started, width=30, stream=sys.stdout):
    """One line `[#####.....] step/total loss`, redrawn in place on a terminal."""
    done = int(width * step / total)
    rate = step / max(time.time() - started, 1e-9)
    line = f"[{'#' * done}{'.' * (width - done)}] {step}/{total}  loss {loss:.4f}  {rate:.1f} steps/s"
    if stream.isatty():
        stream.write("\r" + line + ("\n" if step == total else ""))
    else:
        stream.write(line + "\n")
    stream.flush()


def build_model(x, is_training):
    net = tf.contrib.layers.conv2d(x, 32, kernel_size=[5, 5])
    net = tf.contrib.layers.max_pool2d(net, kernel_size=[2, 2])
    net = tf.contrib.layers.conv2d(net, 64, kernel_size=[5, 5])
    net = tf.contrib.layers.max_pool2d(net, kernel_size=[2, 2])
    net = tf.contrib.layers.flatten(net)
    net = tf.contrib.layers.fully_connected(net, 1024, activation_fn=tf.nn.relu)
    net = tf.contrib.layers.dropout(net, 0.5, is_training=is_training)
    logits = tf.contrib.layers.linear(net, 10)
    return logits


def evaluate(sess, accuracy, x, y, is_training, images, labels, batch=500):
    correct = 0.0
    for start in range(0, len(images), batch):
        xb, yb = images[start:start + batch], labels[start:start + batch]
        correct += float(sess.run(accuracy, feed_dict={x: xb, y: yb, is_training: False})) * len(xb)
    return correct / len(images)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=20, help="passes over the training set")
    parser.add_argument("--steps", type=int, default=None, help="training steps (overrides --epochs)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--mnist", default=None, help="folder with MNIST IDX files (default: sklearn digits)")
    parser.add_argument("--backend", default=None, help="flowjit backend (default: the LLVM cpu backend)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    if args.mnist:
        data = input_data.read_data_sets(args.mnist, reshape=False, validation_size=0)
    else:
        data = input_data.load_digits(image_shape="nhwc")
    height, width = data.train.images.shape[1:3]
    steps = args.steps if args.steps is not None else int(args.epochs * data.train.num_examples / args.batch_size)

    tf.reset_default_graph()
    tf.set_random_seed(args.seed)
    x = tf.placeholder(tf.float32, [None, height, width, 1], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
    is_training = tf.placeholder_with_default(True, [], name="is_training")
    logits = build_model(x, is_training)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    train_op = tf.train.AdamOptimizer(args.learning_rate).minimize(loss)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))

    sess = tf.Session(backend=args.backend)
    sess.run(tf.global_variables_initializer())
    started = time.time()
    report_every = max(1, steps // 20)
    loss_v = float("nan")
    for step in range(1, steps + 1):
        xb, yb = data.train.next_batch(args.batch_size)
        _, loss_v = sess.run([train_op, loss], feed_dict={x: xb, y: yb})
        if not args.quiet and (step % report_every == 0 or step == steps):
            progress(step, steps, float(loss_v), started)
    train_seconds = time.time() - started
    test_acc = evaluate(sess, accuracy, x, y, is_training, data.test.images, data.test.labels)
    sess.close()
    print(f"trained {steps} steps in {train_seconds:.1f} s; test accuracy {test_acc:.4f} "
          f"({len(data.test.images)} test images)")
    return {"test_accuracy": test_acc, "loss": float(loss_v), "steps": steps, "seconds": train_seconds}


if __name__ == "__main__":
    main()
