#!/usr/bin/env python3
"""Golden data for the spectral-rotate attention kind (tests/golden/test_golden_attention_rotate.cpp).

    /usr/bin/python3 tests/golden/gen_attention_rotate.py   # writes tests/golden/attention_rotate.safetensors

An independent PyTorch implementation, written from the definition (docs/oversmoothing.md,
section 4.1), not from prism: per head h, H_h = V_h B_h V_h^T with V_h = columns h HS..(h+1) HS
of Q from qr(theta), and B_h = block_diag over the head's slots k of r_k [[cos phi_k, -sin phi_k],
[sin phi_k, cos phi_k]] (odd HS: the last slot is the 1x1 block r cos phi), r = clamp(psi^2).
Each head computes softmax(q_h k_h^T / sqrt(HS)) (x V_h) (B_h V_h^T), one head at a time.
Each case stacks L layers with residuals:
    x_{i+1} = x_i + attn_i(x_i),   out = x_L,   loss = sum(out * W)
B 2, T 5, float64, seed 0. Cases (prefix of every key):
    rotate      C 12, NH 3 (HS 4: two 2x2 slots per head), 1 layer, clip r to [0.2, 0.7], q/k bias
    rotate_odd  C 15, NH 3 (HS 5: two 2x2 slots and a 1x1), 2 layers, causal, no q/k bias, no clip
Keys: <case>.x, <case>.W, <case>.out, <case>.grad.x, <case>.<layer>.<param>, <case>.grad.<layer>.<param>.
"""
import math
import os

import torch
import torch.nn as nn

from golden_io import run_residual_case, save_safetensors_f64

B, T = 2, 5


class Rotate(nn.Module):
    def __init__(self, C, NH, clip, bias, causal):
        super().__init__()
        self.C, self.NH, self.HS = C, NH, C // NH
        self.K = (self.HS + 1) // 2
        self.qk = nn.Linear(C, 2 * C, bias=bias)
        self.theta = nn.Parameter(torch.empty(C, C).uniform_(-C ** -0.5, C ** -0.5))
        # psi up to 1.2 so that some r = psi^2 land above the clip's upper end
        self.psi = nn.Parameter(torch.empty(NH * self.K).uniform_(0, 1.2))
        self.phi = nn.Parameter(torch.empty(NH * self.K).uniform_(0, math.pi))
        self.clip, self.causal = clip, causal

    def head_block(self, r, phi, h):
        """B_h (HS, HS) from the head's slots."""
        blocks = []
        for k in range(self.K):
            p = h * self.K + k
            c, s = torch.cos(phi[p]), torch.sin(phi[p])
            if 2 * k + 1 < self.HS:
                blocks.append(r[p] * torch.stack([torch.stack([c, -s]), torch.stack([s, c])]))
            else:
                blocks.append((r[p] * c).reshape(1, 1))
        return torch.block_diag(*blocks)

    def forward(self, x, ctx):
        C, HS = self.C, self.HS
        q, k = self.qk(x).split(C, dim=-1)
        Q, R = torch.linalg.qr(self.theta)
        Q = Q * torch.sign(torch.diagonal(R))  # R with a non-negative diagonal
        r = self.psi ** 2
        if self.clip is not None:
            r = r.clamp(*self.clip)
        out = 0
        for h in range(self.NH):
            Vh = Q[:, h * HS:(h + 1) * HS]  # (C, HS)
            qh, kh = q[..., h * HS:(h + 1) * HS], k[..., h * HS:(h + 1) * HS]  # (B, T, HS)
            att = (qh @ kh.transpose(-2, -1)) * HS ** -0.5
            if self.causal:
                mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
                att = att.masked_fill(mask, float("-inf"))
            o = att.softmax(dim=-1) @ (x @ Vh)  # (B, T, HS)
            out = out + o @ (self.head_block(r, self.phi, h) @ Vh.T)
        return out


def main():
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)
    t = {}
    rot = Rotate(12, 3, (0.2, 0.7), bias=True, causal=False)
    r2 = rot.psi.detach() ** 2
    n_hi, n_lo = int((r2 > 0.7).sum()), int((r2 < 0.2).sum())
    assert n_hi > 0 and n_lo > 0, "no r outside the clip: the clipped (zero-gradient) path would go untested"
    print(f"rotate: {n_hi} of {r2.numel()} magnitudes clipped at 0.7, {n_lo} at 0.2")
    run_residual_case("rotate", [rot], B, T, 12, t)
    run_residual_case("rotate_odd", [Rotate(15, 3, None, bias=False, causal=True) for _ in range(2)], B, T, 15, t)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "attention_rotate.safetensors")
    save_safetensors_f64(path, t)
    print(f"wrote {path}: {len(t)} tensors")


if __name__ == "__main__":
    main()
