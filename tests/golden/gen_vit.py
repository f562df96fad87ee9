#!/usr/bin/env python3
"""ViT parity between prism and an independent PyTorch ViT (timm's VisionTransformer layout).

PyTorch -> prism (golden file, checked by tests/golden/test_golden_vit.cpp without PyTorch):

    /usr/bin/python3 tests/golden/gen_vit.py            # writes tests/golden/vit.safetensors

  Two tiny ViTs (image 8, patch 4, dim 16, depth 2, heads 2, mlp 32, 5 classes), one with
  in_channels 1 ("c1.") and one with 3 ("c3."), random float32 weights (seed 0, scaled so the
  logits are O(1)). For each prefix P the file holds P<state_dict key> for every parameter
  (timm's names), P"images" (B, Cin, 8, 8) and P"logits" (B, 5); metadata "config.c1" and
  "config.c3" hold the prism ViTConfig JSON of each model, "keys.c1"/"keys.c3" the state_dict
  keys in PyTorch's order.

prism -> PyTorch:

    /usr/bin/python3 tests/golden/gen_vit.py --check CKPT [--logits FILE]

  Loads a prism checkpoint (io::save_checkpoint) into the PyTorch ViT by name: rebuilds the
  model from the "config" metadata, ignores the "optim." tensors, load_state_dict(strict=True).
  FILE (default: CKPT with ".safetensors" -> ".logits.safetensors") holds "images" and the
  "logits" prism computed for them. Prints the max abs logit difference and exits 0 when it is
  <= 1e-4, 1 otherwise. The C++ test runs this when torch is importable; the committed pair
  tests/golden/vit_prism_ckpt.safetensors + vit_prism_ckpt.logits.safetensors is a fixed case.

Safetensors is read and written by hand (8-byte LE header length, JSON header, raw LE data):
Debian has no safetensors module, and an independent reader is part of the point.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

from golden_io import write_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
TOL = 1e-4


# ---- the model: timm's VisionTransformer names and structure, written out in torch ----------

class PatchEmbed(nn.Module):
    def __init__(self, img, patch, in_ch, dim):
        super().__init__()
        self.num_patches = (img // patch) ** 2
        self.proj = nn.Conv2d(in_ch, dim, kernel_size=patch, stride=patch)

    def forward(self, x):  # (B, Cin, H, W) -> (B, N, C)
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    def __init__(self, dim, heads, qkv_bias):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, t, c = x.shape
        qkv = self.qkv(x).reshape(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)  # (B, NH, T, HS); torch 1.13 has no scaled_dot_product_attention
        att = (q @ k.transpose(-2, -1)) * (c // self.heads) ** -0.5
        y = att.softmax(dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, c))


class Mlp(nn.Module):
    def __init__(self, dim, hidden, approximate):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU(approximate=approximate)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp, eps, qkv_bias, approximate):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, heads, qkv_bias)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, mlp, approximate)

    def forward(self, x):  # pre-LN
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VisionTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        dim = cfg["dim"]
        approximate = {"gelu": "none", "gelu_tanh": "tanh"}[cfg.get("activation", "gelu")]
        eps = cfg.get("norm_eps", 1e-6)
        self.patch_embed = PatchEmbed(cfg["image_size"], cfg["patch_size"], cfg["in_channels"], dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, self.patch_embed.num_patches + 1, dim))
        self.blocks = nn.Sequential(*[
            Block(dim, cfg["heads"], cfg["mlp_dim"], eps, cfg.get("qkv_bias", True), approximate)
            for _ in range(cfg["depth"])])
        self.norm = nn.LayerNorm(dim, eps=eps)
        self.head = nn.Linear(dim, cfg["num_classes"])

    def forward(self, x):
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        x = self.norm(self.blocks(x))
        return self.head(x[:, 0])  # class-token pooling


def config(in_ch):
    return {"model": "vit", "image_size": 8, "patch_size": 4, "in_channels": in_ch, "num_classes": 5,
            "dim": 16, "depth": 2, "heads": 2, "mlp_dim": 32, "qkv_bias": True, "norm_eps": 1e-6,
            "activation": "gelu", "attention": {"kind": "standard", "clip": None, "layers": None},
            "drop": 0.0, "attn_drop": 0.0, "input_mean": [0.5] * in_ch, "input_std": [0.5] * in_ch,
            "class_names": []}


# ---- safetensors by hand --------------------------------------------------------------------

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "F16": np.float16}


def save_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name].detach().cpu().numpy().astype(np.float32))
        data = a.astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    write_safetensors(path, header, blobs)


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {}) or {}
    data = raw[8 + n:]
    tensors = {}
    for name, info in header.items():
        lo, hi = info["data_offsets"]
        dt = np.dtype(DTYPES[info["dtype"]]).newbyteorder("<")
        a = np.frombuffer(data[lo:hi], dtype=dt).reshape(info["shape"]).astype(dt.newbyteorder("="))
        tensors[name] = torch.from_numpy(a.copy())
    return tensors, meta


# ---- the two directions -----------------------------------------------------------------------

def generate(out_path):
    torch.manual_seed(0)
    tensors, meta = {}, {}
    for in_ch in (1, 3):
        cfg = config(in_ch)
        model = VisionTransformer(cfg).float()
        with torch.no_grad():  # O(1) logits, non-trivial norms: a real test of every parameter
            for name, p in model.named_parameters():
                if name.endswith("norm1.weight") or name.endswith("norm2.weight") or name == "norm.weight":
                    p.copy_(1.0 + 0.2 * torch.randn_like(p))
                else:
                    p.copy_(0.3 * torch.randn_like(p))
        images = torch.randn(4, in_ch, 8, 8)
        with torch.no_grad():
            logits = model(images)
        prefix = f"c{in_ch}."
        for name, p in model.state_dict().items():
            tensors[prefix + name] = p
        tensors[prefix + "images"] = images
        tensors[prefix + "logits"] = logits
        meta[f"config.c{in_ch}"] = json.dumps(cfg)
        meta[f"keys.c{in_ch}"] = json.dumps(list(model.state_dict().keys()))  # PyTorch's order
        print(f"in_ch {in_ch}: {len(model.state_dict())} parameters, logits[0] = "
              f"{[round(v, 4) for v in logits[0].tolist()]}")
    save_safetensors(out_path, tensors, meta)
    print(f"wrote {out_path}: {len(tensors)} tensors")


def check(ckpt, logits_path):
    tensors, meta = load_safetensors(ckpt)
    if "config" not in meta:
        print(f"FAIL {ckpt}: no \"config\" metadata")
        return 1
    cfg = json.loads(meta["config"])
    kind = cfg.get("attention", {"kind": "standard"})
    kind = kind if isinstance(kind, str) else kind.get("kind", "standard")
    if cfg.get("model") != "vit" or kind != "standard":
        print(f"FAIL {ckpt}: only standard-attention ViTs are rebuilt here (model {cfg.get('model')}, attention {kind})")
        return 1
    state = {k: v for k, v in tensors.items() if not k.startswith("optim.")}
    skipped = len(tensors) - len(state)
    model = VisionTransformer(cfg).float().eval()
    model.load_state_dict(state, strict=True)  # every timm name must match, both ways
    ref, _ = load_safetensors(logits_path)
    with torch.no_grad():
        logits = model(ref["images"].float())
    diff = (logits - ref["logits"].float()).abs().max().item()
    scale = ref["logits"].abs().max().item()
    ok = diff <= TOL
    print(f"{'PASS' if ok else 'FAIL'} {os.path.basename(ckpt)}: {len(state)} tensors loaded by name "
          f"(strict), {skipped} optim.* ignored; logits {tuple(logits.shape)} |max| {scale:.4f}, "
          f"max abs diff vs prism {diff:.3e} (tol {TOL:g})")
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", metavar="CKPT", help="load a prism ViT checkpoint into PyTorch and compare logits")
    ap.add_argument("--logits", metavar="FILE", help="prism's images+logits (default: CKPT .logits.safetensors)")
    ap.add_argument("--out", default=os.path.join(HERE, "vit.safetensors"))
    a = ap.parse_args()
    if a.check:
        lp = a.logits or (a.check[:-len(".safetensors")] if a.check.endswith(".safetensors") else a.check) \
            + ".logits.safetensors"
        sys.exit(check(a.check, lp))
    generate(a.out)


if __name__ == "__main__":
    main()
