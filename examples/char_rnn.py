"""A character-level LSTM language model (the classic TF1 char-rnn), trained on text that
ships with Python: the Zen of Python (`import this`) by default, or any --text FILE.

    embedding -> MultiRNNCell of LSTMCells (dynamic_rnn) -> dense -> softmax over characters

Training feeds the final LSTM state of one batch as the initial state of the next
(truncated backpropagation through time, the state passed as LSTMStateTuple feeds), clips
gradients by their global norm and reports the per-character loss and perplexity. Sampling
builds a second graph branch of batch 1 and one step that shares the variables
(`variable_scope(reuse=True)`) and feeds its state back character by character.

    python examples/char_rnn.py [--steps 400] [--text FILE] [--sample 200]
"""

import argparse
import codecs
import math
import sys
import time

import numpy as np

import flowjit as tf


def zen_of_python() -> str:
    import this  # noqa: F401  (prints the Zen on import; the text is rot13 in this.s)

    return codecs.decode(sys.modules["this"].s, "rot13")


def batches(ids: np.ndarray, batch_size: int, seq_length: int):
    """Endless (inputs, targets) windows: row r reads its own contiguous stretch of the text,
    so consecutive batches continue each row where the last one stopped (the state carries)."""
    per_row = (len(ids) - 1) // batch_size
    rows = ids[:per_row * batch_size + 1]
    xs = np.stack([rows[r * per_row:(r + 1) * per_row] for r in range(batch_size)])
    ys = np.stack([rows[r * per_row + 1:(r + 1) * per_row + 1] for r in range(batch_size)])
    while True:
        for start in range(0, per_row - seq_length + 1, seq_length):
            yield xs[:, start:start + seq_length], ys[:, start:start + seq_length], start == 0


def build(vocab: int, args, batch_size: int, seq_length: int, reuse: bool):
    """The model for [batch_size, seq_length] character ids; returns its tensors."""
    with tf.variable_scope("char_rnn", reuse=reuse):
        inputs = tf.placeholder(tf.int32, [batch_size, seq_length], name="inputs")
        cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.LSTMCell(args.hidden) for _ in range(args.layers)])
        initial = cell.zero_state(batch_size, tf.float32)
        embedding = tf.get_variable("embedding", [vocab, args.embedding])
        outputs, final = tf.nn.dynamic_rnn(cell, tf.nn.embedding_lookup(embedding, inputs), initial_state=initial)
        logits = tf.layers.dense(tf.reshape(outputs, [-1, args.hidden]), vocab, name="logits")
    return inputs, initial, final, logits


def feed_state(feed: dict, placeholders, values) -> None:
    for p, v in zip(tf.nest.flatten(placeholders), tf.nest.flatten(values)):
        feed[p] = v


def sample(sess, model, chars: list, prime: str, length: int, rng: np.random.RandomState) -> str:
    inputs, initial, final, probs = model
    index = {c: i for i, c in enumerate(chars)}
    state = sess.run(initial)
    out = list(prime)
    p = None
    for c in prime:
        feed = {inputs: [[index[c]]]}
        feed_state(feed, initial, state)
        p, state = sess.run([probs, final], feed)
    for _ in range(length):
        c = rng.choice(len(chars), p=p[0] / p[0].sum())
        out.append(chars[c])
        feed = {inputs: [[c]]}
        feed_state(feed, initial, state)
        p, state = sess.run([probs, final], feed)
    return "".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", default=None, help="a UTF-8 text file (default: the Zen of Python)")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--seq-length", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--embedding", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.005)
    parser.add_argument("--clip", type=float, default=5.0, help="global-norm gradient clipping")
    parser.add_argument("--sample", type=int, default=200, help="characters to sample at the end (0: none)")
    parser.add_argument("--backend", default=None, help="flowjit backend (default: the LLVM cpu backend)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    if args.text:
        with open(args.text, encoding="utf-8") as f:
            text = f.read()
    else:
        text = zen_of_python()
    chars = sorted(set(text))
    ids = np.array([chars.index(c) for c in text], np.int32)
    vocab = len(chars)

    tf.reset_default_graph()
    tf.set_random_seed(args.seed)
    inputs, initial, final, logits = build(vocab, args, args.batch_size, args.seq_length, reuse=False)
    targets = tf.placeholder(tf.int32, [args.batch_size, args.seq_length], name="targets")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.reshape(targets, [-1]),
                                                                        logits=logits))
    params = tf.trainable_variables()
    grads, _ = tf.clip_by_global_norm(tf.gradients(loss, params), args.clip)
    train_op = tf.train.AdamOptimizer(args.learning_rate).apply_gradients(zip(grads, params))
    s_inputs, s_initial, s_final, s_logits = build(vocab, args, 1, 1, reuse=True)
    sampler = (s_inputs, s_initial, s_final, tf.nn.softmax(s_logits))

    losses = []
    started = time.time()
    with tf.Session(backend=args.backend) as sess:
        sess.run(tf.global_variables_initializer())
        state = None
        stream = batches(ids, args.batch_size, args.seq_length)
        for step in range(args.steps):
            x, y, restart = next(stream)
            feed = {inputs: x, targets: y}
            if state is not None and not restart:
                feed_state(feed, initial, state)
            _, value, state = sess.run([train_op, loss, final], feed)
            losses.append(float(value))
            if not args.quiet and (step % 50 == 0 or step == args.steps - 1):
                print(f"step {step:5d}  loss {value:.3f}  perplexity {math.exp(value):7.2f}  "
                      f"{(step + 1) / (time.time() - started):.1f} steps/s", flush=True)
        text_out = ""
        if args.sample:
            text_out = sample(sess, sampler, chars, text[:10], args.sample, np.random.RandomState(args.seed))
            if not args.quiet:
                print("sample:\n" + text_out)
    return {"losses": losses, "vocab": vocab, "sample": text_out, "uniform_loss": math.log(vocab)}


if __name__ == "__main__":
    main()
