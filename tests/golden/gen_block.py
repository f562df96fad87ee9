#!/usr/bin/env python3
"""Golden data for one timm-style pre-LN transformer block (tests/golden/test_golden_block.cpp).

    /usr/bin/python3 tests/golden/gen_block.py      # writes tests/golden/block.safetensors

Block: dim 16, heads 2, mlp 32, B 2, T 7, float64, seed 0:
    x = x + proj(attn(qkv(norm1(x))));  x = x + fc2(gelu(fc1(norm2(x))))
The file holds the parameters under their PyTorch names (norm1.weight, attn.qkv.weight, ...),
the input `x`, the output `out`, a fixed random `W` (same shape as out), and the gradients of
sum(out * W): `grad.x` and `grad.<param name>` for every parameter.
Written by hand (8-byte LE header length, JSON header, raw F64 data) so only numpy+torch are needed.
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from golden_io import save_safetensors_f64

B, T, C, NH, HIDDEN = 2, 7, 16, 2, 32


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(C, 3 * C, bias=True)
        self.proj = nn.Linear(C, C)

    def forward(self, x):
        b, t, c = x.shape
        qkv = self.qkv(x).reshape(b, t, 3, NH, c // NH).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)  # (B, NH, T, HS)
        att = (q @ k.transpose(-2, -1)) * (c // NH) ** -0.5
        y = att.softmax(dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, c))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(C, HIDDEN)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(HIDDEN, C)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(C)
        self.attn = Attention()
        self.norm2 = nn.LayerNorm(C)
        self.mlp = Mlp()

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


def main():
    torch.manual_seed(0)
    block = Block().double()
    with torch.no_grad():  # non-trivial norms, so their gradients are checked meaningfully
        for norm in (block.norm1, block.norm2):
            norm.weight.add_(0.1 * torch.randn(C, dtype=torch.float64))
            norm.bias.add_(0.1 * torch.randn(C, dtype=torch.float64))
    x = torch.randn(B, T, C, dtype=torch.float64, requires_grad=True)
    W = torch.randn(B, T, C, dtype=torch.float64)
    out = block(x)
    (out * W).sum().backward()

    tensors = {"x": x, "out": out, "W": W, "grad.x": x.grad}
    for name, p in block.named_parameters():
        tensors[name] = p
        tensors["grad." + name] = p.grad
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "block.safetensors")
    save_safetensors_f64(path, tensors)
    print(f"wrote {path}: {len(tensors)} tensors, out[0,0,:4] = {out[0, 0, :4].tolist()}")


if __name__ == "__main__":
    main()
