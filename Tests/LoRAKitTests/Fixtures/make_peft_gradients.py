"""Gradients of the tiny Llama's loss with respect to every LoRA A and B of the peft/rslora
adapter (rsLoRA, r=8, all seven projections, dropout 0), computed by PEFT + PyTorch autograd on
the batch of tiny-llama-bnb4/reference_logits.safetensors.

    pip install torch transformers peft safetensors
    python make_peft_gradients.py      # writes peft/rslora/gradients.safetensors
"""
import json

import torch
from peft import PeftModel
from safetensors.torch import load_file, save_file
from transformers import LlamaConfig, LlamaForCausalLM

config = json.load(open("tiny-llama-bnb4/config.json"))
config.pop("quantization_config")
base = LlamaForCausalLM(LlamaConfig(**config)).float()
base.load_state_dict(load_file("tiny-llama-bnb4/original.safetensors"))
model = PeftModel.from_pretrained(base, "peft/rslora", is_trainable=True)
model.train()   # dropout is 0 in this adapter, so train mode changes nothing but requires grads
ids = load_file("tiny-llama-bnb4/reference_logits.safetensors")["input_ids"].long()
loss = model(ids, labels=ids).loss
loss.backward()
out = {"loss": loss.detach().reshape(1)}
for name, parameter in model.named_parameters():
    if parameter.grad is not None:
        key = name.replace("base_model.model.", "").replace(".default", "")
        out[key] = parameter.grad.contiguous()
save_file(out, "peft/rslora/gradients.safetensors")
print("loss", loss.item(), "gradients", len(out) - 1, sorted(out)[:3])
