#!/usr/bin/env python3
"""Golden data for prism's AdamW + warm-up/cosine schedule (tests/golden/test_golden_adamw.cpp).

Three float32 parameters (fc.weight (4, 3), fc.bias (4), ln.weight (5)), 5 steps of
torch.optim.AdamW with two groups -- weight decay 0.1 on fc.weight only -- and nanoGPT's
get_lr (warm-up 2 steps, cosine to min_lr 1e-4 at step 5, max lr 1e-2) set before each step.
Gradients are seeded random tensors saved per step. Written as safetensors by hand (numpy),
so the generator needs only torch + numpy:  /usr/bin/python3 tests/golden/gen_adamw.py
"""
import json
import math
import os
import struct

import numpy as np
import torch

MAX_LR, MIN_LR, WARMUP, DECAY, STEPS = 1e-2, 1e-4, 2, 5, 5


def get_lr(it):  # nanoGPT train.py
    if it < WARMUP:
        return MAX_LR * (it + 1) / (WARMUP + 1)
    if it > DECAY:
        return MIN_LR
    ratio = (it - WARMUP) / (DECAY - WARMUP)
    return MIN_LR + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (MAX_LR - MIN_LR)


def save_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors:
        a = np.ascontiguousarray(t.detach().numpy() if isinstance(t, torch.Tensor) else t)
        dtype = {np.dtype("float32"): "F32", np.dtype("float64"): "F64"}[a.dtype]
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    torch.manual_seed(0)
    params = {
        "fc.weight": torch.randn(4, 3),
        "fc.bias": torch.randn(4),
        "ln.weight": 1.0 + 0.1 * torch.randn(5),
    }
    out = [("init." + n, p.clone()) for n, p in params.items()]
    for p in params.values():
        p.requires_grad_(True)
    opt = torch.optim.AdamW(
        [{"params": [params["fc.weight"]], "weight_decay": 0.1},
         {"params": [params["fc.bias"], params["ln.weight"]], "weight_decay": 0.0}],
        lr=MAX_LR, betas=(0.9, 0.999), eps=1e-8)
    for it in range(STEPS):
        for n, p in params.items():
            p.grad = torch.randn(p.shape)
            out.append((f"grad.{it}.{n}", p.grad.clone()))
        lr = get_lr(it)
        for g in opt.param_groups:
            g["lr"] = lr
        out.append((f"lr.{it}", torch.tensor([lr], dtype=torch.float64)))
        opt.step()
        for n, p in params.items():
            out.append((f"step.{it}.{n}", p.detach().clone()))
    save_safetensors(os.path.join(os.path.dirname(os.path.abspath(__file__)), "adamw.safetensors"), out)


if __name__ == "__main__":
    main()
