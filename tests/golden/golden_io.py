"""Shared by the golden generators run as scripts from this folder (gen_attention_kinds.py,
gen_attention_rotate.py, gen_block.py, gen_vit.py): safetensors written by hand (8-byte LE header
length, JSON header padded with spaces to a multiple of 8, raw data), so only numpy+torch are
needed; and the residual attention stack of the attention generators.
"""
import json
import struct

import torch


def write_safetensors(path, header, blobs):
    """header: the JSON header dict (data_offsets filled in); blobs: the data, in offset order."""
    hjson = json.dumps(header, separators=(",", ":")).encode()
    hjson += b" " * (-len(hjson) % 8)  # pad so the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def save_safetensors_f64(path, tensors):
    """tensors: {name: tensor}, written as F64 in sorted name order, no metadata."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().contiguous().to(torch.float64).numpy().tobytes()
        header[name] = {"dtype": "F64", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    write_safetensors(path, header, blobs)


def run_residual_case(name, layers, B, T, C, tensors):
    """L attention layers with residuals, x_{i+1} = x_i + attn_i(x_i, ctx), out = x_L, loss =
    sum(out * W); adds <name>.x, .W, .out, .grad.x, .<layer>.<param>, .grad.<layer>.<param>."""
    layers = torch.nn.ModuleList(layers).double()
    x = torch.randn(B, T, C, dtype=torch.float64, requires_grad=True)
    W = torch.randn(B, T, C, dtype=torch.float64)
    ctx, h = {}, x
    for layer in layers:
        h = h + layer(h, ctx)
    (h * W).sum().backward()
    tensors.update({f"{name}.x": x, f"{name}.W": W, f"{name}.out": h, f"{name}.grad.x": x.grad})
    for pname, p in layers.named_parameters():
        tensors[f"{name}.{pname}"] = p
        tensors[f"{name}.grad.{pname}"] = p.grad
    print(f"{name}: out[0,0,:3] = {h[0, 0, :3].tolist()}")
