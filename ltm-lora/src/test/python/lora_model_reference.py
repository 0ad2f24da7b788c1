#!/usr/bin/python3
"""Independent torch reference for LoRA on the whole decoder: logprobs with a PEFT-layout adapter, the
gradients of every lora_A / lora_B for one batch (HF causal LM loss, -100 labels), and the weights after
one torch.optim.AdamW step.

The decoder math is reference_logprobs.py's (float64, transformers' Qwen3 definition); LoRA enters as
PEFT defines it, y = x W^T + (x A^T B^T) * alpha / r, here written as W + s * B @ A with A and B leaf
tensors so torch autograd gives their gradients. The adapter is written by hand in PEFT's layout (F32).

Regenerate (tests never run Python):
    ./ltm random-model --preset tiny-qwen3 --dtype f32 --seed 11 --out /tmp/ltm-ref/tiny-qwen3-f32
    /usr/bin/python3 ltm-lora/src/test/python/lora_model_reference.py /tmp/ltm-ref/tiny-qwen3-f32 \
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
torch.manual_seed(99)
R, ALPHA = 4, 8
SCALING = ALPHA / R
TARGETS = ["q_proj", "v_proj", "down_proj"]

lora = {}
for l in range(cfg["num_hidden_layers"]):
    for t in TARGETS:
        blk = "mlp" if t.endswith("down_proj") else "self_attn"
        module = f"model.layers.{l}.{blk}.{t}"
        out_f, in_f = w[module + ".weight"].shape
        a = (torch.rand(R, in_f, dtype=torch.float64) * 2 - 1) / in_f ** 0.5
        b = torch.randn(out_f, R, dtype=torch.float64) * 0.05
        # Round to f32 so Java and Python start from the same values.
        lora[module] = (a.float().double().requires_grad_(True), b.float().double().requires_grad_(True))


def weights_with_lora():
    ww = dict(w)
    for module, (a, b) in lora.items():
        ww[module + ".weight"] = w[module + ".weight"] + SCALING * (b @ a)
    return ww


ids = [151644, 872, 198, 3838, 374, 264, 11198, 30, 151645, 198, 151644, 77091, 198, 151667, 198, 40, 1265,
       1744, 13, 151668, 271, 32, 1809, 0, 15, 1000, 50000, 151643]
labels = list(ids)
for i in range(0, 13):
    labels[i] = -100  # prompt masked, as the dataset does

logits = forward_logits(cfg, weights_with_lora(), ids)  # (T, V)
logp = logits.log_softmax(-1)
target = torch.tensor(ids[1:])
lp = logp[:-1].gather(1, target[:, None])[:, 0]
shift_labels = torch.tensor(labels[1:])
loss = torch.nn.functional.cross_entropy(logits[:-1], shift_labels, ignore_index=-100)
loss.backward()

# One torch.optim.AdamW step on the f32 copies, from these gradients.
params, names = [], []
for module, (a, b) in lora.items():
    for suffix, p in (("lora_A", a), ("lora_B", b)):
        q = p.detach().float().clone().requires_grad_(True)
        q.grad = p.grad.float().clone()
        params.append(q)
        names.append(f"{module}.{suffix}.weight")
opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
opt.step()

# Adapter in PEFT's layout, F32, hand-rolled safetensors.
adapter_dir = os.path.join(out_dir, "lora_model_adapter")
os.makedirs(adapter_dir, exist_ok=True)
config = {"alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": "tiny-qwen3-f32-seed11",
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
for module, (a, b) in lora.items():
    result["grads"][module + ".lora_A.weight"] = a.grad.reshape(-1).tolist()
    result["grads"][module + ".lora_B.weight"] = b.grad.reshape(-1).tolist()
for n, p in zip(names, params):
    result["after_adamw"][n] = p.detach().reshape(-1).tolist()
with open(os.path.join(out_dir, "lora_model_reference.json"), "w") as f:
    json.dump(result, f)
print("loss", float(loss))
