"""The seed talk's input pipeline with queues, feeding a softmax classifier on digits:

    filenames -> string_input_producer -> TFRecordReader -> parse_single_example
              -> preprocess (scale, random brightness jitter) -> shuffle_batch -> train step

The training data is first written as TFRecord shards of tf.train.Examples (as a TF1 program's
data preparation step would); QueueRunners read, decode and shuffle them on background threads
under a Coordinator while the main thread only runs the training step. The test set is read
back the same way with one epoch and `allow_smaller_final_batch`, until OutOfRangeError.

    python examples/queue_pipeline.py [--steps 600] [--shards 4] [--backend cpu]
"""

import argparse
import os
import tempfile

import numpy as np

import flowjit as tf
from flowjit.examples.tutorials.mnist import input_data

FEATURES = 64


def write_shards(directory, images, labels, shards, prefix):
    """Examples with a float feature "image" (64 values) and an int64 "label", split over shards."""
    paths = []
    for s in range(shards):
        path = os.path.join(directory, f"{prefix}-{s:05d}-of-{shards:05d}.tfrecord")
        with tf.python_io.TFRecordWriter(path) as writer:
            for image, label in zip(images[s::shards], labels[s::shards]):
                example = tf.train.Example(features=tf.train.Features(feature={
                    "image": tf.train.Feature(float_list=tf.train.FloatList(value=image.tolist())),
                    "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)]))}))
                writer.write(example.SerializeToString())
        paths.append(path)
    return paths


def read_and_decode(filename_queue, jitter):
    """One example from the files in `filename_queue`, decoded and preprocessed."""
    _, serialized = tf.TFRecordReader().read(filename_queue)
    features = tf.parse_single_example(serialized, {
        "image": tf.FixedLenFeature([FEATURES], tf.float32),
        "label": tf.FixedLenFeature([], tf.int64)})
    image = features["image"]
    if jitter:
        image = tf.clip_by_value(image + tf.random_uniform([], -0.05, 0.05), 0.0, 1.0)
    return image, features["label"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--backend", default=None)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    data = input_data.load_digits()
    tf.reset_default_graph()
    tf.set_random_seed(0)
    with tempfile.TemporaryDirectory(prefix="flowjit_queue_pipeline_") as directory:
        train_files = write_shards(directory, data.train.images, data.train.labels, args.shards, "train")
        test_files = write_shards(directory, data.test.images, data.test.labels, 1, "test")

        with tf.name_scope("input"):
            train_queue = tf.train.string_input_producer(train_files, shuffle=True, seed=1)
            image, label = read_and_decode(train_queue, jitter=True)
            images, labels = tf.train.shuffle_batch([image, label], batch_size=args.batch_size,
                                                    capacity=500, min_after_dequeue=200, num_threads=2, seed=2)
        with tf.name_scope("test_input"):
            test_queue = tf.train.string_input_producer(test_files, num_epochs=1, shuffle=False)
            test_image, test_label = read_and_decode(test_queue, jitter=False)
            test_images, test_labels = tf.train.batch([test_image, test_label], batch_size=100, capacity=200,
                                                      allow_smaller_final_batch=True)

        with tf.variable_scope("model"):
            w = tf.get_variable("w", [FEATURES, 10], initializer=tf.zeros_initializer())
            b = tf.get_variable("b", [10], initializer=tf.zeros_initializer())
        logits = tf.matmul(images, w) + b
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        test_size = tf.shape(test_labels)[0]
        correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(tf.matmul(test_images, w) + b, 1), test_labels),
                                        tf.int32))

        with tf.Session(backend=args.backend) as sess:
            sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
            coord = tf.train.Coordinator()
            threads = tf.train.start_queue_runners(sess=sess, coord=coord)
            try:
                for step in range(args.steps):
                    _, value = sess.run([train_op, loss])
                    if not args.quiet and step % 100 == 0:
                        print(f"step {step:4d}  loss {value:.4f}")
                right = seen = 0
                try:
                    while True:
                        count, batch = sess.run([correct, test_size])
                        right, seen = right + int(count), seen + int(batch)
                except tf.errors.OutOfRangeError:
                    pass
            finally:
                coord.request_stop()
                coord.join(threads, stop_grace_period_secs=10)
    accuracy = right / max(seen, 1)
    if not args.quiet:
        print(f"test accuracy {accuracy:.4f} on {seen} examples read from TFRecord files")
    return {"test_accuracy": accuracy, "test_examples": seen, "loss": float(value)}


if __name__ == "__main__":
    main()
