"""llama.cpp's own ids and decodings for the fixture corpus and random strings, per vocabulary.

Usage: make_llamacpp_cases.py VOCAB_DUMP GGUF OUT.json SEED [n_random]

VOCAB_DUMP is vocab_dump.cpp (beside this script) built against llama.cpp's static libraries.
The committed llamacpp-*.json came from llama-cpp-python 0.3.36's vendored llama.cpp, seed 1, one
per vocabulary (the committed ggml-vocab files and the ten of llama.cpp's models/ folder that the
tests name; the latter against the shared libraries ci/check-llama-cpp builds, which reproduce
llamacpp-qwen2.json byte for byte):
  cmake -S llama.cpp -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DLLAMA_CURL=OFF \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=OFF \
        -DGGML_OPENMP=OFF -DBUILD_SHARED_LIBS=OFF && ninja -C build llama
  g++ -O1 -std=c++17 vocab_dump.cpp -Illama.cpp/include -Illama.cpp/ggml/include build/src/libllama.a \
      build/ggml/src/libggml.a build/ggml/src/libggml-cpu.a build/ggml/src/libggml-base.a -lpthread -ldl -o vocab_dump
or, against ci/check-llama-cpp's build (L=~/.cache/lorakit/llama-build/bin):
  g++ -O1 -std=c++17 vocab_dump.cpp -Illama.cpp/include -Illama.cpp/ggml/include -L$L -lllama -lggml -lggml-base \
      -Wl,-rpath,$L -lpthread -ldl -o vocab_dump
"""
import json, os, random, subprocess, sys, struct

dump, gguf, out, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
n_random = int(sys.argv[5]) if len(sys.argv) > 5 else 300
rng = random.Random(seed)
corpus = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'corpus.json')))

def gguf_special_tokens(path):
    """Control/user-defined token texts, via a minimal GGUF metadata reader."""
    d = open(path, 'rb').read()
    pos = 24
    n_kv = struct.unpack_from('<Q', d, 16)[0]
    def rstr(p):
        n = struct.unpack_from('<Q', d, p)[0]; return d[p+8:p+8+n].decode('utf-8', 'replace'), p + 8 + n
    sizes = {0:1,1:1,2:2,3:2,4:4,5:4,6:4,7:1,10:8,11:8,12:8}
    fmt = {0:'B',1:'b',2:'H',3:'h',4:'I',5:'i',6:'f',7:'?',10:'Q',11:'q',12:'d'}
    meta = {}
    for _ in range(n_kv):
        key, pos = rstr(pos); t = struct.unpack_from('<I', d, pos)[0]; pos += 4
        if t == 8: val, pos = rstr(pos)
        elif t == 9:
            et = struct.unpack_from('<I', d, pos)[0]; n = struct.unpack_from('<Q', d, pos+4)[0]; pos += 12
            if et == 8:
                val = []
                for _ in range(n): s, pos = rstr(pos); val.append(s)
            else:
                val = list(struct.unpack_from('<%d%s' % (n, fmt[et]), d, pos)); pos += n * sizes[et]
        else: val = struct.unpack_from('<' + fmt[t], d, pos)[0]; pos += sizes[t]
        meta[key] = val
    toks, types = meta['tokenizer.ggml.tokens'], meta.get('tokenizer.ggml.token_type', [])
    return [t for t, ty in zip(toks, types) if ty in (3, 4)]

specials = gguf_special_tokens(gguf)
pieces = ["Hello", "world", " the", "don't", "I'm", "WE'LL", "it'S", "'ſ", "l'ſ", "you've", "3.14159", "1234567",
          "  ", "   ", "\n", "\n\n", "\r\n", "\t", " \n ", "ünïcödé", "Ελληνικά", "русский", "日本語のテキスト", "中文",
          "한국어", "🙂", "👩‍👩‍👧", "e\u0301", "\u00a0", "\u3000", "ـ", "(x+y)*2", "$$", "<<", "...", "—", "«»",
          "ا", "हिन्दी", "\u200b", "\ufeff", "𝔘𝔫𝔦", "ǅ", "Ⅻ", "½", "x²", "ꙮ", "\u1f7d", "K", "Ω", "\u2028",
          # Unicode 16 letters (llama.cpp's tables are 15.1), and non-ASCII spaces next to text
          "Hello\U00016D63", "x\U0001E5D0y", "\U00016D63\U00016D64", " \U0001E5D0", "\u3000x", "\u2003 x", "a\u3000。"]
def random_text():
    parts = []
    for _ in range(rng.randint(1, 12)):
        r = rng.random()
        if r < 0.55: parts.append(rng.choice(pieces))
        elif r < 0.7 and specials: parts.append(rng.choice(specials))
        elif r < 0.85: parts.append(rng.choice([" ", "", "", "\n"]))
        else: parts.append(chr(rng.choice([rng.randint(0x20, 0x7e), rng.randint(0xa0, 0x2fff), rng.randint(0x3000, 0xd7ff),
                                           rng.randint(0xe000, 0xfffd), rng.randint(0x10000, 0x1faff)])))
    return "".join(parts)

texts = [t for t in corpus if '\0' not in t] + [random_text() for _ in range(n_random)]
texts = [t for t in texts if t.encode('utf-8', 'strict')]
result = {}
for add_special in (0, 1):
    run = subprocess.run([dump, gguf, str(add_special)], input='\0'.join(texts).encode(), capture_output=True, check=True)
    lines = run.stdout.decode().split('\n')
    result[add_special] = [lines[3*i:3*i+3] for i in range(len(texts))]
cases = []
for i, text in enumerate(texts):
    ids, dec, skip = result[0][i]
    cases.append({"text": text, "ids": [int(x) for x in ids.split()], "ids_special": [int(x) for x in result[1][i][0].split()],
                  "decoded_hex": dec, "decoded_skip_hex": result[1][i][2]})
json.dump(cases, open(out, 'w'), ensure_ascii=False, indent=0)
print(out, len(cases), "cases")
