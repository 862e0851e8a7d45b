"""Writes the malformed and hostile inputs that ci/bad-inputs feeds to lorakit, one folder or file
per case, into the folder given (standard library only). Each is a small change to a valid file:
the tiny Llama fixture, its token data, SmolLM2's tokenizer, the tiny GGUF model."""
import json, os, shutil, struct, sys

out, repo = sys.argv[1], os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
fixtures = os.path.join(repo, "Tests", "LoRAKitTests", "Fixtures")
tiny = os.path.join(fixtures, "tiny-llama-bnb4")
smol = os.path.join(repo, "Tests", "LoRAKitTokenizersTests", "Fixtures", "smollm2")
gguf = os.path.join(fixtures, "gguf-model", "tiny-llama.gguf")

def model(name, change=None, weights=None):
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    config = json.load(open(os.path.join(tiny, "config.json")))
    config.pop("quantization_config")
    if change: change(config)
    json.dump(config, open(os.path.join(folder, "config.json"), "w"))
    data = open(os.path.join(tiny, "original.safetensors"), "rb").read()
    open(os.path.join(folder, "model.safetensors"), "wb").write(weights(data) if weights else data)
    return folder

def write(name, text):
    path = os.path.join(out, name)
    open(path, "w" if isinstance(text, str) else "wb").write(text)

model("good")
model("string-hidden-size", lambda c: c.update(hidden_size="sixty-four"))
deep = os.path.join(out, "deep-config")
os.makedirs(deep, exist_ok=True)
open(os.path.join(deep, "config.json"), "w").write("[" * 100000 + "]" * 100000)
model("no-hidden-size", lambda c: c.pop("hidden_size"))
model("gpt2", lambda c: c.update(model_type="gpt2"))
model("wrong-intermediate", lambda c: c.update(intermediate_size=95))
model("three-layers", lambda c: c.update(num_hidden_layers=3))
model("header-too-long", weights=lambda d: struct.pack("<Q", len(d) * 10) + d[8:])
model("truncated-weights", weights=lambda d: d[: len(d) - 100])
folder = model("shard-outside")
json.dump({"weight_map": {"model.embed_tokens.weight": "../outside.safetensors"}},
          open(os.path.join(folder, "model.safetensors.index.json"), "w"))

adapter = os.path.join(out, "dora-adapter")
os.makedirs(adapter, exist_ok=True)
config = json.load(open(os.path.join(fixtures, "peft", "standard", "adapter_config.json")))
config["use_dora"] = True
json.dump(config, open(os.path.join(adapter, "adapter_config.json"), "w"))
shutil.copy(os.path.join(fixtures, "peft", "standard", "adapter_model.safetensors"), adapter)

write("data.txt", "the cat sat on the mat. the dog sat on the log.\n" * 30)
write("width3.tokens", b"LKTOKENS" + struct.pack("<IIQ", 3, 0, 2) + b"\0" * 6)
write("outside.tokens", b"LKTOKENS" + struct.pack("<IIQ", 4, 0, 2) + struct.pack("<II", 5, 300))
write("not-json.jsonl", '{"text": "a"}\n{"text": "b"\n')
write("mixed.jsonl", '{"text": "a"}\n{"prompt": "p", "completion": "c"}\n')
write("no-completion.jsonl", '{"prompt": "p"}\n')
write("bad-role.jsonl", '{"messages": [{"role": "robot", "content": "x"}]}\n')
write("empty.jsonl", "\n\n")
write("deep.jsonl", '{"text": ' + "[" * 100000 + "]" * 100000 + "}\n")
write("chat.jsonl", '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n')
write("alternating.json", '{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}')

def tokenizer(name, edit_json=None, template=None):
    folder = os.path.join(out, name)
    shutil.copytree(smol, folder)
    if edit_json:
        path = os.path.join(folder, "tokenizer.json")
        text = edit_json(open(path).read())
        open(path, "w").write(text)
    if template is not None:
        open(os.path.join(folder, "chat_template.jinja"), "w").write(template)

tokenizer("wordpiece", lambda t: json.dumps({**json.loads(t), "model": {"type": "WordPiece", "vocab": {}}}))
tokenizer("tokenizer-not-json", lambda t: t[: len(t) // 2])
tokenizer("template-syntax", template="{% for m in messages %}{{ m.content }}")
tokenizer("template-loop", template="{% for i in range(10**9) %}x{% endfor %}")
tokenizer("template-raise", template="{% if messages[0].role == messages[1].role %}{{ raise_exception('roles must alternate') }}{% endif %}")

data = open(gguf, "rb").read()
write("bad-magic.gguf", b"GGUX" + data[4:])
write("truncated.gguf", data[: len(data) // 3])
# metadata count of 2^40 in the header (bytes 16..24 of a v3 file)
write("huge-count.gguf", data[:16] + struct.pack("<Q", 1 << 40) + data[24:])
# general.architecture "llama" renamed "bloom" (same length, so the file stays well formed)
write("bloom.gguf", data.replace(b"\x05\x00\x00\x00\x00\x00\x00\x00llama", b"\x05\x00\x00\x00\x00\x00\x00\x00bloom", 1))
