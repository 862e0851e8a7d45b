"""Makes Fixtures/gguf-model: a tiny random Llama in GGUF as llama.cpp's own converter writes it,
then with its block weights re-quantized to several llama.cpp formats, and transformers' logits
and loss for it (transformers loads a GGUF by dequantizing it). Also a PEFT adapter for it
(adapter/, random A and B on all seven projections) and that adapter as llama.cpp's
convert_lora_to_gguf.py writes it (adapter-reference.gguf), the reference for `lorakit export`.

Run with a venv holding torch (CPU), transformers and gguf, e.g. ~/.cache/lorakit/peer-venv:
    python make_gguf_model_fixture.py LLAMA_CPP_DIR   (the vendor/llama.cpp folder of the
    llama-cpp-python source distribution; its convert_hf_to_gguf.py does the conversion)
The tokenizer is SmolLM2's (Tests/LoRAKitTokenizersTests/Fixtures/smollm2), so the vocabulary is 49152.
Also tiny-qwen2.gguf (architecture qwen2: q/k/v biases, rows not permuted; Qwen2's tokenizer,
vocabulary 151936) and its reference-qwen2.safetensors, made the same way; and tiny-llama31.gguf,
a Llama with Llama 3.1's rope scaling (the converter stores it as the rope_freqs tensor), whose
reference is the transformers model itself with the embedding set to the GGUF's Q8_0 values
(reference-llama31.safetensors).
"""
import json, os, shutil, subprocess, sys, tempfile
import numpy as np
import torch
import gguf
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "gguf-model")
llama_cpp = sys.argv[1]
tokenizer = os.path.join(here, "..", "..", "LoRAKitTokenizersTests", "Fixtures", "smollm2")

# Which llama.cpp format each block weight gets, so one file exercises several.
formats = {"attn_q": "Q4_1", "attn_k": "Q8_0", "attn_v": "Q5_0", "attn_output": "Q4_0", "ffn_gate": "Q5_1",
           "ffn_up": "Q8_0", "ffn_down": "Q4_1", "token_embd": "Q8_0"}

def make_hf(folder, qwen2=False, llama31=False):
    torch.manual_seed(0)
    shape = dict(hidden_size=32, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                 max_position_embeddings=256, rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=True)
    if qwen2:
        model = Qwen2ForCausalLM(Qwen2Config(vocab_size=151936, **shape))
    else:
        scaling = dict(rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                     "original_max_position_embeddings": 16}, rope_theta=500000.0) if llama31 else {}
        model = LlamaForCausalLM(LlamaConfig(vocab_size=49152, bos_token_id=1, eos_token_id=2, **{**shape, **scaling}))
    with torch.no_grad():   # norms away from one and biases away from zero, so a wrong one shows
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(1 + 0.1 * torch.randn_like(p))
            elif name.endswith(".bias"):
                p.copy_(0.1 * torch.randn_like(p))
    model.save_pretrained(folder, safe_serialization=True)
    if llama31:   # rope_parameters as transformers 5 writes them, so the converter sees the scaling
        config = json.load(open(os.path.join(folder, "config.json")))
        print("llama31 config rope:", {k: config.get(k) for k in ("rope_scaling", "rope_parameters", "rope_theta")})
    source = os.path.join(here, "..", "..", "LoRAKitTokenizersTests", "Fixtures", "qwen2") if qwen2 else tokenizer
    for name in os.listdir(source):
        shutil.copy(os.path.join(source, name), folder)

