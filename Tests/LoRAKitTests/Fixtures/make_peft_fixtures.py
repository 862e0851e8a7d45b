"""Makes PEFT adapter fixtures in peft/ for the tiny Llama of tiny-llama-bnb4/original.safetensors.

    pip install torch transformers peft safetensors
    python make_peft_fixtures.py            # writes peft/<name>/{adapter_config.json, adapter_model.safetensors, merged.safetensors}
    python make_peft_fixtures.py --check DIR   # loads an adapter written by LoRAKit in PEFT and compares

Two adapters: "standard" (r=4, alpha=8, q/v projections) and "rslora" (r=8, alpha=16, use_rslora,
all seven projections). Both get random non-zero A and B (init_lora_weights=False), so merging
changes the weights. merged.safetensors holds PEFT's merge_and_unload() result for every adapted
weight: what W + s·B·A must equal.
"""
import json
import os
import shutil
import sys

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import load_file, save_file
from transformers import LlamaConfig, LlamaForCausalLM

ORIGINAL = "tiny-llama-bnb4/original.safetensors"
ADAPTERS = {
    "standard": dict(r=4, lora_alpha=8, lora_dropout=0.05, target_modules=["q_proj", "v_proj"]),
    "rslora": dict(r=8, lora_alpha=16, lora_dropout=0.0, use_rslora=True,
                   target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]),
}


def base_model():
    config = json.load(open("tiny-llama-bnb4/config.json"))
    config.pop("quantization_config", None)
    model = LlamaForCausalLM(LlamaConfig(**config)).float().eval()
    model.load_state_dict(load_file(ORIGINAL))
    return model


def make():
    for name, options in ADAPTERS.items():
        torch.manual_seed(7)
        model = get_peft_model(base_model(), LoraConfig(task_type="CAUSAL_LM", init_lora_weights=False, **options))
        folder = f"peft/{name}"
        shutil.rmtree(folder, ignore_errors=True)
        model.save_pretrained(folder)
        for extra in os.listdir(folder):
            if extra not in ("adapter_config.json", "adapter_model.safetensors"):
                os.remove(os.path.join(folder, extra))
        merged = model.merge_and_unload()
        targets = options["target_modules"]
        state = {k: v.contiguous() for k, v in merged.state_dict().items()
                 if any(f".{t}.weight" in k for t in targets)}
        save_file(state, f"{folder}/merged.safetensors")
        print(name, sorted(os.listdir(folder)), len(state), "merged weights")


def check(folder):
    model = PeftModel.from_pretrained(base_model(), folder)
    config = json.load(open(os.path.join(folder, "adapter_config.json")))
    merged = model.merge_and_unload().state_dict()
    reference = f"peft/{os.path.basename(folder.rstrip('/'))}/merged.safetensors"
    expected = load_file(reference) if os.path.exists(reference) else {}
    worst = max(((merged[k] - v).abs().max().item() for k, v in expected.items()), default=float("nan"))
    print("PEFT loaded", folder, "r", config["r"], "alpha", config["lora_alpha"], "targets", config["target_modules"],
          "| merged weights vs the fixture's: max difference", worst)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        make()
