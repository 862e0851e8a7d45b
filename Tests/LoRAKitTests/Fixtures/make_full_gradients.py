"""Gradients of the tiny Llama's loss with respect to every one of its tensors (full-parameter
training), computed by transformers + PyTorch autograd on the batch of
tiny-llama-bnb4/reference_logits.safetensors, from the float32 weights in original.safetensors.

    pip install torch transformers safetensors
    python make_full_gradients.py      # writes tiny-llama-bnb4/full_gradients.safetensors
"""
import json

import torch
from safetensors.torch import load_file, save_file
from transformers import LlamaConfig, LlamaForCausalLM

config = json.load(open("tiny-llama-bnb4/config.json"))
config.pop("quantization_config")
model = LlamaForCausalLM(LlamaConfig(**config)).float()
model.load_state_dict(load_file("tiny-llama-bnb4/original.safetensors"))
model.train()   # no dropout in this config, so train mode only enables gradients
ids = load_file("tiny-llama-bnb4/reference_logits.safetensors")["input_ids"].long()
loss = model(ids, labels=ids).loss
loss.backward()
out = {"loss": loss.detach().reshape(1)}
for name, parameter in model.named_parameters():
    out[name] = parameter.grad.contiguous()
save_file(out, "tiny-llama-bnb4/full_gradients.safetensors")
print("loss", loss.item(), "gradients", len(out) - 1)
