// Reads texts separated by NUL bytes on stdin; prints, per text, the ids (add_special as argv[2],
// parse_special on), then the hex of detokenize(ids, remove_special=false, unparse_special=true)
// and of detokenize(ids, true, false).
#include "llama.h"
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

static void hex(const std::string & s) { for (unsigned char c : s) printf("%02x", c); printf("\n"); }

static std::string detok(const llama_vocab * v, const std::vector<llama_token> & ids, bool rm, bool unparse) {
    std::string out(ids.size() * 16 + 64, '\0');
    int n = llama_detokenize(v, ids.data(), ids.size(), &out[0], out.size(), rm, unparse);
    if (n < 0) { out.resize(-n); n = llama_detokenize(v, ids.data(), ids.size(), &out[0], out.size(), rm, unparse); }
    out.resize(n);
    return out;
}

int main(int argc, char ** argv) {
    llama_log_set([](ggml_log_level, const char *, void *) {}, nullptr);
    llama_backend_init();
    auto mp = llama_model_default_params();
    mp.vocab_only = true;
    llama_model * model = llama_model_load_from_file(argv[1], mp);
    if (!model) { fprintf(stderr, "load failed\n"); return 1; }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    bool add_special = argc > 2 && std::string(argv[2]) == "1";
    std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    size_t start = 0;
    while (start <= all.size()) {
        size_t end = all.find('\0', start);
        if (end == std::string::npos) end = all.size();
        std::string text = all.substr(start, end - start);
        std::vector<llama_token> ids(text.size() * 2 + 8);
        int n = llama_tokenize(vocab, text.data(), text.size(), ids.data(), ids.size(), add_special, true);
        if (n < 0) { ids.resize(-n); n = llama_tokenize(vocab, text.data(), text.size(), ids.data(), ids.size(), add_special, true); }
        ids.resize(n);
        for (size_t i = 0; i < ids.size(); i++) printf(i ? " %d" : "%d", ids[i]);
        printf("\n");
        hex(detok(vocab, ids, false, true));
        hex(detok(vocab, ids, true, false));
        if (end == all.size()) break;
        start = end + 1;
    }
    return 0;
}
