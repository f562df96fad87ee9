#!/usr/bin/env python3
"""Writes the hand-made starting inputs of each fuzz target into fuzz/corpus/<target>/.

The committed corpora are these seeds (seed_*), regression inputs (regress_*: the ones below,
plus crash inputs committed as the fuzzer wrote them, e.g. image/regress_jpeg_dht_over_256) and
inputs a fuzzing run found to reach new code (cov_*, minimised with libFuzzer's -merge;
fuzz/README.md). Rerunning this script rewrites only the files it makes. Needs python3 and g++ with Debian's libstb-dev (stb_image_write) for some image seeds.
"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import tempfile
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data, prefix="seed_"):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, prefix + name), "wb") as f:
        f.write(data)


def regress(target, name, data):
    """An input that crashed or tripped a sanitizer before its fix (fuzz/README.md)."""
    put(target, name, data, prefix="regress_")


# ---- safetensors -----------------------------------------------------------------------------
def st(tensors, metadata=None, raw_header=None, pad=True, header_len=None):
    """tensors: [(name, dtype, shape, bytes)] stored in order."""
    h, off, blob = {}, 0, b""
    if metadata is not None:
        h["__metadata__"] = metadata
    for name, dt, shape, data in tensors:
        h[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(data)]}
        off += len(data)
        blob += data
    text = raw_header if raw_header is not None else json.dumps(h, separators=(",", ":"))
    if pad:
        text += " " * ((8 - len(text) % 8) % 8)
    n = len(text) if header_len is None else header_len
    return struct.pack("<Q", n) + text.encode() + blob


f32 = lambda *v: struct.pack("<%df" % len(v), *v)
vit_cfg = {"model": "vit", "image_size": 8, "patch_size": 4, "in_channels": 1, "num_classes": 2, "dim": 8,
           "depth": 1, "heads": 2, "mlp_dim": 16, "attention": {"kind": "neutreno", "alpha": 0.6},
           "input_mean": [0.5], "input_std": [0.25], "class_names": ["a", "b"]}
gpt_cfg = {"model": "gpt", "vocab_size": 3, "context_length": 4, "dim": 8, "depth": 1, "heads": 2,
           "attention": "standard", "tokenizer": {"kind": "char", "vocab": ["a", "b", "\u00e9"]}}
put("safetensors", "f32", st([("w", "F32", [2, 3], f32(1, 2, 3, 4, 5, 6))]))
put("safetensors", "two", st([("a.weight", "F32", [2], f32(1, 2)), ("optim.a.m", "F64", [1], struct.pack("<d", 3))]))
put("safetensors", "ints", st([("i", "I32", [2], struct.pack("<2i", -1, 7)), ("l", "I64", [1], struct.pack("<q", -9))]))
put("safetensors", "narrow", st([("h", "F16", [2], struct.pack("<2H", 0x3c00, 0x7c01)),
                                 ("b", "BF16", [1], struct.pack("<H", 0x3f80)),
                                 ("c", "I8", [2], b"\xff\x01"), ("u", "U8", [1], b"\xfe"), ("z", "BOOL", [2], b"\x00\x02")]))
put("safetensors", "scalar_empty", st([("s", "F32", [], f32(2)), ("e", "F32", [0, 5], b"")]))
put("safetensors", "vit_ckpt", st([("w", "F32", [1], f32(1))],
                                  {"config": json.dumps(vit_cfg), "format": "prism-checkpoint-1",
                                   "train_state": json.dumps({"step": 3})}))
put("safetensors", "gpt_ckpt", st([("w", "F32", [1], f32(1))], {"config": json.dumps(gpt_cfg)}))
put("safetensors", "bad_config", st([], {"config": "{not json"}))
put("safetensors", "meta_not_string", st([], raw_header='{"__metadata__":{"k":1}}'))
put("safetensors", "only_metadata", st([], {"a": "b"}))
put("safetensors", "overlap", st([], raw_header='{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},'
                                               '"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}') + b"abc")
put("safetensors", "hole", st([], raw_header='{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}') + b"ab")
put("safetensors", "trailing", st([("a", "U8", [1], b"x")]) + b"junk")
put("safetensors", "duplicate", st([], raw_header='{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
                                                 '"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}') + b"x")
put("safetensors", "unsupported", st([("a", "U16", [1], b"xx")]))
put("safetensors", "huge_shape", st([], raw_header='{"a":{"dtype":"F32","shape":[4611686018427387904,4],'
                                                  '"data_offsets":[0,0]}}'))
put("safetensors", "header_len_big", st([("a", "U8", [1], b"x")], header_len=1 << 40))
put("safetensors", "short", b"\x08\x00\x00")
# ViT/GPTConfig::from_json: a non-string "model" escaped as nlohmann's type_error; in_channels sized
# the default input_mean/input_std before validation (-1: std::length_error, 1e12: 8 TB).
regress("safetensors", "config_model_number", st([], {"config": json.dumps({"model": 5})}))
regress("safetensors", "gpt_config_model_list", st([], {"config": json.dumps({"model": ["gpt"]})}))
# load_safetensors / load_checkpoint: nlohmann's dump() in error messages recursed once per nesting
# level, so a shape (or a config's "attention") nested 100000 deep overflowed the stack.
N = 100000
regress("safetensors", "deep_shape", st([], raw_header='{"a":{"dtype":"F32","shape":' + "[" * N + "]" * N +
                                        ',"data_offsets":[0,0]}}'))
deep_cfg = json.dumps({k: vit_cfg[k] for k in ("model", "image_size", "patch_size", "in_channels", "num_classes", "dim",
                                               "depth", "heads", "mlp_dim")})[:-1] + ',"attention":' + "[" * N + "]" * N + "}"
regress("safetensors", "deep_config", st([], {"config": deep_cfg}))
for name, ch in [("vit_in_channels_negative", -1), ("vit_in_channels_huge", 10 ** 12)]:
    cfg = {k: v for k, v in vit_cfg.items() if k not in ("input_mean", "input_std")}
    regress("safetensors", name, st([], {"config": json.dumps(dict(cfg, in_channels=ch))}))

# ---- IDX (byte 0: gzip flags, bytes 1-2: images length, images, labels) ------------------------
def idx(dims, data):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


def pair(im, lb, flags=0):
    return bytes([flags]) + struct.pack(">H", len(im)) + im + lb


im3 = idx([2, 2, 2], range(8))
lb = idx([2], [0, 1])
put("idx", "pair", pair(im3, lb))
put("idx", "pair_gz", pair(im3, lb, 3))
put("idx", "pair_rgb", pair(idx([2, 1, 2, 3], range(12)), lb, 1))
put("idx", "count_mismatch", pair(im3, idx([3], [0, 1, 2])))
put("idx", "no_images", pair(idx([0, 2, 2], []), idx([0], [])))
put("idx", "labels_2d", pair(im3, idx([2, 1], [0, 1])))
put("idx", "truncated", pair(im3[:-1], lb))
put("idx", "trailing", pair(im3 + b"x", lb))
put("idx", "wrong_type", pair(bytes([0, 0, 0x0d, 1, 0, 0, 0, 1]) + b"\0\0\0\0", lb))
put("idx", "whole_gz", gzip.compress(idx([3], [1, 2, 3]), mtime=0))
put("idx", "whole_gz_truncated", gzip.compress(idx([3], [1, 2, 3]), mtime=0)[:-6])
put("idx", "five_dims", idx([1, 1, 1, 1, 1], [9]))
# read_idx: dims 65536^4 wrapped the byte count to 0, so an empty (N, H, W, C) file was accepted
# and load_idx's NHWC -> NCHW copy read far outside it (a crash). The labels part is gzipped.
regress("idx", "dims_overflow", pair(idx([65536] * 4, []), gzip.compress(idx([65536], [0] * 65536), mtime=0)))
# load_idx: (1, 2^32-1, 2^32-1, 0) holds 0 bytes but H*W overflowed int64 (UB).
regress("idx", "zero_channels", pair(idx([1, 2 ** 32 - 1, 2 ** 32 - 1, 0], []), idx([1], [0])))

# ---- text -----------------------------------------------------------------------------------
put("text", "ascii", "In the beginning God created the heaven and the earth.\n")
put("text", "utf8", "na\u00efve caf\u00e9 \u2014 \u65e5\u672c \U0001F600\n")
put("text", "short", "ab")
put("text", "bad_lead", b"ok \xff no")
put("text", "truncated", b"x \xe2\x82")
put("text", "overlong", b"\xc0\xaf")
put("text", "surrogate", b"\xed\xa0\x80")
put("text", "too_big", b"\xf4\x90\x80\x80")
put("text", "tok_char", json.dumps({"kind": "char", "vocab": ["a", "\u00e9", "\n"]}))
put("text", "tok_byte", json.dumps({"kind": "byte"}))
put("text", "tok_bad", json.dumps({"kind": "char", "vocab": ["ab", 3]}))
# Tokenizer::from_json let nlohmann's type_error escape for a non-string "kind" or vocab entry.
regress("text", "tokenizer_kind_number", json.dumps({"kind": 7}))
regress("text", "tokenizer_vocab_number", json.dumps({"kind": "char", "vocab": ["a", 1]}))

# ---- options (lines: attention, clip, layers, numbers, depths, fractions, kinds, severities,
#      corruptions, corruption, dataset) ------------------------------------------------------
def opts(*lines):
    return "\n".join(lines)


put("options", "spectral", opts("spectral-sharpen", "-1,0", "0,6", "", "6,12", "1.0,0.1", "standard,neutreno",
                                "1,3,5", "gaussian_noise,contrast", "gaussian_noise:3", "mnist:m"))
put("options", "neutreno", opts("neutreno", "", "", "0.4", "2", "0.5", "resformer", "2", "all", "contrast:5", "folder:f"))
put("options", "resformer", opts("resformer", "", "1,2", "- 0.3 0.7 1", "1,1", "0", "spectral-smooth,spectral-free",
                                 "6", "none", "none", "cifar10:c"))
put("options", "bad", opts("nope", "1", "2,1", "x", "-3", "2", "standard,standard", "0", "fog", "fog:9", "imagenet"))
put("options", "json_kind", opts('{"kind":"spectral-smooth","clip":[-1,1],"layers":[0,2]}'))
put("options", "svformer", opts("svformer", "", "", "", "", "", "svformer", "", "all", "pixelate:1", "folder:../.."))
put("options", "numbers", opts("spectral-free", "0,nan", "1,inf", "1e308 -0 2", "9223372036854775807", "1e-320,1",
                               "", "5,5", "impulse_noise,shot_noise", "brightness:4", "folder:"))
put("options", "commas", opts("spectral-smooth", ",", ",,", "", ",", "1.0,", " 6", "1, 3", "all,", ":3", ":"))
put("options", "dup_corruptions", opts("standard", "", "", "", "6,6", "0.1,0.1", "", "3", "contrast,contrast", "pixelate:",
                                       "mnist:m/../m"))
# --attention-layers 0,inf and a checkpoint's "layers": [0, 1e300] were cast to int64 unchecked (UB).
regress("options", "layers_inf", opts("standard", "", "0,inf"))
regress("options", "layers_json_huge", opts('{"kind":"standard","layers":[0,1e300]}'))
regress("options", "layers_nan", opts("neutreno", "", "nan,1"))
# --dataset mnist:DIR where DIR/train-images... is a directory: read_file let libstdc++'s
# ios_base::failure ("Is a directory") escape (the fuzzer reached it via a NUL inside the path).
regress("options", "dataset_images_is_dir", opts("standard", "", "", "", "", "", "", "", "", "", "mnist:d"))
put("options", "empty_dir", opts("standard", "", "", "", "", "", "", "", "", "", "mnist:"))

# ---- cli (NUL-separated argv) ----------------------------------------------------------------
def argv(*a):
    return "\0".join(a)


put("cli", "train_vit", argv("train", "vit", "--epochs", "1", "--attention", "spectral-sharpen", "--spectral-clip=-1,0",
                             "--attention-layers", "0,2", "--threads", "1"))
put("cli", "train_gpt", argv("train", "gpt", "--text", "kjv", "--tokenizer", "char", "--steps", "10", "--context", "8"))
put("cli", "eval_vit", argv("eval", "vit", "--checkpoint", "x.safetensors", "--corruption", "contrast:2", "--json"))
put("cli", "eval_gpt", argv("eval", "gpt", "--checkpoint", "x", "--val-fraction", "0.2"))
put("cli", "sample", argv("sample", "--checkpoint", "x", "--prompt", "In", "--tokens", "5", "--top-k", "3"))
put("cli", "predict", argv("predict", "--checkpoint", "x", "a.png", "b.jpg"))
put("cli", "study", argv("study", "oversmoothing", "--quick", "--depths", "2,6", "--severities", "1,3"))
put("cli", "spectrum", argv("spectrum", "--checkpoint", "x", "--batch", "4"))
put("cli", "help", argv("train", "vit", "--help"))
put("cli", "bad", argv("train", "vit", "--epochs", "many", "--no-such-option"))
put("cli", "bench", argv("bench", "kernels", "--reps", "2"))
put("cli", "info", argv("--threads", "2", "info"))

# ---- images --------------------------------------------------------------------------------
def png(w, h, color_type, bit_depth, rows, interlace=0, plte=None):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\0" + r for r in rows)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, interlace))
    if plte:
        out += chunk(b"PLTE", plte)
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


put("image", "gray.png", png(3, 2, 0, 8, [b"\x00\x80\xff", b"\x10\x20\x30"]))
put("image", "rgb.png", png(2, 2, 2, 8, [bytes(range(6)), bytes(range(6, 12))]))
put("image", "rgba16.png", png(1, 2, 6, 16, [bytes(range(8)), bytes(range(8, 16))]))
put("image", "palette.png", png(4, 1, 3, 2, [b"\x1b"], plte=bytes(range(12))))
put("image", "gray1bit.png", png(9, 1, 0, 1, [b"\xa5\x80"]))
put("image", "interlaced.png", png(1, 1, 4, 8, [b"\x7f\x80"], interlace=1))
put("image", "gray.pgm", b"P5 3 2 255\n" + bytes([0, 50, 100, 150, 200, 250]))
put("image", "rgb.ppm", b"P6\n# c\n2 1\n255\n" + bytes(range(6)))
put("image", "tiny.gif", bytes.fromhex("4749463839610100010080000000000000ffffff21f90401000000002c00000000010001000002024401003b"))
put("image", "raw.psd", b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, 1, 2, 8, 3) + struct.pack(">III", 0, 0, 0)
    + struct.pack(">H", 0) + bytes([10, 20, 30, 40, 50, 60]))
# stb decodes "P5 3\x10 2 ..." (a size field that is no number) as 0 rows; load_image passed the
# empty image to convert_image, which read before its buffer (found by the fuzzer).
regress("image", "pgm_zero_height", b"P5 3\x10 2 255\n\x002d\x96\xc8\xfa")
# A 54-byte BMP header claiming 26000 x 26000 pixels: stb allocated 2 GB for it before reading
# any pixel; load_image now refuses images over 8192 x 8192 from the header (stbi_info).
regress("image", "bmp_26000px", b"BM" + struct.pack("<IHHI", 54, 0, 0, 54) +
        struct.pack("<IiiHHIIiiII", 40, 26000, 26000, 1, 24, 0, 0, 0, 0, 0, 0))
# PNG, BMP, TGA (RLE), JPEG and HDR from stb_image_write, compiled on the fly.
gen = r"""
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#include <string>
int main(int, char** argv) {
    std::string d = argv[1];
    unsigned char px[5 * 4 * 3];
    float fx[5 * 4 * 3];
    for (int i = 0; i < 60; ++i) px[i] = (unsigned char)(i * 37 + (i / 15) * 11), fx[i] = i / 7.0f;
    stbi_write_bmp((d + "/rgb.bmp").c_str(), 5, 4, 3, px);
    stbi_write_bmp((d + "/gray.bmp").c_str(), 5, 4, 1, px);
    stbi_write_tga((d + "/rle.tga").c_str(), 5, 4, 3, px);
    stbi_write_tga_with_rle = 0;
    stbi_write_tga((d + "/raw.tga").c_str(), 4, 5, 1, px);
    stbi_write_jpg((d + "/rgb.jpg").c_str(), 5, 4, 3, px, 50);
    stbi_write_jpg((d + "/gray.jpg").c_str(), 5, 4, 1, px, 90);
    stbi_write_jpg((d + "/wide.jpg").c_str(), 20, 1, 3, px, 10);
    stbi_write_hdr((d + "/rgb.hdr").c_str(), 5, 4, 3, fx);
    stbi_write_png((d + "/stb_rgb.png").c_str(), 5, 4, 3, px, 15);
    return 0;
}
"""
tmp = tempfile.mkdtemp()
exe = os.path.join(tmp, "gen")
if subprocess.run(["g++", "-x", "c++", "-", "-o", exe], input=gen.encode()).returncode == 0:
    subprocess.run([exe, tmp], check=True)
    for name in sorted(os.listdir(tmp)):
        if "." in name:
            with open(os.path.join(tmp, name), "rb") as f:
                put("image", name, f.read())
shutil.rmtree(tmp)
