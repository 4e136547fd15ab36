"""The `tensorflow.Example` protos (feature.proto, example.proto), built in a private pool.

The descriptors are written here in code with TensorFlow's package, message and field names and
numbers, so serialized bytes equal TF's and either side parses the other's. They live in a
private `DescriptorPool`: real TensorFlow registers `tensorflow.Example` in protobuf's default
pool, and both must be importable in one process.
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto

_POOL = descriptor_pool.DescriptorPool()


def _field(msg: descriptor_pb2.DescriptorProto, name: str, number: int, ftype: int, label: int = _F.LABEL_OPTIONAL,
           type_name: str = "", oneof: int | None = None, json: str | None = None) -> None:
    f = msg.field.add(name=name, number=number, type=ftype, label=label)
    if type_name:
        f.type_name = type_name
    if oneof is not None:
        f.oneof_index = oneof
    f.json_name = json or name


def _map_entry(msg: descriptor_pb2.DescriptorProto, entry: str, value_type: str) -> None:
    e = msg.nested_type.add(name=entry)
    e.options.map_entry = True
    _field(e, "key", 1, _F.TYPE_STRING)
    _field(e, "value", 2, _F.TYPE_MESSAGE, type_name=value_type)


def _feature_file() -> descriptor_pb2.FileDescriptorProto:
    fd = descriptor_pb2.FileDescriptorProto(name="tensorflow/core/example/feature.proto", package="tensorflow",
                                            syntax="proto3")
    rep = _F.LABEL_REPEATED
    _field(fd.message_type.add(name="BytesList"), "value", 1, _F.TYPE_BYTES, rep)
    _field(fd.message_type.add(name="FloatList"), "value", 1, _F.TYPE_FLOAT, rep)  # proto3: packed
    _field(fd.message_type.add(name="Int64List"), "value", 1, _F.TYPE_INT64, rep)
    feat = fd.message_type.add(name="Feature")
    feat.oneof_decl.add(name="kind")
    _field(feat, "bytes_list", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.BytesList", oneof=0, json="bytesList")
    _field(feat, "float_list", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.FloatList", oneof=0, json="floatList")
    _field(feat, "int64_list", 3, _F.TYPE_MESSAGE, type_name=".tensorflow.Int64List", oneof=0, json="int64List")
    feats = fd.message_type.add(name="Features")
    _map_entry(feats, "FeatureEntry", ".tensorflow.Feature")
    _field(feats, "feature", 1, _F.TYPE_MESSAGE, rep, ".tensorflow.Features.FeatureEntry")
    flist = fd.message_type.add(name="FeatureList")
    _field(flist, "feature", 1, _F.TYPE_MESSAGE, rep, ".tensorflow.Feature")
    flists = fd.message_type.add(name="FeatureLists")
    _map_entry(flists, "FeatureListEntry", ".tensorflow.FeatureList")
    _field(flists, "feature_list", 1, _F.TYPE_MESSAGE, rep, ".tensorflow.FeatureLists.FeatureListEntry",
           json="featureList")
    return fd


def _example_file() -> descriptor_pb2.FileDescriptorProto:
    fd = descriptor_pb2.FileDescriptorProto(name="tensorflow/core/example/example.proto", package="tensorflow",
                                            syntax="proto3", dependency=["tensorflow/core/example/feature.proto"])
    _field(fd.message_type.add(name="Example"), "features", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.Features")
    seq = fd.message_type.add(name="SequenceExample")
    _field(seq, "context", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.Features")
    _field(seq, "feature_lists", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.FeatureLists", json="featureLists")
    return fd


_POOL.Add(_feature_file())
_POOL.Add(_example_file())


def _cls(name: str) -> type:
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"tensorflow.{name}"))


BytesList = _cls("BytesList")
FloatList = _cls("FloatList")
Int64List = _cls("Int64List")
Feature = _cls("Feature")
Features = _cls("Features")
FeatureList = _cls("FeatureList")
FeatureLists = _cls("FeatureLists")
Example = _cls("Example")
SequenceExample = _cls("SequenceExample")

__all__ = ["BytesList", "Example", "Feature", "FeatureList", "FeatureLists", "Features", "FloatList", "Int64List",
           "SequenceExample"]
