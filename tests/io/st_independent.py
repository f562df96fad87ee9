#!/usr/bin/env python3
"""A small safetensors reader/writer in plain Python + numpy, independent of prism's C++ code.

It exists so the C++ implementation is checked against a second implementation both ways
(Debian has no `safetensors` module), and the golden-test generator can write its files.

    python3 st_independent.py make-data <out>   # writes tests/io/data/from_python.safetensors
    python3 st_independent.py check <file>      # verifies a file written by tests/io/test_safetensors.cpp
    python3 st_independent.py dump <file>       # prints the header and each tensor

Format: u64 little-endian header length N, N bytes of JSON header, then the data area.
"""
import json
import struct
import sys

import numpy as np

# safetensors dtype <-> numpy dtype (little-endian). BF16 has no numpy type: it is carried as
# uint16 bit patterns (the top half of a float32).
_DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I8": np.dtype("i1"), "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_FROM_NP = {"<f8": "F64", "<f4": "F32", "<f2": "F16", "<i8": "I64", "<i4": "I32", "|i1": "I8", "|u1": "U8",
            "|b1": "BOOL"}


def write(path, items, metadata=None, data_order=None):
    """items: list of (name, ndarray) in header order; ndarray may be (st_dtype, ndarray) to force a
    dtype (used for BF16). data_order: names in the order their bytes go into the data area
    (default: header order). The header is padded with spaces to a multiple of 8."""
    arrays = {}
    for name, a in items:
        if isinstance(a, tuple):
            st, arr = a
        else:
            arr = np.asarray(a)
            arr = arr.astype(arr.dtype.newbyteorder("<"))
            st = _FROM_NP[arr.dtype.str]
        arrays[name] = (st, np.array(arr, order="C", copy=True))  # ascontiguousarray would make 0-d 1-d
    order = data_order or [n for n, _ in items]
    assert sorted(order) == sorted(arrays), "data_order must name every tensor once"
    offsets, pos = {}, 0
    for name in order:
        nbytes = arrays[name][1].nbytes
        offsets[name] = (pos, pos + nbytes)
        pos += nbytes
    header = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    for name, _ in items:
        st, arr = arrays[name]
        header[name] = {"dtype": st, "shape": list(arr.shape), "data_offsets": list(offsets[name])}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in order:
            f.write(arrays[name][1].tobytes())


def read(path):
    """Returns (header_len, header dict in file order, {name: ndarray}, metadata). Validates the
    layout: offsets inside the data area, sizes matching shapes, no overlap, no holes."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError("shorter than 8 bytes")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise ValueError("header length beyond the file")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    metadata = header.get("__metadata__", {})
    tensors, spans = {}, []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt = _DTYPES[info["dtype"]]
        shape = tuple(info["shape"])
        begin, end = info["data_offsets"]
        count = int(np.prod(shape, dtype=np.int64))
        if not (0 <= begin <= end <= len(data)) or end - begin != count * dt.itemsize:
            raise ValueError(f"bad data_offsets for {name}")
        tensors[name] = np.frombuffer(data[begin:end], dtype=dt).reshape(shape)
        spans.append((begin, end, name))
    pos = 0
    for begin, end, name in sorted(spans):
        if begin != pos:
            raise ValueError(f"hole or overlap before {name}")
        pos = end
    if pos != len(data):
        raise ValueError("trailing bytes")
    return n, header, tensors, metadata


def bf16_bits(values):
    """float values -> BF16 bit patterns (truncation; the values used here are exact in BF16)."""
    return (np.asarray(values, dtype="<f4").view("<u4") >> 16).astype("<u2")


def make_data(out):
    # Header order is deliberately not sorted, and the data area uses yet another order, so the
    # C++ reader cannot rely on either.
    items = [
        ("zeta.f32", np.array([[-1.0, -0.75, 0.5], [0.25, 1e-30, 3.0e38]], dtype="<f4")),
        ("alpha.f64", np.array([1.0 / 3.0, -2.5e300, np.pi], dtype="<f8")),
        ("mid.i32", np.array([[-7, 0], [2147483647, -2147483648]], dtype="<i4")),
        ("beta.i64", np.array([2**40 + 3, -1, 0, -(2**62)], dtype="<i8")),
        ("scalar.f64", np.array(2.5, dtype="<f8")),
        ("empty.f32", np.zeros((0, 4), dtype="<f4")),
        ("half.f16", np.array([1.0, -2.5, 65504.0, 2.0**-24, np.inf], dtype="<f2")),
        ("brain.bf16", ("BF16", bf16_bits([1.0, -3.5, 0.15625]))),
        ("flags.bool", np.array([True, False, True])),
        ("bytes.u8", np.array([0, 255, 7], dtype="u1")),
        ("bytes.i8", np.array([-128, 127, -1], dtype="i1")),
    ]
    order = [n for n, _ in items][::-1]
    order[0], order[3] = order[3], order[0]
    write(out, items, {"format": "pt", "writer": "st_independent.py"}, data_order=order)


def check(path):
    """Verifies the file that tests/io/test_safetensors.cpp writes (keep the two in sync)."""
    n, header, t, meta = read(path)
    errors = []

    def expect(cond, what):
        if not cond:
            errors.append(what)

    expect(n % 8 == 0, f"header length {n} is not a multiple of 8")
    expect(meta == {"format": "pt", "source": "prism"}, f"metadata {meta}")
    names = [k for k in header if k != "__metadata__"]
    expected = ["w.f32", "x.f64", "n.i32", "n.i64", "t.f32", "s.f64", "e.f32"]
    expect(names == expected, f"names/order {names}")
    starts = [header[k]["data_offsets"][0] for k in names]
    expect(starts == sorted(starts), "data not stored in the order given")
    want = {
        "w.f32": np.arange(6, dtype="<f4").reshape(2, 3) * np.float32(0.5) - np.float32(1),
        "x.f64": np.array([1.0 / 3.0, -2.5e300, 1e-300], dtype="<f8"),
        "n.i32": np.array([[-7, 0], [2147483647, -2147483648]], dtype="<i4"),
        "n.i64": np.array([2**40 + 3, -1, -(2**62)], dtype="<i8"),
        "t.f32": np.arange(6, dtype="<f4").reshape(2, 3).T,
        "s.f64": np.array(2.5, dtype="<f8"),
        "e.f32": np.zeros((0, 4), dtype="<f4"),
    }
    for k, w in want.items():
        if k not in t:
            errors.append(f"missing {k}")
            continue
        expect(t[k].dtype == w.dtype, f"{k}: dtype {t[k].dtype} != {w.dtype}")
        expect(t[k].shape == w.shape, f"{k}: shape {t[k].shape} != {w.shape}")
        expect(t[k].shape == w.shape and np.array_equal(t[k], w), f"{k}: values {t[k]} != {w}")
    for e in errors:
        print("st_independent check:", e, file=sys.stderr)
    return 0 if not errors else 1


def main(argv):
    if len(argv) == 3 and argv[1] == "make-data":
        make_data(argv[2])
        return 0
    if len(argv) == 3 and argv[1] == "check":
        return check(argv[2])
    if len(argv) == 3 and argv[1] == "dump":
        n, header, t, meta = read(argv[2])
        print("header length", n, "metadata", meta)
        for k, v in t.items():
            print(k, header[k]["dtype"], v.shape, header[k]["data_offsets"], v.ravel()[:8])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
