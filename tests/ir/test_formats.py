"""flowjit.ir.formats: TFRecord framing and compression, the Example protos' private pool."""

from __future__ import annotations

import io

import pytest
from google.protobuf import descriptor_pool

from flowjit.ir import errors
from flowjit.ir.formats import example, records


def test_encode_and_iterate_in_memory():
    buf = io.BytesIO()
    for r in (b"one", b"", b"three"):
        records.write_record(buf, r)
    buf.seek(0)
    assert list(records.iter_records(buf, "mem")) == [(0, b"one"), (19, b""), (35, b"three")]


@pytest.mark.parametrize("kind", ["", "ZLIB", "GZIP", "gzip"])
def test_compressed_files(tmp_path, kind):
    path = str(tmp_path / "f")
    f = records.open_records_for_write(path, kind, level=9)
    w = records.RecordWriter(f)
    for i in range(50):
        w.write(bytes([i]) * i)
    w.close()
    assert list(records.read_records(path, kind)) == [bytes([i]) * i for i in range(50)]


def test_damaged_zlib_stream(tmp_path):
    path = str(tmp_path / "z")
    with records.open_records_for_write(path, "ZLIB") as f:
        records.write_record(f, b"x" * 1000)
    raw = bytearray(open(path, "rb").read())
    raw[5] ^= 0xFF
    open(path, "wb").write(bytes(raw))
    with pytest.raises(errors.DataLossError):
        list(records.read_records(path, "ZLIB"))


def test_bad_level(tmp_path):
    with pytest.raises(errors.InvalidArgumentError, match="compression_level"):
        records.open_records_for_write(str(tmp_path / "x"), "ZLIB", level=12)


def test_example_pool_is_private():
    assert example.Example.DESCRIPTOR.full_name == "tensorflow.Example"
    assert example.Example.DESCRIPTOR.file.pool is not descriptor_pool.Default()
    f = example.Feature(float_list=example.FloatList(value=[2.0]))
    assert f.WhichOneof("kind") == "float_list"
    assert example.Features.DESCRIPTOR.fields_by_name["feature"].message_type.GetOptions().map_entry
