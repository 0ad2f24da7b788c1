#!/usr/bin/python3
"""Independent torch reference for LoRA on a Qwen3-MoE decoder: attention, the router (`gate`) and every
expert's gate_proj/up_proj/down_proj adapted. Gives the logprobs with the adapter, the gradients of every
lora_A / lora_B for one short sequence (HF causal LM loss, -100 labels), and the weights after one
torch.optim.AdamW step with weight decay.

The decoder math is reference_logprobs.py's (float64, transformers' Qwen3MoeSparseMoeBlock with its
loop over the experts that were hit); LoRA enters as PEFT defines it, W + s * B @ A per module, with A and
B leaf tensors. An expert that no token chose is never read, so its A and B get no gradient (grad None):
torch's AdamW skips them (no update, no weight decay, no step). The sequence is short so that some
experts are left out. The adapter is written by hand in PEFT's layout (F32): an adapter "made elsewhere".

Regenerate (tests never run Python):
    ./ltm random-model --preset tiny-qwen3-moe --dtype f32 --seed 11 --out /tmp/ltm-ref/tiny-qwen3-moe-f32
    /usr/bin/python3 ltm-lora/src/test/python/lora_moe_reference.py /tmp/ltm-ref/tiny-qwen3-moe-f32 \
        ltm-lora/src/test/resources/fixtures
"""
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_logprobs import forward_logits, read_weights  # noqa: E402

model_dir, out_dir = sys.argv[1], sys.argv[2]
with open(os.path.join(model_dir, "config.json")) as f:
    cfg = json.load(f)
w = read_weights(model_dir)
torch.manual_seed(7)
R, ALPHA = 4, 8
SCALING = ALPHA / R
TARGETS = ["q_proj", "v_proj", "gate", "gate_proj", "up_proj", "down_proj"]

lora = {}
for name in w:  # checkpoint order
    if not name.endswith(".weight") or not name.startswith("model.layers."):
        continue
    module = name[: -len(".weight")]
    if not any(module.endswith("." + t) for t in TARGETS):
        continue
    out_f, in_f = w[name].shape
    a = (torch.rand(R, in_f, dtype=torch.float64) * 2 - 1) / in_f ** 0.5
    b = torch.randn(out_f, R, dtype=torch.float64) * 0.05
    lora[module] = (a.float().double().requires_grad_(True), b.float().double().requires_grad_(True))


def weights_with_lora():
    ww = dict(w)
    for module, (a, b) in lora.items():
        ww[module + ".weight"] = w[module + ".weight"] + SCALING * (b @ a)
    return ww


ids = [151644, 872, 198, 3838, 374, 264]
labels = [-100, -100, 198, 3838, 374, 264]

logits = forward_logits(cfg, weights_with_lora(), ids)  # (T, V)
logp = logits.log_softmax(-1)
lp = logp[:-1].gather(1, torch.tensor(ids[1:])[:, None])[:, 0]
loss = torch.nn.functional.cross_entropy(logits[:-1], torch.tensor(labels[1:]), ignore_index=-100)
loss.backward()

params, names = [], []
for module, (a, b) in lora.items():
    for suffix, p in (("lora_A", a), ("lora_B", b)):
        q = p.detach().float().clone().requires_grad_(True)
        q.grad = None if p.grad is None else p.grad.float().clone()
        params.append(q)
        names.append(f"{module}.{suffix}.weight")
opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
opt.step()

adapter_dir = os.path.join(out_dir, "lora_moe_adapter")
os.makedirs(adapter_dir, exist_ok=True)
config = {"alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": "tiny-qwen3-moe-f32-seed11",
          "bias": "none", "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True,
          "layer_replication": None, "layers_pattern": None, "layers_to_transform": None, "loftq_config": {},
          "lora_alpha": ALPHA, "lora_dropout": 0.0, "megatron_config": None, "megatron_core": "megatron.core",
          "modules_to_save": None, "peft_type": "LORA", "r": R, "rank_pattern": {}, "revision": None,
          "target_modules": TARGETS, "task_type": "CAUSAL_LM", "use_dora": False, "use_rslora": False}
with open(os.path.join(adapter_dir, "adapter_config.json"), "w") as f:
    json.dump(config, f, indent=2, sort_keys=True)
header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
for module, (a, b) in lora.items():
    for suffix, t in (("lora_A", a), ("lora_B", b)):
        raw = t.detach().float().numpy().tobytes()
        header[f"base_model.model.{module}.{suffix}.weight"] = {"dtype": "F32", "shape": list(t.shape),
                                                                "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
h = json.dumps(header).encode()
h += b" " * ((8 - len(h) % 8) % 8)
with open(os.path.join(adapter_dir, "adapter_model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h)))
    f.write(h)
    for blob in blobs:
        f.write(blob)

result = {"ids": ids, "labels": labels, "logprobs": [float(v) for v in lp], "loss": float(loss),
          "grads": {}, "after_adamw": {}, "adamw": {"lr": 1e-3, "weight_decay": 0.01}}
unused = set()
for module, (a, b) in lora.items():
    for suffix, p in (("lora_A", a), ("lora_B", b)):
        key = f"{module}.{suffix}.weight"
        result["grads"][key] = None if p.grad is None else p.grad.reshape(-1).tolist()
        if p.grad is None:
            unused.add(module)
for n, p in zip(names, params):
    result["after_adamw"][n] = p.detach().reshape(-1).tolist()
result["modules_without_gradient"] = sorted(unused)
with open(os.path.join(out_dir, "lora_moe_reference.json"), "w") as f:
    json.dump(result, f)
print("loss", float(loss), "modules", len(lora), "without gradient", len(unused))
