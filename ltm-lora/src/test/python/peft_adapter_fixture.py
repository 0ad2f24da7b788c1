#!/usr/bin/python3
"""Writes an adapter in PEFT's layout by hand (no PEFT needed), as another tool would, plus the outputs
torch computes with it, and the f16/bf16 bit patterns torch produces for some tricky floats.

Regenerate (tests never run Python):
    /usr/bin/python3 ltm-lora/src/test/python/peft_adapter_fixture.py ltm-lora/src/test/resources/fixtures

Output: peft_adapter/adapter_config.json, peft_adapter/adapter_model.safetensors (BF16, keys
base_model.model.model.layers.N.self_attn.{q,v}_proj.lora_{A,B}.weight), peft_adapter_expected.json
(base weights, inputs, expected projection outputs) and half_floats.json.
"""
import json
import math
import os
import struct
import sys

import torch

out_dir = sys.argv[1]
torch.manual_seed(7)
HIDDEN, KV, R, ALPHA, LAYERS = 16, 8, 4, 8, 2


def write_safetensors(path, tensors, dtype_name):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        if dtype_name == "BF16":
            raw = t.to(torch.bfloat16).view(torch.int16).numpy().tobytes()
        elif dtype_name == "F16":
            raw = t.to(torch.float16).numpy().tobytes()
        else:
            raw = t.to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": dtype_name, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


adapter_dir = os.path.join(out_dir, "peft_adapter")
os.makedirs(adapter_dir, exist_ok=True)
config = {
    "alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": "tiny-random-qwen3",
    "bias": "none", "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True,
    "layer_replication": None, "layers_pattern": None, "layers_to_transform": None, "loftq_config": {},
    "lora_alpha": ALPHA, "lora_dropout": 0.0, "megatron_config": None, "megatron_core": "megatron.core",
    "modules_to_save": None, "peft_type": "LORA", "r": R, "rank_pattern": {}, "revision": None,
    "target_modules": ["q_proj", "v_proj"], "task_type": "CAUSAL_LM", "use_dora": False, "use_rslora": False,
}
with open(os.path.join(adapter_dir, "adapter_config.json"), "w") as f:
    json.dump(config, f, indent=2, sort_keys=True)

tensors, expected = {}, {"modules": {}}
x = torch.randn(3, HIDDEN)
expected["x"] = x.reshape(-1).tolist()
expected["x_shape"] = list(x.shape)
for layer in range(LAYERS):
    for proj, out_f in (("q_proj", HIDDEN), ("v_proj", KV)):
        module = f"model.layers.{layer}.self_attn.{proj}"
        a = torch.randn(R, HIDDEN) * 0.3
        b = torch.randn(out_f, R) * 0.3
        tensors[f"base_model.model.{module}.lora_A.weight"] = a
        tensors[f"base_model.model.{module}.lora_B.weight"] = b
        a16 = a.to(torch.bfloat16).to(torch.float32)
        b16 = b.to(torch.bfloat16).to(torch.float32)
        w = torch.randn(out_f, HIDDEN)
        y = x @ w.T + (x @ a16.T @ b16.T) * (ALPHA / R)
        expected["modules"][module] = {"w": w.reshape(-1).tolist(), "out": out_f, "y": y.reshape(-1).tolist(),
                                       "y_base": (x @ w.T).reshape(-1).tolist()}
write_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"), tensors, "BF16")
with open(os.path.join(out_dir, "peft_adapter_expected.json"), "w") as f:
    json.dump(expected, f)

vals = [0.0, -0.0, 1.0, -2.5, 1e-8, 6.1e-5, 5.96e-8, 2.98e-8, 65504.0, 65520.0, 1e6, float("inf"),
        -float("inf"), 1.00048828125, 1.0009765625, 1.00146484375, 3.14159265, -1e-3, 1.7e38, 1.0078125,
        1.00390625, 1.01171875]
vals += torch.randn(50).mul(10).tolist()
t = torch.tensor(vals, dtype=torch.float32)
halves = {"values": t.tolist(),
          "f16_bits": [int(v) & 0xFFFF for v in t.to(torch.float16).view(torch.int16).tolist()],
          "bf16_bits": [int(v) & 0xFFFF for v in t.to(torch.bfloat16).view(torch.int16).tolist()]}
with open(os.path.join(out_dir, "half_floats.json"), "w") as f:
    json.dump(halves, f)
print("wrote", out_dir)