def requantize(source, target):
    reader = gguf.GGUFReader(source)
    arch = reader.fields["general.architecture"].contents()
    writer = gguf.GGUFWriter(target, arch)
    for field in reader.fields.values():
        if field.name.startswith("GGUF.") or field.name == "general.architecture":
            continue
        value = field.contents()
        vtype = field.types[0]
        sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, value, vtype, sub_type=sub)
    for tensor in reader.tensors:
        data = np.array(tensor.data)
        kind = tensor.name.split(".")[-2] if tensor.name.startswith("blk.") else tensor.name.split(".")[0]
        if tensor.tensor_type == gguf.GGMLQuantizationType.F32 and data.ndim == 2 and kind in formats:
            qtype = gguf.GGMLQuantizationType[formats[kind]]
            q = gguf.quants.quantize(data.astype(np.float32), qtype)
            writer.add_tensor(tensor.name, q, raw_shape=q.shape, raw_dtype=qtype)
        else:
            writer.add_tensor(tensor.name, data, raw_dtype=tensor.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

def make_adapter(hf, llama_cpp):
    from peft import LoraConfig, get_peft_model
    base = LlamaForCausalLM.from_pretrained(hf)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
                        lora_dropout=0.0, init_lora_weights=False)
    model = get_peft_model(base, config)
    torch.manual_seed(1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_" in name:
                p.copy_(0.1 * torch.randn_like(p))
    folder = os.path.join(out, "adapter")
    model.save_pretrained(folder)
    os.remove(os.path.join(folder, "README.md"))   # a model card naming the temporary folder
    subprocess.run([sys.executable, os.path.join(llama_cpp, "convert_lora_to_gguf.py"), folder, "--base", hf, "--outtype", "f32",
                    "--outfile", os.path.join(out, "adapter-reference.gguf")], check=True,
                   env={**os.environ, "PYTHONPATH": os.path.join(llama_cpp, "gguf-py")})

def reference(model, ids, vocabulary, path):
    with torch.no_grad():
        result = model(input_ids=ids, labels=ids)
    # Every position's logits at every 48th token id (the loss covers the whole vocabulary).
    columns = torch.arange(0, vocabulary, 48)
    save_file({"input_ids": ids.to(torch.int32).contiguous(), "logit_columns": columns.to(torch.int32).contiguous(),
               "logits": result.logits[0][:, columns].contiguous(), "loss": result.loss.reshape(1).contiguous()}, path)
    print(os.path.basename(path), "loss", result.loss.item(), "logits", tuple(result.logits.shape))

def make_qwen2(llama_cpp):
    with tempfile.TemporaryDirectory() as tmp:
        hf = os.path.join(tmp, "hf")
        make_hf(hf, qwen2=True)
        converted = os.path.join(tmp, "f32.gguf")
        subprocess.run([sys.executable, os.path.join(llama_cpp, "convert_hf_to_gguf.py"), hf, "--outtype", "f32",
                        "--outfile", converted], check=True, env={**os.environ, "PYTHONPATH": os.path.join(llama_cpp, "gguf-py")})
        formats["token_embd"] = "Q4_0"   # 151936 rows: the smallest format keeps the fixture small
        requantize(converted, os.path.join(out, "tiny-qwen2.gguf"))
        formats["token_embd"] = "Q8_0"
        model = AutoModelForCausalLM.from_pretrained(out, gguf_file="tiny-qwen2.gguf", torch_dtype=torch.float32)
    ids = torch.tensor([[9707, 1879, 11, 432, 594, 220, 17, 15, 17, 21, 0, 151643, 198, 40, 1079, 13]])
    reference(model, ids, 151936, os.path.join(out, "reference-qwen2.safetensors"))

def make_llama31(llama_cpp):
    with tempfile.TemporaryDirectory() as tmp:
        hf = os.path.join(tmp, "hf")
        make_hf(hf, llama31=True)
        converted = os.path.join(tmp, "f32.gguf")
        subprocess.run([sys.executable, os.path.join(llama_cpp, "convert_hf_to_gguf.py"), hf, "--outtype", "f32",
                        "--outfile", converted], check=True, env={**os.environ, "PYTHONPATH": os.path.join(llama_cpp, "gguf-py")})
        saved = dict(formats)
        formats.clear()
        formats["token_embd"] = "Q8_0"   # the rest stays F32, exactly the transformers model's weights
        target = os.path.join(out, "tiny-llama31.gguf")
        requantize(converted, target)
        formats.update(saved)
        model = LlamaForCausalLM.from_pretrained(hf, torch_dtype=torch.float32)
    reader = gguf.GGUFReader(target)
    assert any(t.name == "rope_freqs.weight" for t in reader.tensors), "the converter wrote no rope_freqs"
    embedding = next(t for t in reader.tensors if t.name == "token_embd.weight")
    values = gguf.quants.dequantize(np.array(embedding.data), embedding.tensor_type).reshape(49152, 32)
    with torch.no_grad():
        model.model.embed_tokens.weight.copy_(torch.from_numpy(values))
    ids = torch.tensor([[1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365, 3511, 308, 34519, 28, 7018, 411, 407, 2] * 2])
    reference(model, ids, 49152, os.path.join(out, "reference-llama31.safetensors"))

def main():
    os.makedirs(out, exist_ok=True)
    make_llama31(llama_cpp)
    make_qwen2(llama_cpp)
    with tempfile.TemporaryDirectory() as tmp:
        hf = os.path.join(tmp, "hf")
        make_hf(hf)
        converted = os.path.join(tmp, "f32.gguf")
        subprocess.run([sys.executable, os.path.join(llama_cpp, "convert_hf_to_gguf.py"), hf, "--outtype", "f32",
                        "--outfile", converted], check=True, env={**os.environ, "PYTHONPATH": os.path.join(llama_cpp, "gguf-py")})
        target = os.path.join(out, "tiny-llama.gguf")
        requantize(converted, target)
        model = AutoModelForCausalLM.from_pretrained(out, gguf_file="tiny-llama.gguf", torch_dtype=torch.float32)
        make_adapter(hf, llama_cpp)
    ids = torch.tensor([[1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365, 3511, 308, 34519, 28, 7018, 411, 407, 2]])
    with torch.no_grad():
        result = model(input_ids=ids, labels=ids)
    # Every position's logits at every 48th token id (the loss covers the whole vocabulary).
    columns = torch.arange(0, 49152, 48)
    save_file({"input_ids": ids.to(torch.int32).contiguous(), "logit_columns": columns.to(torch.int32).contiguous(),
               "logits": result.logits[0][:, columns].contiguous(), "loss": result.loss.reshape(1).contiguous()},
              os.path.join(out, "reference.safetensors"))
    print("loss", result.loss.item(), "logits", tuple(result.logits.shape))

if __name__ == "__main__":
    main()
