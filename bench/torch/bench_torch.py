#!/usr/bin/python3
"""PyTorch counterpart of `prism bench vit|gpt`: the same shapes, optimizer and step count.

    /usr/bin/python3 bench/torch/bench_torch.py vit [--steps N] [--threads N] [--patch P]
        [--image S --channels C]
    /usr/bin/python3 bench/torch/bench_torch.py gpt [--steps N] [--threads N] [--context T]

Prints one JSON object: training and inference samples/s (tokens/s), model FLOPs per step
(counted as prism counts them), the BLAS library the process mapped, thread count.
ViT-Ti: timm layout (conv patch embed, class token, pre-LN blocks, qkv bias, erf GELU,
LayerNorm eps 1e-6), batch 128, AdamW. GPT-mini: nanoGPT layout (untied head, causal
attention written out as PyTorch 1.13 has no fused SDPA), batch 32, AdamW.
"""
import argparse
import json
import math
import os
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, dim, heads, causal):
        super().__init__()
        self.heads, self.causal = heads, causal
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):  # (B, T, C)
        B, T, C = x.shape
        q, k, v = self.qkv(x).reshape(B, T, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        if self.causal:
            mask = torch.ones(T, T, dtype=torch.bool).triu(1)
            att = att.masked_fill(mask, float("-inf"))
        y = att.softmax(dim=-1) @ v  # (B, NH, T, HS)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp, eps, causal):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, heads, causal)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.fc1, self.fc2 = nn.Linear(dim, mlp), nn.Linear(mlp, dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    def __init__(self, image, channels, patch, dim=192, depth=12, heads=3, mlp=768, classes=10):
        super().__init__()
        n = (image // patch) ** 2
        self.patch_embed = nn.Conv2d(channels, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, n + 1, dim) * 0.02)
        self.blocks = nn.Sequential(*[Block(dim, heads, mlp, 1e-6, False) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.size(0), -1, -1), x], 1) + self.pos_embed
        return self.head(self.norm(self.blocks(x))[:, 0])


class GPT(nn.Module):
    def __init__(self, vocab=73, context=128, dim=256, depth=6, heads=4, mlp=1024):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, dim), nn.Embedding(context, dim)
        self.h = nn.Sequential(*[Block(dim, heads, mlp, 1e-5, True) for _ in range(depth)])
        self.ln_f = nn.LayerNorm(dim)
        self.lm_head = nn.Linear(dim, vocab, bias=False)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(ids.size(1)))
        return self.lm_head(self.ln_f(self.h(x)))


def block_flops(T, C, M):  # per layer and sequence, forward (the same count as bench/models.cpp)
    return T * (8 * C * C + 4 * C * M + 4 * T * C)


def blas_in_use():
    """The BLAS/LAPACK shared objects this process mapped (resolved paths)."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            if any(s in path for s in ("blas", "blis", "mkl", "lapack")):
                libs.add(os.path.realpath(path))
    return sorted(libs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["vit", "gpt"])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--patch", type=int, default=4)
    ap.add_argument("--image", type=int, default=28)
    ap.add_argument("--channels", type=int, default=1)
    ap.add_argument("--context", type=int, default=128)
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    if a.model == "vit":
        model, B = ViT(a.image, a.channels, a.patch), 128
        T = (a.image // a.patch) ** 2 + 1
        x = torch.randn(B, a.channels, a.image, a.image)
        y = torch.arange(B) % 10
        loss_fn = lambda: F.cross_entropy(model(x), y)
        flops_fwd = B * (12 * block_flops(T, 192, 768) + 2 * (T - 1) * a.channels * a.patch**2 * 192 + 2 * 192 * 10)
        tokens = B * T
        decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "embed" not in n and "cls" not in n]
        wd = 0.05
    else:
        model, B, T = GPT(context=a.context), 32, a.context
        ids = (torch.arange(B * T) * 7 + 3).remainder(73).reshape(B, T)
        tg = (torch.arange(B * T) * 7 + 10).remainder(73).reshape(B, T)
        loss_fn = lambda: F.cross_entropy(model(ids).reshape(-1, 73), tg.reshape(-1))
        flops_fwd = B * (6 * block_flops(T, 256, 1024) + 2.0 * T * 256 * 73)
        tokens = B * T
        decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "wte" not in n and "wpe" not in n]
        wd = 0.1
    ids_decay = {id(p) for p in decay}
    rest = [p for p in model.parameters() if id(p) not in ids_decay]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": wd}, {"params": rest, "weight_decay": 0.0}],
                            lr=5e-4)

    def step():
        loss = loss_fn()
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    inf = []
    with torch.no_grad():
        model(x) if a.model == "vit" else model(ids)
        for _ in range(a.steps):
            t0 = time.perf_counter()
            model(x) if a.model == "vit" else model(ids)
            inf.append(time.perf_counter() - t0)
    st, it = statistics.median(times), statistics.median(inf)
    print(json.dumps({
        "framework": "pytorch", "version": torch.__version__, "model": a.model,
        "threads": torch.get_num_threads(), "blas": blas_in_use(),
        "blis_arch_type": os.environ.get("BLIS_ARCH_TYPE"),
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("BLIS_NUM_THREADS") or "default",
        "steps": a.steps, "batch": B, "tokens_per_step": tokens, "step_ms": st * 1e3,
        "train_samples_per_s": B / st, "train_tokens_per_s": tokens / st,
        "infer_samples_per_s": B / it, "infer_tokens_per_s": tokens / it,
        "model_gflop_per_step": 3 * flops_fwd * 1e-9, "achieved_gflops": 3 * flops_fwd / st * 1e-9,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }))


if __name__ == "__main__":
    main()
