#!/usr/bin/python3
"""An adapter that ltm's trainer code wrote on a Qwen3-MoE base, read by an independent implementation.

Reads the PEFT-layout adapter (adapter_config.json: r, lora_alpha, use_rslora; adapter_model.safetensors:
base_model.model.<module>.lora_A/B.weight, router and experts included), folds it into the base as PEFT
defines LoRA (W + scaling * B @ A), and computes the per-token logprobs with reference_logprobs.py's
float64 transformers Qwen3-MoE forward.

Regenerate (tests never run Python): run LoraMoeAdapterReadbackTest once (it writes the adapter under
ltm-lora/target/moe-readback/adapter and the base under ltm-lora/target/test-checkpoints/), then
    /usr/bin/python3 ltm-lora/src/test/python/lora_moe_readback.py \
        ltm-lora/target/test-checkpoints/tiny-qwen3-moe-F32-11-1 ltm-lora/target/moe-readback/adapter \
        ltm-lora/src/test/resources/fixtures/lora_moe_readback.json
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_logprobs import forward_logits, read_safetensors, read_weights  # noqa: E402

model_dir, adapter_dir, out = sys.argv[1], sys.argv[2], sys.argv[3]
with open(os.path.join(model_dir, "config.json")) as f:
    cfg = json.load(f)
with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
    acfg = json.load(f)
r = acfg["r"]
scaling = acfg["lora_alpha"] / (math.sqrt(r) if acfg.get("use_rslora") else r)
w = read_weights(model_dir)
lora = read_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"))
modules = sorted({k[len("base_model.model."):-len(".lora_A.weight")] for k in lora if k.endswith(".lora_A.weight")})
for m in modules:
    a = lora[f"base_model.model.{m}.lora_A.weight"]
    b = lora[f"base_model.model.{m}.lora_B.weight"]
    w[m + ".weight"] = w[m + ".weight"] + scaling * (b @ a)
ids = [151644, 872, 198, 3838, 374, 264, 11198, 30, 151645, 198, 151644, 77091, 198]
logp = forward_logits(cfg, w, ids).log_softmax(-1)
lp = logp[:-1].gather(1, __import__("torch").tensor(ids[1:])[:, None])[:, 0]
with open(out, "w") as f:
    json.dump({"ids": ids, "modules": len(modules), "target_modules": acfg["target_modules"],
               "logprobs": [float(v) for v in lp]}, f, indent=1)
print("modules", len(modules), "mean logprob", float(lp.mean()))
