"""A small convolutional network on digits, with TensorBoard summaries and the graph.

    conv 3x3 (relu, 16) -> maxpool 2x2 -> fully_connected (relu, 64) -> fully_connected -> logits

It writes, as a TF1 program does, scalars (loss, accuracy), histograms (every weight and the
logits), images (a few inputs) and a text note through `tf.summary.merge_all()` every
--summary-every steps, and the graph through `tf.summary.FileWriter(logdir, sess.graph)`.
Needs the optional extra: pip install -e '.[tensorboard]'. Then look at it with

    python examples/summaries_digits.py --logdir /tmp/digits_logs
    tensorboard --logdir /tmp/digits_logs
"""

import argparse
import os
import tempfile
import time

import flowjit as tf
from flowjit.examples.tutorials.mnist import input_data


def build_model(x, is_training):
    """The network, one name scope per layer so TensorBoard's graph shows them as boxes."""
    net = tf.contrib.layers.conv2d(x, 16, kernel_size=[3, 3], scope="conv1")
    net = tf.contrib.layers.max_pool2d(net, kernel_size=[2, 2], scope="pool1")
    net = tf.contrib.layers.flatten(net, scope="flatten")
    net = tf.contrib.layers.fully_connected(net, 64, activation_fn=tf.nn.relu, scope="fc1")
    net = tf.contrib.layers.dropout(net, 0.8, is_training=is_training, scope="dropout")
    return tf.contrib.layers.linear(net, 10, scope="logits")


def add_summaries(images, logits, loss, accuracy):
    """TF1's summary ops on the model; all land in GraphKeys.SUMMARIES for merge_all.

    A tag is its op's scoped name, made unique as TF does: a weight's histogram named after the
    variable (`conv1/weights`) is tagged `conv1/weights_1`, the variable holding the name."""
    tf.summary.image("digits", images, max_outputs=3)
    for var in tf.trainable_variables():
        tf.summary.histogram(var.op.name, var)
    tf.summary.histogram("outputs", logits)
    with tf.name_scope("metrics"):
        tf.summary.scalar("loss", loss)
        tf.summary.scalar("accuracy", accuracy)
    tf.summary.text("about", tf.constant("A small CNN on scikit-learn's 8x8 digits, written by flowjit."))
    return tf.summary.merge_all()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logdir", default=None, help="where the event file goes (default: a new temp folder)")
    parser.add_argument("--steps", type=int, default=300, help="training steps")
    parser.add_argument("--summary-every", type=int, default=10, help="steps between merged summaries")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--backend", default=None, help="flowjit backend (default: the LLVM cpu backend)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.summary_every < 1:
        parser.error(f"--summary-every must be at least 1, got {args.summary_every}")
    logdir = args.logdir or tempfile.mkdtemp(prefix="flowjit_digits_")

    data = input_data.load_digits(image_shape="nhwc")
    height, width = data.train.images.shape[1:3]

    tf.reset_default_graph()
    tf.set_random_seed(args.seed)
    with tf.name_scope("input"):
        x = tf.placeholder(tf.float32, [None, height, width, 1], name="x")
        y = tf.placeholder(tf.int64, [None], name="y")
        is_training = tf.placeholder_with_default(True, [], name="is_training")
    logits = build_model(x, is_training)
    with tf.name_scope("loss"):
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    with tf.name_scope("train"):
        train_op = tf.train.AdamOptimizer(args.learning_rate).minimize(loss)
    with tf.name_scope("accuracy"):
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))
    merged = add_summaries(x, logits, loss, accuracy)

    sess = tf.Session(backend=args.backend)
    writer = tf.summary.FileWriter(logdir, sess.graph)
    sess.run(tf.global_variables_initializer())
    started = time.time()
    loss_v = float("nan")
    for step in range(1, args.steps + 1):
        xb, yb = data.train.next_batch(args.batch_size)
        feed = {x: xb, y: yb}
        if step % args.summary_every == 0 or step == 1:
            summary, _, loss_v = sess.run([merged, train_op, loss], feed_dict=feed)
            writer.add_summary(summary, global_step=step)
            if not args.quiet:
                print(f"step {step:5d}  loss {float(loss_v):.4f}")
        else:
            _, loss_v = sess.run([train_op, loss], feed_dict=feed)
    seconds = time.time() - started
    test_acc = float(sess.run(accuracy, feed_dict={x: data.test.images, y: data.test.labels, is_training: False}))
    writer.close()
    sess.close()
    print(f"trained {args.steps} steps in {seconds:.1f} s; test accuracy {test_acc:.4f}")
    print(f"summaries and the graph are in {logdir}; to look at them run:\n"
          f"    tensorboard --logdir {logdir}\n"
          f"and open http://localhost:6006/")
    return {"logdir": logdir, "steps": args.steps, "loss": float(loss_v), "test_accuracy": test_acc,
            "seconds": seconds, "event_files": sorted(
                os.path.join(logdir, name) for name in os.listdir(logdir) if "tfevents" in name)}


if __name__ == "__main__":
    main()
