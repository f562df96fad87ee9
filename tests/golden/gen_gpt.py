#!/usr/bin/env python3
"""GPT parity with an independent nanoGPT-style PyTorch model (tests/golden/test_golden_gpt.cpp).

    /usr/bin/python3 tests/golden/gen_gpt.py           # writes tests/golden/gpt.safetensors
    /usr/bin/python3 tests/golden/gen_gpt.py --check CKPT [--text FILE] [--expect-loss L]
        loads a prism checkpoint (e.g. runs/gpt/best.safetensors) into the PyTorch model by name
        and prints the logits of a fixed prompt and the mean validation loss over the last 10%
        of FILE in prism's non-overlapping windows; compare with `prism eval gpt --json`:
            L=$(build/gpt/cli/prism eval gpt --checkpoint CKPT --text FILE --json | jq .loss)
            /usr/bin/python3 tests/golden/gen_gpt.py --check CKPT --text FILE --expect-loss $L
        exits 1 when |loss - L| > 1e-4.

Golden model: vocab 11, dim 16, heads 2, depth 2, context 8, mlp 64, erf GELU, float64,
seed 0, untied head. The file holds the state_dict under nanoGPT names, "ids" (2, 8) int64,
"targets" (2, 8), "logits" (2, 8, 11) and "loss" (scalar) in float64.
The model below is written out here (not imported from prism or nanoGPT).
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "io"))
import st_independent as st  # noqa: E402


class CausalSelfAttention(nn.Module):
    def __init__(self, C, NH):
        super().__init__()
        self.c_attn = nn.Linear(C, 3 * C)
        self.c_proj = nn.Linear(C, C)
        self.NH = NH

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.NH, C // self.NH).transpose(1, 2) for t in (q, k, v))  # (B, NH, T, HS)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.NH)
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        return self.c_proj((att @ v).transpose(1, 2).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, C, H, approximate):
        super().__init__()
        self.c_fc = nn.Linear(C, H)
        self.c_proj = nn.Linear(H, C)
        self.approximate = approximate

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate=self.approximate))


class Block(nn.Module):
    def __init__(self, C, NH, H, eps, approximate):
        super().__init__()
        self.ln_1 = nn.LayerNorm(C, eps=eps)
        self.attn = CausalSelfAttention(C, NH)
        self.ln_2 = nn.LayerNorm(C, eps=eps)
        self.mlp = MLP(C, H, approximate)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, V, T, C, NH, L, H, eps=1e-5, approximate="none", tied=False):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(V, C), wpe=nn.Embedding(T, C),
            h=nn.ModuleList([Block(C, NH, H, eps, approximate) for _ in range(L)]),
            ln_f=nn.LayerNorm(C, eps=eps)))
        self.lm_head = nn.Linear(C, V, bias=False)
        if tied:
            self.lm_head.weight = self.transformer.wte.weight

    def forward(self, ids):
        T = ids.shape[1]
        x = self.transformer.wte(ids) + self.transformer.wpe(torch.arange(T))
        for b in self.transformer.h:
            x = b(x)
        return self.lm_head(self.transformer.ln_f(x))


def generate_golden(out):
    torch.manual_seed(0)
    V, T, C, NH, L, H = 11, 8, 16, 2, 2, 64
    m = GPT(V, T, C, NH, L, H).double()
    with torch.no_grad():  # random, larger than nanoGPT's init, so every parameter matters
        for p in m.parameters():
            p.copy_(torch.randn_like(p) * 0.3)
    ids = torch.randint(0, V, (2, T))
    targets = torch.randint(0, V, (2, T))
    logits = m(ids)
    loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
    items = [(k, v.detach().numpy()) for k, v in m.state_dict().items()]
    items += [("ids", ids.numpy().astype(np.int64)), ("targets", targets.numpy().astype(np.int64)),
              ("logits", logits.detach().numpy()), ("loss", loss.detach().numpy())]
    st.write(out, items, metadata={"generator": "tests/golden/gen_gpt.py"})
    print(f"wrote {out}: {len(items)} tensors, loss {loss.item():.6f}")


def check(ckpt, text=None, expect_loss=None, val_fraction=0.1):
    _, _, tensors, meta = st.read(ckpt)
    cfg = json.loads(meta["config"])
    assert cfg["model"] == "gpt", cfg["model"]
    approximate = "tanh" if cfg["activation"] == "gelu_tanh" else "none"
    m = GPT(cfg["vocab_size"], cfg["context_length"], cfg["dim"], cfg["heads"], cfg["depth"], cfg["mlp_dim"],
            cfg["norm_eps"], approximate, cfg["tied_embeddings"])
    state = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in tensors.items()
             if not k.startswith("optim.")}
    res = m.load_state_dict(state, strict=not cfg["tied_embeddings"])
    print("loaded", ckpt, "by name:", res)
    m.eval()
    tok = cfg["tokenizer"]
    if tok["kind"] == "char":
        index = {c: i for i, c in enumerate(tok["vocab"])}
        encode = lambda s: [index[c] for c in s]  # noqa: E731
    else:
        encode = lambda s: list(s.encode("utf-8"))  # noqa: E731
    with torch.no_grad():
        ids = torch.tensor([encode("And God said")[: cfg["context_length"]]])
        print("logits of the last prompt position (first 8):", m(ids)[0, -1, :8].tolist())
        if text:
            data = open(text, "rb").read()
            toks = encode(data.decode("utf-8")) if tok["kind"] == "char" else list(data)
            val = toks[len(toks) - int(len(toks) * val_fraction):]
            T, nats, n = cfg["context_length"], 0.0, 0
            starts = list(range(0, len(val) - 1, T))
            for i in range(0, len(starts), 64):
                chunk = [s for s in starts[i:i + 64] if s + T + 1 <= len(val)]
                if chunk:
                    x = torch.tensor([val[s:s + T] for s in chunk])
                    y = torch.tensor([val[s + 1:s + T + 1] for s in chunk])
                    nats += F.cross_entropy(m(x).reshape(-1, cfg["vocab_size"]), y.reshape(-1), reduction="sum").item()
                    n += y.numel()
            last = starts[-1]
            if last + T + 1 > len(val):  # the shorter tail window
                x = torch.tensor([val[last:len(val) - 1]])
                y = torch.tensor([val[last + 1:]])
                nats += F.cross_entropy(m(x).reshape(-1, cfg["vocab_size"]), y.reshape(-1), reduction="sum").item()
                n += y.numel()
            loss = nats / n
            print(f"PyTorch validation loss {loss:.6f} nats/token over {n} tokens")
            if expect_loss is not None:
                diff = abs(loss - expect_loss)
                print(f"prism {expect_loss:.6f}, |diff| {diff:.2e}")
                return 0 if diff <= 1e-4 else 1
    return 0


def main(argv):
    if len(argv) > 1 and argv[1] == "--check":
        ckpt = argv[2]
        text = argv[argv.index("--text") + 1] if "--text" in argv else None
        expect = float(argv[argv.index("--expect-loss") + 1]) if "--expect-loss" in argv else None
        return check(ckpt, text, expect)
    generate_golden(os.path.join(HERE, "gpt.safetensors"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
