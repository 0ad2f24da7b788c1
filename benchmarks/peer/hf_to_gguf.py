#!/usr/bin/env python3
"""Offline substitute for llama.cpp's convert_hf_to_gguf.py, for Qwen3 dense checkpoints only.

Writes the GGUF that `convert_hf_to_gguf.py DIR --outtype {f32,f16,bf16}` writes for a Qwen3ForCausalLM
checkpoint, using llama.cpp's own gguf-py (its tensor-name map, gguf.MODEL_ARCH.QWEN3, its writer and
its BF16 rounding) but reading tokenizer.json directly instead of through `transformers`, which
convert_hf_to_gguf.py needs and which may not be installable (no PyPI). Needs only numpy and the
gguf-py directory of a llama.cpp source tree:

    PYTHONPATH=/path/to/llama.cpp/gguf-py python3 benchmarks/peer/hf_to_gguf.py \
        benchmarks/target/qwen3-0.6b-f32 --outtype f32 --outfile benchmarks/target/qwen3-0.6b-f32.gguf

With network, prefer llama.cpp's converter (same arguments): docs/benchmarks.md, "Peer: llama.cpp".

What it reproduces from convert_hf_to_gguf.py (Qwen3Model -> Qwen2Model -> TextModel):
- metadata: block count, context length, embedding/feed-forward length, head counts, key/value length
  (head_dim), rope base, RMS epsilon, file type;
- vocabulary: tokenizer model "gpt2", pre-tokenizer "qwen2", every id up to vocab_size (unused ids as
  [PADi], UNUSED), added special tokens as CONTROL, other added tokens as USER_DEFINED, merges and the
  special ids / chat template through gguf.SpecialVocab (which reads tokenizer.json and
  tokenizer_config.json itself);
- tensors: names through gguf.get_tensor_name_map(QWEN3, n_layers); 1-D tensors (norms) stay f32, the
  others take --outtype; tied embeddings write no output.weight (llama.cpp then uses token_embd).
"""

import argparse
import json
import os
import struct
import sys
from pathlib import Path

import numpy as np

try:
    import gguf
except ImportError:
    sys.exit("hf_to_gguf.py: cannot import gguf; set PYTHONPATH=/path/to/llama.cpp/gguf-py")

FILE_TYPES = {
    "f32": (gguf.LlamaFileType.ALL_F32, gguf.GGMLQuantizationType.F32),
    "f16": (gguf.LlamaFileType.MOSTLY_F16, gguf.GGMLQuantizationType.F16),
    "bf16": (gguf.LlamaFileType.MOSTLY_BF16, gguf.GGMLQuantizationType.BF16),
}


