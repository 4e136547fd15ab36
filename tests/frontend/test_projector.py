"""tf.contrib.tensorboard.plugins.projector: the config TensorBoard's projector reads, written
into the writer's logdir and parsed back; under the file name TensorBoard's projector plugin reads."""

import pytest

import flowjit as tf


def test_visualize_embeddings_writes_the_config(tmp_path):
    pytest.importorskip("tensorboard")
    from google.protobuf import text_format

    projector = tf.contrib.tensorboard.plugins.projector
    with tf.Graph().as_default():
        emb = tf.get_variable("embedding", [10, 4])
        writer = tf.summary.FileWriter(str(tmp_path))
        config = projector.ProjectorConfig()
        e = config.embeddings.add()
        e.tensor_name = emb.name
        e.metadata_path = "metadata.tsv"
        e.sprite.image_path = "sprite.png"
        e.sprite.single_image_dim.extend([28, 28])
        projector.visualize_embeddings(writer, config)
        writer.close()
    text = (tmp_path / "projector_config.pbtxt").read_text()
    back = text_format.Parse(text, projector.ProjectorConfig())
    assert back.embeddings[0].tensor_name == "embedding:0"
    assert list(back.embeddings[0].sprite.single_image_dim) == [28, 28]
    from tensorboard.plugins.projector import metadata  # the name TensorBoard's projector reads

    assert (tmp_path / metadata.PROJECTOR_FILENAME).exists()
    with pytest.raises(TypeError, match="ProjectorConfig"):
        projector.visualize_embeddings(writer, {"embeddings": []})
