#!/usr/bin/python3
"""Writes ltm-metrics/src/test/resources/tensorboard/expected.tfevents: a TensorBoard event file
encoded by hand from the format's definition, independent of the Java code: a bitwise CRC32C
(Castagnoli, reflected polynomial 0x82F63B78), TFRecord framing (uint64 LE length, masked CRC32C of
the length, data, masked CRC32C of the data; mask = ((crc >> 15) | (crc << 17)) + 0xa282ead8 mod 2^32)
and Event/Summary/Value protobuf wire encoding written field by field.

Regenerate (from the repository root):  /usr/bin/python3 ltm-metrics/src/test/python/make_tfevents_fixture.py
"""
import os, struct

def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF

assert crc32c(b"123456789") == 0xE3069283  # the standard check value

def mask(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF

def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)

def ld(field, payload):  # length-delimited field
    return varint((field << 3) | 2) + varint(len(payload)) + payload

def event(wall_time, step, file_version=None, scalars=()):
    out = bytes([0x09]) + struct.pack("<d", wall_time)
    if step:
        out += bytes([0x10]) + varint(step)
    if file_version is not None:
        out += ld(3, file_version.encode("utf-8"))
    else:
        summary = b"".join(ld(1, ld(1, tag.encode("utf-8")) + bytes([0x15]) + struct.pack("<f", val))
                           for tag, val in scalars)
        out += ld(5, summary)
    return out

def frame(data):
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", mask(crc32c(length))) + data + struct.pack("<I", mask(crc32c(data)))

events = [
    event(1700000000.5, 0, file_version="brain.Event:2"),
    event(1700000001.25, 1, scalars=[("train/loss", 2.5)]),
    event(1700000002.0, 10, scalars=[("train/lr", 1e-4)]),
    event(1700000003.0, 200, scalars=[("thought/adapter/reflectivePer1k", 12.75)]),
    event(1700000004.0, 300, scalars=[("мысли/напряжение", -0.375)]),
]
path = os.path.join(os.path.dirname(__file__), "..", "resources", "tensorboard", "expected.tfevents")
with open(path, "wb") as f:
    for e in events:
        f.write(frame(e))
print("wrote", path, os.path.getsize(path), "bytes")
