"""The tiny Llama (weights of tiny-llama-bnb4/original.safetensors) with Llama 3.1's RoPE scaling
(rope_type llama3; factor 8, low_freq_factor 1, high_freq_factor 4, original context 64, so the
8 frequencies of head_dim 16 fall in all three bands: kept, interpolated, divided). Writes
tiny-llama3-rope/config.json and reference.safetensors: transformers' inv_freq, the input ids
(1 sequence of 100 tokens, past the original context) and its logits.

    pip install torch transformers safetensors
    python make_llama3_rope_fixture.py
"""
import json
import os

import torch
from safetensors.torch import load_file, save_file
from transformers import LlamaConfig, LlamaForCausalLM

config = json.load(open("tiny-llama-bnb4/config.json"))
config.pop("quantization_config")
config["rope_parameters"] = {"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0, "low_freq_factor": 1.0,
                             "high_freq_factor": 4.0, "original_max_position_embeddings": 64}
model = LlamaForCausalLM(LlamaConfig(**config)).float().eval()
model.load_state_dict(load_file("tiny-llama-bnb4/original.safetensors"))
os.makedirs("tiny-llama3-rope", exist_ok=True)
model.config.to_json_file("tiny-llama3-rope/config.json")
generator = torch.Generator().manual_seed(3)
ids = torch.randint(0, 256, (1, 100), generator=generator)
with torch.no_grad():
    logits = model(ids).logits[0]
inv_freq = model.model.rotary_emb.inv_freq.float()
save_file({"inv_freq": inv_freq.contiguous(), "input_ids": ids[0].to(torch.int32), "logits": logits.contiguous()},
          "tiny-llama3-rope/reference.safetensors")
print("inv_freq", inv_freq.tolist())
