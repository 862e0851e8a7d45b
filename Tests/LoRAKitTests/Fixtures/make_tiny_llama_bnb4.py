"""Makes tiny-llama-bnb4/: a tiny random Llama, quantized to NF4 by transformers + bitsandbytes
(double quantization, block 64) and saved with save_pretrained, as a bitsandbytes 4-bit
checkpoint looks on the Hugging Face hub. Also writes tiny-llama-bnb4/original.safetensors with
the float32 weights before quantization, so tests can check that LoRAKit quantizes them to the
same bytes and dequantizes to the same values.

    pip install torch transformers bitsandbytes safetensors accelerate
    python make_tiny_llama_bnb4.py

With --check DIR it instead loads DIR (e.g. the output of `lorakit quantize`) in transformers
with its bitsandbytes config and compares every dequantized Linear weight with the original.
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import BitsAndBytesConfig, LlamaConfig, LlamaForCausalLM

OUT = "tiny-llama-bnb4"


def tiny_model():
    torch.manual_seed(20261123)
    config = LlamaConfig(vocab_size=256, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                         tie_word_embeddings=False)
    return LlamaForCausalLM(config).float().eval()


def make():
    model = tiny_model()
    os.makedirs(OUT, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, f"{OUT}/original.safetensors")
    model.save_pretrained("/tmp/tiny-llama-fp32", safe_serialization=True)
    bnb = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                             bnb_4bit_compute_dtype=torch.float32)
    quantized = LlamaForCausalLM.from_pretrained("/tmp/tiny-llama-fp32", quantization_config=bnb, device_map="cpu",
                                                 torch_dtype=torch.float32)
    quantized.save_pretrained(OUT, safe_serialization=True)
    for name in os.listdir(OUT):
        print(name, os.path.getsize(f"{OUT}/{name}"))


def check(folder):
    from safetensors.torch import load_file
    import bitsandbytes.functional as F
    original = load_file(f"{OUT}/original.safetensors")
    model = LlamaForCausalLM.from_pretrained(folder, device_map="cpu")
    worst = 0.0
    for name, module in model.named_modules():
        weight = getattr(module, "weight", None)
        if weight is None or not hasattr(weight, "quant_state"):
            continue
        dense = F.dequantize_4bit(weight.data, weight.quant_state).float()
        expected = F.dequantize_4bit(*F.quantize_4bit(original[name + ".weight"], blocksize=64, compress_statistics=True,
                                                        quant_type="nf4"))
        worst = max(worst, (dense - expected.float()).abs().max().item())
        print(f"{name}: {tuple(dense.shape)} max |ours - bitsandbytes| = {(dense - expected.float()).abs().max().item():.3g}")
    ids = torch.arange(16).unsqueeze(0)
    print("forward ok, logits", tuple(model(ids).logits.shape), "worst difference", worst)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        make()
