"""Makes the NF4 fixtures in nf4/ with bitsandbytes itself (CPU backend).

Run once from this folder with a Python that has torch, bitsandbytes and safetensors:
    pip install torch bitsandbytes safetensors
    python make_nf4_fixtures.py
Versions used for the committed files are written into each file's metadata.

Each nf4/<case>.safetensors holds:
  input                     the matrix before quantization (its own dtype: F32, F16 or BF16)
  weight                    the packed 4-bit codes, U8 [(n+1)/2, 1]
  weight.<key>              every entry of QuantState.as_dict(packed=True), exactly as
                            transformers writes them into a checkpoint (absmax, quant_map,
                            nested_absmax, nested_quant_map, quant_state.bitsandbytes__nf4)
  dequantized               bitsandbytes.functional.dequantize_4bit(weight, state), in the input dtype
"""
import json

import bitsandbytes
import bitsandbytes.functional as F
import safetensors
import torch
from safetensors.torch import save_file


def nf4_code():
    return F.get_4bit_type("nf4", device="cpu")


def tie_block():
    """64 values with absmax exactly 1: every decision midpoint of the code, and its float32
    neighbours, so the rounding rule at ties is pinned down."""
    code = nf4_code()
    mids = (code[:-1] + code[1:]) / 2
    values = [1.0, -1.0, 0.0, -0.0]
    for m in mids.tolist():
        m = torch.tensor(m, dtype=torch.float32)
        values += [m.item(), torch.nextafter(m, torch.tensor(2.0)).item(), torch.nextafter(m, torch.tensor(-2.0)).item()]
    values += [0.5] * (64 - len(values))
    return torch.tensor(values[:64], dtype=torch.float32)


def cases():
    g = torch.Generator().manual_seed(20261123)
    randn = lambda *shape: torch.randn(*shape, generator=g)
    # name, matrix, blocksize, double quantization
    yield "round_64x64_b64_dq", randn(64, 64), 64, True
    yield "round_64x64_b64", randn(64, 64), 64, False
    yield "odd_37x29_b64_dq_f16", (randn(37, 29) * 0.02).half(), 64, True
    yield "odd_37x29_b128_bf16", (randn(37, 29) * 3).bfloat16(), 128, False
    # 520 absmax values: three nested blocks of 256, the last one partial.
    yield "nested_256x130_b64_dq", randn(256, 130) * torch.linspace(0.01, 5, 130), 64, True
    yield "block32_33x17_dq", randn(33, 17), 32, True
    yield "block4096_64x100", randn(64, 100), 4096, False
    special = randn(4, 64)
    special[1] = 0.0                      # an all-zero block
    special[2] = tie_block()              # decision midpoints and their neighbours
    special[3, 5] = 1000.0                # an outlier dominating its block
    yield "special_4x64_b64_dq", special, 64, True
    yield "special_4x64_b64", special.clone(), 64, False


def main():
    versions = {"bitsandbytes": bitsandbytes.__version__, "torch": torch.__version__.split("+")[0],
                "safetensors": safetensors.__version__, "script": "make_nf4_fixtures.py"}
    for name, matrix, blocksize, double_quant in cases():
        packed, state = F.quantize_4bit(matrix, blocksize=blocksize, compress_statistics=double_quant, quant_type="nf4")
        dequantized = F.dequantize_4bit(packed, state)
        tensors = {"input": matrix.contiguous(), "weight": packed.contiguous(), "dequantized": dequantized.contiguous()}
        for key, value in state.as_dict(packed=True).items():
            tensors["weight." + key] = value.contiguous()
        save_file(tensors, f"nf4/{name}.safetensors", metadata=versions)
        state_json = json.loads(bytes(tensors["weight.quant_state.bitsandbytes__nf4"].tolist()))
        print(f"{name}: {tuple(matrix.shape)} {matrix.dtype} -> packed {tuple(packed.shape)}, absmax {state.absmax.dtype} "
              f"{tuple(state.absmax.shape)}, state {state_json}")


if __name__ == "__main__":
    main()
