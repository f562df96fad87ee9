#!/usr/bin/env python3
"""Writes tests/golden/ops.safetensors: inputs, outputs and gradients of single ops, from PyTorch.

    /usr/bin/python3 tests/golden/gen_ops.py      # needs python3-torch (Debian); CI does not

Every case is named "<case>.<tensor>". Backward uses a fixed random upstream gradient "gout"
(loss = sum(out * gout)), so every element of every gradient is checked. float64 throughout
(compared at ~1e-10); the "*32" cases are float32 (compared at ~1e-5), with references computed
in float64 from the float32 inputs. The file is written by tests/io/st_independent.py, not by
the `safetensors` package, so both sides of the test stay independent of prism's own writer.
Keep the C++ side (tests/golden/test_golden_ops.cpp) in sync with the case names.
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "io"))
import st_independent  # noqa: E402

torch.manual_seed(1234)
out = []  # (name, ndarray) in file order


def put(name, t, dtype=None):
    a = t.detach().cpu().numpy()
    out.append((name, a.astype(dtype) if dtype else a))


def leaf(*shape, scale=1.0, dtype=torch.float64):
    return (torch.randn(*shape, dtype=torch.float64) * scale).to(dtype).requires_grad_()


def run(case, fn, inputs, store_dtype=None, extra_out=None):
    """out = fn(*inputs); backward with a random gout; stores inputs, out, gout and grads."""
    x64 = [x.detach().double().requires_grad_() if x.is_floating_point() else x for x in inputs]
    y = fn(*x64)
    gout = torch.randn(y.shape, dtype=torch.float64)
    y.backward(gout)
    for i, x in enumerate(inputs):
        put(f"{case}.in{i}", x, store_dtype if x.is_floating_point() else None)
    put(f"{case}.out", y, store_dtype)
    put(f"{case}.gout", gout, store_dtype)
    for i, x in enumerate(x64):
        if x.is_floating_point():
            put(f"{case}.grad{i}", x.grad, store_dtype)


# matmul, batched with broadcasting: (2, 3, 4, 5) @ (3, 5, 6) -> (2, 3, 4, 6)
run("matmul", torch.matmul, [leaf(2, 3, 4, 5), leaf(3, 5, 6)])
f32 = [leaf(2, 7, 9, dtype=torch.float32), leaf(9, 5, dtype=torch.float32)]
run("matmul32", torch.matmul, f32, store_dtype=np.float32)

# softmax / log_softmax over the last dim and over a middle dim (B, T, C) = (2, 3, 7)
run("softmax_last", lambda x: torch.softmax(x, -1), [leaf(2, 3, 7, scale=3.0)])
run("softmax_mid", lambda x: torch.softmax(x, 1), [leaf(2, 3, 7, scale=3.0)])
run("log_softmax_last", lambda x: torch.log_softmax(x, -1), [leaf(2, 3, 7, scale=3.0)])
run("log_softmax_mid", lambda x: torch.log_softmax(x, 1), [leaf(2, 3, 7, scale=3.0)])
run("softmax32", lambda x: torch.softmax(x, -1), [leaf(3, 33, scale=3.0, dtype=torch.float32)], store_dtype=np.float32)

# layer_norm over C: x (B, T, C) = (2, 5, 8), weight and bias (C)
C = 8
ln = lambda x, w, b: F.layer_norm(x, (C,), w, b, eps=1e-5)  # noqa: E731
run("layer_norm", ln, [leaf(2, 5, C, scale=2.0), leaf(C), leaf(C)])
run("layer_norm32", ln, [leaf(4, 3, C, scale=2.0, dtype=torch.float32), leaf(C, dtype=torch.float32),
                         leaf(C, dtype=torch.float32)], store_dtype=np.float32)

# gelu, exact (erf) and tanh forms, on values spread over [-5, 5]
run("gelu", lambda x: F.gelu(x), [leaf(4, 9, scale=2.5)])
run("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), [leaf(4, 9, scale=2.5)])


# scaled-dot-product attention, q, k, v (B, NH, T, HS) = (2, 2, 5, 4); torch 1.13 has no fused
# F.scaled_dot_product_attention, so it is written out (the same definition).
def sdpa(q, k, v, causal):
    T, HS = q.shape[-2], q.shape[-1]
    att = q @ k.transpose(-2, -1) / math.sqrt(HS)
    if causal:
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        att = att.masked_fill(mask, float("-inf"))
    return torch.softmax(att, -1) @ v


run("sdpa", lambda q, k, v: sdpa(q, k, v, False), [leaf(2, 2, 5, 4), leaf(2, 2, 5, 4), leaf(2, 2, 5, 4)])
run("sdpa_causal", lambda q, k, v: sdpa(q, k, v, True), [leaf(2, 2, 5, 4), leaf(2, 2, 5, 4), leaf(2, 2, 5, 4)])

# cross_entropy, logits (N, C) = (6, 5), target (N) int64. Options per case (mirror in C++):
#   ce:           defaults (mean, ignore_index -100), one target is -100
#   ce_smooth:    label_smoothing 0.1, one target is -100
#   ce_sum:       reduction sum, ignore_index 1
#   ce_none:      reduction none, label_smoothing 0.2, ignore_index 3
tgt = torch.tensor([0, 4, -100, 2, 1, 4])
tgt_b = torch.tensor([0, 1, 3, 2, 1, 4])
run("ce", lambda x, t: F.cross_entropy(x, t), [leaf(6, 5, scale=2.0), tgt])
run("ce_smooth", lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), [leaf(6, 5, scale=2.0), tgt])
run("ce_sum", lambda x, t: F.cross_entropy(x, t, reduction="sum", ignore_index=1), [leaf(6, 5, scale=2.0), tgt_b])
run("ce_none", lambda x, t: F.cross_entropy(x, t, reduction="none", label_smoothing=0.2, ignore_index=3),
    [leaf(6, 5, scale=2.0), tgt_b])


# QR of a well-conditioned square matrix, R's diagonal made non-negative (prism's convention).
# loss = sum(Q * Wq) + sum(R * Wr): gradients flow through both outputs.
def qr_signed(a):
    q, r = torch.linalg.qr(a)
    s = torch.sign(torch.diagonal(r)).detach()
    s[s == 0] = 1
    return q * s, s[:, None] * r


n = 5
a = (torch.randn(n, n, dtype=torch.float64) + 4 * torch.eye(n, dtype=torch.float64)).requires_grad_()
wq, wr = torch.randn(n, n, dtype=torch.float64), torch.randn(n, n, dtype=torch.float64)
q, r = qr_signed(a)
((q * wq).sum() + (r * wr).sum()).backward()
for name, t in [("a", a), ("q", q), ("r", r), ("wq", wq), ("wr", wr), ("grad_a", a.grad)]:
    put(f"qr.{name}", t)

path = os.path.join(HERE, "ops.safetensors")
st_independent.write(path, out, {"generator": "tests/golden/gen_ops.py", "torch": torch.__version__})
print(f"wrote {len(out)} tensors, {os.path.getsize(path)} bytes to {path}")
