#!/usr/bin/python3
"""Independent torch reference for ltm's LoRA and training math.

Regenerate the fixture (tests never run Python):
    /usr/bin/python3 ltm-lora/src/test/python/lora_train_reference.py \
        ltm-lora/src/test/resources/fixtures/lora_train_reference.json

Covers: the LoRA layer forward and the gradients of A and B (PEFT's lora.Linear formula), rsLoRA
scaling, torch.optim.AdamW over several steps with weight decay, torch.nn.utils.clip_grad_norm_,
transformers' linear and cosine warmup schedules (re-implemented from transformers' source, formula
for formula), and the shifted causal LM cross-entropy with ignore_index=-100 and packed segments.
"""
import json
import math
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(1234)


def t(x):
    return x.detach().reshape(-1).tolist()


out = {}

# ---- LoRA layer: y = x W^T + b + dropout(x) A^T B^T * scaling (PEFT lora.Linear, dropout off) ----
B_, T_, IN, OUT, R = 2, 3, 8, 6, 4
x = torch.randn(B_, T_, IN)
W = torch.randn(OUT, IN)
A = (torch.rand(R, IN) * 2 - 1).requires_grad_(True)
Bm = torch.randn(OUT, R).requires_grad_(True)
alpha = 8.0
for name, scaling in (("plain", alpha / R), ("rslora", alpha / math.sqrt(R))):
    base = x @ W.T
    y = base + (x @ A.T @ Bm.T) * scaling
    g = torch.randn(B_, T_, OUT)
    A.grad = None
    Bm.grad = None
    (y * g).sum().backward()
    out["lora_" + name] = {
        "x": t(x), "x_shape": list(x.shape), "w": t(W), "a": t(A), "b": t(Bm), "alpha": alpha, "r": R,
        "scaling": scaling, "y": t(y), "upstream": t(g), "grad_a": t(A.grad), "grad_b": t(Bm.grad),
        "delta_weight": t((Bm @ A) * scaling),
    }

# ---- AdamW: several steps, weight decay, given gradients ----
p0 = [torch.randn(4, 5), torch.randn(3, 4)]
params = [p.clone().requires_grad_(True) for p in p0]
opt = torch.optim.AdamW(params, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
lrs = [1e-2, 5e-3, 2e-2, 1e-3, 7e-3]
grads_seq, after = [], []
for step, lr in enumerate(lrs):
    for gr in opt.param_groups:
        gr["lr"] = lr
    gs = [torch.randn_like(p) * (step + 1) for p in params]
    for p, gg in zip(params, gs):
        p.grad = gg.clone()
    opt.step()
    grads_seq.append([t(gg) for gg in gs])
    after.append([t(p) for p in params])
out["adamw"] = {
    "shapes": [list(p.shape) for p in p0], "init": [t(p) for p in p0], "lrs": lrs,
    "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1,
    "grads": grads_seq, "params_after": after,
    "exp_avg": [t(opt.state[p]["exp_avg"]) for p in params],
    "exp_avg_sq": [t(opt.state[p]["exp_avg_sq"]) for p in params],
}

# ---- clip_grad_norm_ ----
clip = {}
for max_norm in (1.0, 1000.0):
    ps = [torch.zeros(5, 3, requires_grad=True), torch.zeros(7, requires_grad=True)]
    gs = [torch.randn(5, 3) * 2, torch.randn(7) * 3]
    for p, gg in zip(ps, gs):
        p.grad = gg.clone()
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
    clip[str(max_norm)] = {"grads": [t(gg) for gg in gs], "shapes": [list(gg.shape) for gg in gs],
                           "total_norm": float(total), "clipped": [t(p.grad) for p in ps]}
out["clip"] = clip


# ---- schedules: transformers' lr_lambda functions, copied formula for formula ----
def linear_lambda(step, warm, total):
    if step < warm:
        return float(step) / float(max(1, warm))
    return max(0.0, float(total - step) / float(max(1, total - warm)))


def cosine_lambda(step, warm, total, num_cycles=0.5):
    if step < warm:
        return float(step) / float(max(1, warm))
    progress = float(step - warm) / float(max(1, total - warm))
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))


# Drive them through torch's LambdaLR, as transformers does, and read the lr after each scheduler.step().
sched = {}
for kind, fn in (("linear", linear_lambda), ("cosine", cosine_lambda)):
    p = torch.zeros(1, requires_grad=True)
    o = torch.optim.SGD([p], lr=3e-4)
    s = torch.optim.lr_scheduler.LambdaLR(o, lambda st, fn=fn: fn(st, 10, 100))
    lrs_k = []
    for _ in range(101):
        lrs_k.append(o.param_groups[0]["lr"])
        o.step()
        s.step()
    sched[kind] = {"peak": 3e-4, "warmup": 10, "total": 100, "lrs": lrs_k}
out["schedule"] = sched

# ---- causal LM loss with -100 labels and packed segments ----
BATCH, SEQ, V = 2, 7, 11
logits = torch.randn(BATCH, SEQ, V, requires_grad=True)
labels = torch.randint(0, V, (BATCH, SEQ))
labels[0, 0:2] = -100
labels[1, 4] = -100
segments = torch.tensor([[0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 0, 2, 2]])
shift_labels = labels[:, 1:].clone()
shift_labels[segments[:, 1:] != segments[:, :-1]] = -100
loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), shift_labels.reshape(-1), ignore_index=-100)
loss.backward()
out["loss"] = {"logits": t(logits), "shape": [BATCH, SEQ, V], "labels": t(labels), "segments": t(segments),
               "loss": float(loss), "tokens": int((shift_labels != -100).sum()), "grad_logits": t(logits.grad)}
# Without segments: plain HF shift.
loss2 = F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=-100)
out["loss"]["loss_no_segments"] = float(loss2)
out["loss"]["tokens_no_segments"] = int((labels[:, 1:] != -100).sum())

with open(sys.argv[1], "w") as f:
    json.dump(out, f)
print("wrote", sys.argv[1])
