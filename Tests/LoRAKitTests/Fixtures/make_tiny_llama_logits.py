"""Reference logits and loss of the tiny Llama (tiny-llama-bnb4/) from transformers, for the
float32 original and for the bitsandbytes NF4 checkpoint, on a fixed batch of token ids.

    pip install torch transformers bitsandbytes safetensors accelerate
    python make_tiny_llama_logits.py      # writes tiny-llama-bnb4/reference_logits.safetensors
"""
import json

import torch
from safetensors.torch import load_file, save_file
from transformers import LlamaConfig, LlamaForCausalLM

torch.manual_seed(3)
ids = torch.randint(0, 256, (2, 9), dtype=torch.int64)

config = json.load(open("tiny-llama-bnb4/config.json"))
config.pop("quantization_config")
dense = LlamaForCausalLM(LlamaConfig(**config)).float().eval()
dense.load_state_dict(load_file("tiny-llama-bnb4/original.safetensors"))
# The NF4 model's reference is the float32 model over the checkpoint's weights dequantized in
# bitsandbytes' flat block layout (code[q_i]·absmax[i / blocksize], absmax rebuilt with
# bitsandbytes' own dequantize_blockwise), i.e. what its 4-bit matmul computes on a GPU.
# Not F.dequantize_4bit on the CPU: in bitsandbytes 0.50.2 its vectorised CPU path indexes absmax
# per row, which is wrong when the column count is a multiple of 8 but not of the block size
# (down_proj here, 64×96: errors up to 0.03); transformers' from_pretrained on the CPU fails on
# the same weights.
import bitsandbytes.functional as F
checkpoint = load_file("tiny-llama-bnb4/model.safetensors")
state = dense.state_dict()
for name in list(state):
    if name + ".quant_map" in checkpoint:
        parts = {key[len(name) + 1:]: value for key, value in checkpoint.items() if key.startswith(name + ".")}
        quant_state = F.QuantState.from_dict(parts, device=torch.device("cpu"))
        absmax = F.dequantize_blockwise(quant_state.absmax, quant_state.state2) + quant_state.offset
        packed = checkpoint[name].flatten()
        codes = torch.stack([packed >> 4, packed & 15], dim=1).flatten().long()[: quant_state.shape.numel()]
        blocks = absmax.repeat_interleave(quant_state.blocksize)[: codes.numel()]
        state[name] = (quant_state.code[codes] * blocks).reshape(quant_state.shape).float()
quantized = LlamaForCausalLM(LlamaConfig(**config)).float().eval()
quantized.load_state_dict(state)

out = {"input_ids": ids.to(torch.int32)}
with torch.no_grad():
    for name, model in (("float32", dense), ("nf4", quantized)):
        result = model(ids, labels=ids)
        out[f"{name}.logits"] = result.logits.float().contiguous()
        out[f"{name}.loss"] = result.loss.float().reshape(1)
        print(name, "loss", result.loss.item())
save_file(out, "tiny-llama-bnb4/reference_logits.safetensors")
