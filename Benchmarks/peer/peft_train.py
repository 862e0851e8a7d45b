"""The peer of `lorakit-bench train`: LoRA training tokens/s of PyTorch + PEFT on the CPU for a
Llama of the same shape, LoRA configuration and batch, printed as one JSON line.

    python peft_train.py --hidden 512 --intermediate 1376 --layers 8 --heads 8 --kv-heads 2 \
        --vocab 32000 --seq-len 256 --batch 4 --threads 2 [--checkpointing]

The model is transformers' LlamaForCausalLM with random weights (float32, untied head), wrapped
by PEFT's get_peft_model with LoRA on all seven projections; the optimizer is torch.optim.AdamW
over the adapter's parameters. One warm-up step, then --steps timed steps of forward, backward,
optimizer step and zero_grad. Tokens/s counts every token of the sequences, as LoRAKit does.
Attention is transformers' default for the installed version (SDPA), which is what a user gets.
"""
import argparse
import json
import sys
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM

MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, default in [("hidden", 512), ("intermediate", 1376), ("layers", 8), ("heads", 8), ("kv-heads", 2),
                          ("vocab", 32000), ("seq-len", 256), ("batch", 4), ("steps", 3), ("threads", 2), ("rank", 16)]:
        p.add_argument("--" + name, type=int, default=default)
    p.add_argument("--alpha", type=float, default=32)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--checkpointing", action="store_true", help="gradient checkpointing of every block")
    p.add_argument("--label", default="", help="configuration name echoed in the JSON record")
    p.add_argument("--serve", action="store_true",
                   help="after the warm-up print a ready line, then time one step per 'step' line on stdin (compare.py's paired mode)")
    return p.parse_args()


def model_for(args):
    config = LlamaConfig(hidden_size=args.hidden, intermediate_size=args.intermediate, num_hidden_layers=args.layers,
                         num_attention_heads=args.heads, num_key_value_heads=args.kv_heads, vocab_size=args.vocab,
                         max_position_embeddings=max(4096, args.seq_len), tie_word_embeddings=False)
    torch.manual_seed(1)
    model = LlamaForCausalLM(config).to(torch.float32)
    if args.checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    lora = LoraConfig(r=args.rank, lora_alpha=args.alpha, lora_dropout=args.dropout, target_modules=MODULES)
    return config, get_peft_model(model, lora)


def main():
    args = parse()
    torch.set_num_threads(args.threads)
    config, model = model_for(args)
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    generator = torch.Generator().manual_seed(0)
    batches = [torch.randint(0, args.vocab, (args.batch, args.seq_len), generator=generator) for _ in range(args.steps + 1)]

    def step(ids):
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss.item()

    step(batches[0])   # warm-up: first allocations, oneDNN/BLAS kernel selection
    parameters = sum(p.numel() for p in model.parameters())
    meta = {"suite": "peer", "impl": "pytorch+peft", "label": args.label, "torch": torch.__version__,
            "threads": torch.get_num_threads(), "parameters": parameters, "seq_len": args.seq_len, "batch": args.batch,
            "checkpointing": args.checkpointing, "attention": getattr(config, "_attn_implementation", None)}
    if args.serve:
        serve(step, batches, meta)
        return
    start = time.perf_counter()
    for ids in batches[1:]:
        step(ids)
    seconds = (time.perf_counter() - start) / args.steps
    print(json.dumps(dict(meta, step_s=seconds, tokens_per_s=args.seq_len * args.batch / seconds)))


def serve(step, batches, meta):
    """One timed step per 'step' line on stdin, each answered with its time as a JSON line."""
    print(json.dumps(dict(meta, ready=True)), flush=True)
    index = 0
    for line in sys.stdin:
        if line.strip() != "step":
            break
        index = index % (len(batches) - 1) + 1
        start = time.perf_counter()
        step(batches[index])
        print(json.dumps({"step_s": time.perf_counter() - start, "tokens": batches[index].numel()}), flush=True)

if __name__ == "__main__":
    main()
