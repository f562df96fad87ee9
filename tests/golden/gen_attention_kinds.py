#!/usr/bin/env python3
"""Golden data for the attention kinds (tests/golden/test_golden_attention_kinds.cpp).

    /usr/bin/python3 tests/golden/gen_attention_kinds.py   # writes tests/golden/attention_kinds.safetensors

An independent PyTorch implementation of each kind (paper-notes.md sections 2 and 4), written
from the notes, not from prism. Each case stacks L attention layers with residuals:
    x_{i+1} = x_i + attn_i(x_i),   out = x_L,   loss = sum(out * W)
B 2, T 5, C 12, NH 3, float64, seed 0. Cases (prefix of every key):
    sharpen  1 layer  spectral-sharpen, clip [-0.5, 0], no q/k bias
    smooth   1 layer  spectral-smooth, no clip, q/k bias
    neutreno 2 layers alpha 0.4 (layer 0 standard, records V^0)
    resformer 2 layers learnable lambda1 0.3, lambda2 0.8
    svformer 2 layers causal; layer 1 has qk (2C) and reuses V^0
Keys: <case>.x, <case>.W, <case>.out, <case>.grad.x, <case>.<layer>.<param>, <case>.grad.<layer>.<param>.
"""
import os

import torch
import torch.nn as nn

from golden_io import run_residual_case, save_safetensors_f64

B, T, C, NH = 2, 5, 12, 3
HS = C // NH


def run_case(name, layers, tensors):
    run_residual_case(name, layers, B, T, C, tensors)


def sdpa(q, k, v, causal=False):
    att = (q @ k.transpose(-2, -1)) * HS ** -0.5  # (B, NH, T, T)
    if causal:
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        att = att.masked_fill(mask, float("-inf"))
    return att.softmax(dim=-1) @ v


def heads(t):  # (B, T, C) -> (B, NH, T, HS)
    return t.reshape(B, T, NH, HS).transpose(1, 2)


def merge(t):  # (B, NH, T, HS) -> (B, T, C)
    return t.transpose(1, 2).reshape(B, T, C)


class Spectral(nn.Module):
    def __init__(self, sign, clip, bias):
        super().__init__()
        self.qk = nn.Linear(C, 2 * C, bias=bias)
        self.theta = nn.Parameter(torch.empty(C, C).uniform_(-C ** -0.5, C ** -0.5))
        self.psi = nn.Parameter(torch.empty(C).uniform_(0, 1))
        self.sign, self.clip = sign, clip

    def forward(self, x, ctx):
        q, k = self.qk(x).split(C, dim=-1)
        Q, R = torch.linalg.qr(self.theta)
        Q = Q * torch.sign(torch.diagonal(R))  # R with a non-negative diagonal
        lam = self.sign * self.psi ** 2
        if self.clip is not None:
            lam = lam.clamp(*self.clip)
        # per head: o_h @ (Lambda_h V_h^T), V_h = Q[:, h HS:(h+1) HS]
        out = 0
        for h in range(NH):
            Vh = Q[:, h * HS:(h + 1) * HS]
            o = sdpa(heads(q)[:, h], heads(k)[:, h], x @ Vh)
            out = out + o @ (torch.diag(lam[h * HS:(h + 1) * HS]) @ Vh.T)
        return out


class Standard(nn.Module):
    """qkv + proj, with a hook mix(v, v0) -> v' (values) and post(u, v, v0) -> u (head outputs)."""

    def __init__(self, causal=False):
        super().__init__()
        self.qkv = nn.Linear(C, 3 * C)
        self.proj = nn.Linear(C, C)
        self.causal = causal

    def forward(self, x, ctx):
        q, k, v = (heads(t) for t in self.qkv(x).split(C, dim=-1))
        if "v0" not in ctx:
            ctx["v0"] = v
        v0 = ctx["v0"]
        u = self.post(sdpa(q, k, self.mix(v, v0), self.causal), v, v0)
        return self.proj(merge(u))

    def mix(self, v, v0):
        return v

    def post(self, u, v, v0):
        return u


class Neutreno(Standard):
    def __init__(self, alpha):
        super().__init__()
        self.alpha = alpha

    def post(self, u, v, v0):
        return u + self.alpha * (v0 - v)


class ResFormer(Standard):
    def __init__(self, l1, l2):
        super().__init__()
        self.lambda1 = nn.Parameter(torch.tensor([l1]))
        self.lambda2 = nn.Parameter(torch.tensor([l2]))

    def mix(self, v, v0):
        return self.lambda1 * v0 + self.lambda2 * v


class SVFormerLater(nn.Module):
    def __init__(self, causal):
        super().__init__()
        self.qk = nn.Linear(C, 2 * C)
        self.proj = nn.Linear(C, C)
        self.causal = causal

    def forward(self, x, ctx):
        q, k = (heads(t) for t in self.qk(x).split(C, dim=-1))
        return self.proj(merge(sdpa(q, k, ctx["v0"], self.causal)))


def main():
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)
    t = {}
    run_case("sharpen", [Spectral(-1.0, (-0.5, 0.0), bias=False)], t)
    run_case("smooth", [Spectral(1.0, None, bias=True)], t)
    run_case("neutreno", [Neutreno(0.4), Neutreno(0.4)], t)
    run_case("resformer", [Standard(), ResFormer(0.3, 0.8)], t)
    run_case("svformer", [Standard(causal=True), SVFormerLater(causal=True)], t)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "attention_kinds.safetensors")
    save_safetensors_f64(path, t)
    print(f"wrote {path}: {len(t)} tensors")


if __name__ == "__main__":
    main()