def read_safetensors(path: Path):
    """Yields (name, float32 numpy array) for every tensor of one .safetensors file (memory-mapped)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    base = 8 + n
    for name, e in header.items():
        if name == "__metadata__":
            continue
        start, end = e["data_offsets"]
        buf = raw[base + start: base + end]
        shape = e["shape"]
        dt = e["dtype"]
        if dt == "F32":
            arr = buf.view(np.float32)
        elif dt == "F16":
            arr = buf.view(np.float16).astype(np.float32)
        elif dt == "BF16":
            arr = (buf.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            sys.exit(f"hf_to_gguf.py: {path}: tensor {name} has dtype {dt}; only F32, F16 and BF16 are supported")
        yield name, arr.reshape(shape)


def safetensors_files(model_dir: Path):
    index = model_dir / "model.safetensors.index.json"
    if index.exists():
        files = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        return [model_dir / f for f in files]
    single = model_dir / "model.safetensors"
    if not single.exists():
        sys.exit(f"hf_to_gguf.py: {model_dir}: no model.safetensors or model.safetensors.index.json")
    return [single]


def vocab(model_dir: Path, vocab_size: int):
    """tokens, token types: what convert_hf_to_gguf.py's get_vocab_base() returns for a Qwen2 tokenizer."""
    tok = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    if tok["model"]["type"] != "BPE":
        sys.exit(f"hf_to_gguf.py: {model_dir / 'tokenizer.json'}: model.type is {tok['model']['type']}, expected BPE")
    reverse = {i: t for t, i in tok["model"]["vocab"].items()}
    added = {}
    for a in tok.get("added_tokens", []):
        reverse[a["id"]] = a["content"]
        added[a["id"]] = a
    if max(reverse) >= vocab_size:
        sys.exit(f"hf_to_gguf.py: tokenizer.json has id {max(reverse)} but config.json vocab_size is {vocab_size}")
    tokens, types = [], []
    for i in range(vocab_size):
        if i not in reverse:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
            continue
        t = reverse[i]
        if i in added:
            looks_special = t.startswith("<|") and t.endswith("|>")
            types.append(gguf.TokenType.CONTROL if added[i].get("special") or looks_special
                         else gguf.TokenType.USER_DEFINED)
        else:
            types.append(gguf.TokenType.NORMAL)
        tokens.append(t)
    return tokens, types


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model", type=Path, help="checkpoint directory (config.json, safetensors, tokenizer.json)")
    p.add_argument("--outtype", choices=sorted(FILE_TYPES), default="f32")
    p.add_argument("--outfile", type=Path, required=True)
    a = p.parse_args()

    cfg = json.loads((a.model / "config.json").read_text())
    arch = (cfg.get("architectures") or [None])[0]
    if arch != "Qwen3ForCausalLM":
        sys.exit(f"hf_to_gguf.py: {a.model / 'config.json'}: architectures is {arch}; this offline script only "
                 "converts Qwen3ForCausalLM (use llama.cpp's convert_hf_to_gguf.py for others)")
    ftype, qtype = FILE_TYPES[a.outtype]
    n_layers = cfg["num_hidden_layers"]
    arch_id = gguf.MODEL_ARCH.QWEN3
    names = gguf.get_tensor_name_map(arch_id, n_layers)

    tmp = a.outfile.with_name(a.outfile.name + ".tmp")
    w = gguf.GGUFWriter(tmp, gguf.MODEL_ARCH_NAMES[arch_id])
    w.add_type(gguf.GGUFType.MODEL)
    w.add_name(a.model.name)
    w.add_block_count(n_layers)
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(cfg["num_attention_heads"])
    w.add_head_count_kv(cfg["num_key_value_heads"])
    w.add_rope_freq_base(cfg["rope_theta"])
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    if cfg.get("head_dim") is not None:
        w.add_key_length(cfg["head_dim"])
        w.add_value_length(cfg["head_dim"])
    w.add_file_type(ftype)

    tokens, types = vocab(a.model, cfg["vocab_size"])
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")  # what convert_hf_to_gguf.py detects for the Qwen2/Qwen3 tokenizer
    w.add_token_list(tokens)
    w.add_token_types(types)
    gguf.SpecialVocab(a.model, load_merges=True, n_vocab=len(tokens)).add_to_gguf(w)

    count = 0
    for f in safetensors_files(a.model):
        for name, arr in read_safetensors(f):
            if name == "lm_head.weight" and cfg.get("tie_word_embeddings", False):
                continue  # convert_hf_to_gguf.py does not write a tied output either
            new = names.get_name(name, try_suffixes=(".weight", ".bias"))
            if new is None:
                sys.exit(f"hf_to_gguf.py: {f}: tensor {name} has no llama.cpp name for qwen3")
            if arr.ndim <= 1 or qtype == gguf.GGMLQuantizationType.F32:
                w.add_tensor(new, np.ascontiguousarray(arr, dtype=np.float32))
            elif qtype == gguf.GGMLQuantizationType.F16:
                w.add_tensor(new, arr.astype(np.float16))
            else:
                w.add_tensor(new, gguf.quants.quantize(np.asarray(arr, dtype=np.float32), qtype), raw_dtype=qtype)
            count += 1
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file(progress=False)
    w.close()
    os.replace(tmp, a.outfile)
    print(f"wrote {a.outfile}: {count} tensors, {a.outtype}, {a.outfile.stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
