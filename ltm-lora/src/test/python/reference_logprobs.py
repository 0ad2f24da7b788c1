#!/usr/bin/python3
"""Independent reference for ltm's decoder: per-token log-probabilities and next-token entropies.

Written from the published Qwen3 / Qwen3-MoE / Llama / Qwen2 math (Hugging Face transformers' modeling
code as the definition: for qwen3_moe, Qwen3MoeSparseMoeBlock's routing and its loop over the experts
that were hit, with index_add_), in float64, with the safetensors files parsed by hand. It imports
nothing from ltm. The MoE cases (moe_cases.json, moe_reference_logprobs.json) are regenerated the same
way from the checkpoints MoeReferenceLogprobsTest writes under ltm-lora/target/moe-reference/ (run it
once), with --cases moe_cases.json --root ltm-lora/target/moe-reference.

Regenerate the fixture (tests need no Python; they compare against the committed JSON):

    # 1. write the random checkpoints with the Java writer (deterministic: preset + dtype + seed)
    cases=ltm-lora/src/test/resources/reference/cases.json
    for row in $(/usr/bin/python3 -c "import json;[print(f\"{c['name']},{c['preset']},{c['dtype']},{c['seed']}\") for c in json.load(open('$cases'))]"); do
      IFS=, read name preset dtype seed <<< "$row"
      ./ltm random-model --preset $preset --dtype $dtype --seed $seed --out /tmp/ltm-ref/$name
    done
    # 2. run this script with Debian's python3 (torch 1.13)
    /usr/bin/python3 ltm-lora/src/test/python/reference_logprobs.py --cases $cases --root /tmp/ltm-ref \
        --out ltm-lora/src/test/resources/reference/reference_logprobs.json
"""
import argparse
import json
import math
import os
import struct

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    """name -> float64 tensor, parsed from the raw file (8-byte LE header length, JSON, data)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        buf = bytearray(raw[base + b: base + end])
        t = torch.frombuffer(buf, dtype=DTYPES[e["dtype"]]) if len(buf) else torch.zeros(0)
        out[name] = t.to(torch.float64).reshape(e["shape"])
    return out


def read_weights(model_dir):
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
        w = {}
        for s in shards:
            w.update(read_safetensors(os.path.join(model_dir, s)))
        return w
    return read_safetensors(os.path.join(model_dir, "model.safetensors"))


def rms_norm(x, weight, eps):
    # weight * x / sqrt(mean(x^2) + eps)
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def inv_frequencies(cfg, head_dim):
    theta = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    rs = cfg.get("rope_scaling") or {}
    kind = rs.get("rope_type", rs.get("type", "default"))
    if kind == "linear":
        inv = inv / rs["factor"]
    elif kind == "llama3":
        factor = rs["factor"]
        low, high = rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
        inv = torch.where(medium, smoothed, scaled)
    elif kind != "default":
        raise ValueError(kind)
    return inv


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def swiglu(w, prefix, m):
    """down(silu(gate(m)) * up(m)) with the projections under `prefix` (a dense MLP or one expert)."""
    g = m @ w[prefix + "gate_proj.weight"].T
    u = m @ w[prefix + "up_proj.weight"].T
    return (torch.nn.functional.silu(g) * u) @ w[prefix + "down_proj.weight"].T


def is_sparse(cfg, layer):
    """Qwen3MoeDecoderLayer: sparse unless in mlp_only_layers, and only every decoder_sparse_step-th layer."""
    if cfg["model_type"] != "qwen3_moe":
        return False
    return layer not in cfg.get("mlp_only_layers", []) and cfg["num_experts"] > 0 and \
        (layer + 1) % cfg.get("decoder_sparse_step", 1) == 0


def sparse_moe_block(cfg, w, prefix, m):
    """Qwen3MoeSparseMoeBlock.forward for m [T, H] (float64 throughout)."""
    n_experts, top_k = cfg["num_experts"], cfg["num_experts_per_tok"]
    router_logits = m @ w[prefix + "gate.weight"].T  # (T, E)
    routing_weights = torch.softmax(router_logits, dim=1)
    routing_weights, selected = torch.topk(routing_weights, top_k, dim=-1)  # (T, k)
    if cfg.get("norm_topk_prob", False):
        routing_weights = routing_weights / routing_weights.sum(dim=-1, keepdim=True)
    out = torch.zeros_like(m)
    expert_mask = torch.nn.functional.one_hot(selected, num_classes=n_experts).permute(2, 1, 0)  # (E, k, T)
    expert_hit = torch.greater(expert_mask.sum(dim=(-1, -2)), 0).nonzero()
    for e in expert_hit:
        e = int(e)
        idx, top_x = torch.where(expert_mask[e])
        y = swiglu(w, f"{prefix}experts.{e}.", m[top_x]) * routing_weights[top_x, idx, None]
        out.index_add_(0, top_x, y)
    return out


def forward_logits(cfg, w, ids):
    """Logits [T, vocab] for one sequence, float64."""
    mt = cfg["model_type"]
    h = cfg["hidden_size"]
    n_heads = cfg["num_attention_heads"]
    n_kv = cfg.get("num_key_value_heads", n_heads)
    d = cfg.get("head_dim") or h // n_heads
    eps = cfg["rms_norm_eps"]
    attention_bias = mt == "qwen2" or cfg.get("attention_bias", False)
    T = len(ids)
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]  # (T, H)
    pos = torch.arange(T, dtype=torch.float64)
    freqs = torch.outer(pos, inv_frequencies(cfg, d))
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()  # (T, D)
    causal = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)

    def lin(name, t, bias):
        y = t @ w[name + ".weight"].T
        return y + w[name + ".bias"] if bias else y

    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        a = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = lin(p + "self_attn.q_proj", a, attention_bias).view(T, n_heads, d)
        k = lin(p + "self_attn.k_proj", a, attention_bias).view(T, n_kv, d)
        v = lin(p + "self_attn.v_proj", a, attention_bias).view(T, n_kv, d)
        if mt in ("qwen3", "qwen3_moe"):
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)  # (heads, T, D)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = n_heads // n_kv
        k = k.repeat_interleave(rep, dim=0)  # repeat_kv: head i uses kv head i // rep
        v = v.repeat_interleave(rep, dim=0)
        scores = q @ k.transpose(1, 2) / math.sqrt(d) + causal
        o = (scores.softmax(-1) @ v).transpose(0, 1).reshape(T, n_heads * d)
        x = x + lin(p + "self_attn.o_proj", o, mt != "qwen2" and cfg.get("attention_bias", False))
        m = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        if is_sparse(cfg, l):
            x = x + sparse_moe_block(cfg, w, p + "mlp.", m)
        else:
            x = x + swiglu(w, p + "mlp.", m)
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return x @ head.T


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", required=True)
    ap.add_argument("--root", required=True, help="directory holding one checkpoint folder per case name")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(args.cases) as f:
        cases = json.load(f)
    result = {}
    for c in cases:
        model_dir = os.path.join(args.root, c["name"])
        with open(os.path.join(model_dir, "config.json")) as f:
            cfg = json.load(f)
        w = read_weights(model_dir)
        ids = c["ids"]
        logp = forward_logits(cfg, w, ids).log_softmax(-1)  # (T, V)
        target = torch.tensor(ids[1:])
        lp = logp[:-1].gather(1, target[:, None])[:, 0]
        ent = -(logp.exp() * logp).sum(-1)
        result[c["name"]] = {
            "logprobs": [float(v) for v in lp],
            "entropies": [float(v) for v in ent],
            "argmax": [int(v) for v in logp.argmax(-1)],
        }
        print(c["name"], "mean logprob", float(lp.mean()))
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
