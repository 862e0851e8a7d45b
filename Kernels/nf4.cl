// NF4 dequantization, bitsandbytes layout. n values in blocks of B; byte j of `packed` holds
// value 2j in its high nibble and 2j+1 in its low nibble; value i = code[nibble]·absmax[i / B].
// With double quantization the absmax values are first rebuilt from 8-bit codes:
// absmax[i] = map[q[i]]·scale[i / 256] + offset.
//
//   nf4_dequantize_absmax   absmax (float) from codes, the 256-value map, scales and offset
//   nf4_dequantize_float    out (float) from packed codes and absmax
//   nf4_dequantize_half     out (half storage) from packed codes and absmax
//   nf4_quantize            packed codes and absmax from float values (see the section below)
//
// One work-item per output element (per absmax value for the first kernel). Products and sums
// are kept separate (no contraction into fma) so that the results equal bitsandbytes' bit for bit.

#pragma OPENCL FP_CONTRACT OFF

__constant float nf4_code[16] = {
    -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
    -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
    0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
    0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
};

__kernel void nf4_dequantize_absmax(const ulong count, const int nested_block, const float offset,
                                    __global const uchar* codes, __global const float* map, __global const float* scales,
                                    __global float* absmax) {
    const uint i = (uint)get_global_id(0);   // launches are capped at 2^32 work-items
    if (i < count) {
        const float scaled = map[codes[i]] * scales[i / (uint)nested_block];
        absmax[i] = scaled + offset;
    }
}

inline float nf4_value(const uint i, const int block, __global const uchar* packed, __global const float* absmax) {
    const uchar byte = packed[i >> 1];
    const uchar code = (i & 1) == 0 ? (byte >> 4) : (byte & 0x0F);
    return nf4_code[code] * absmax[i / (uint)block];
}

__kernel void nf4_dequantize_float(const ulong n, const int block, __global const uchar* packed,
                                   __global const float* absmax, __global float* out) {
    const uint i = (uint)get_global_id(0);
    if (i < n) {
        out[i] = nf4_value(i, block, packed, absmax);
    }
}

__kernel void nf4_dequantize_half(const ulong n, const int block, __global const uchar* packed,
                                  __global const float* absmax, __global half* out) {
    const uint i = (uint)get_global_id(0);
    if (i < n) {
        vstore_half_rte(nf4_value(i, block, packed, absmax), i, out);
    }
}

// ---------------------------------------------------------------------------------------------
// Quantization (bitsandbytes' CPU rules, bit for bit). One work-group of GROUP_SIZE work-items
// per block: the block's absmax by a tree reduction in local memory, then each work-item packs
// pairs of values. A full block is scaled by the float32 reciprocal of its absmax (clamped at
// 1e-38 for the scaling, stored unclamped); the trailing partial block is divided by its absmax
// clamped at 1e-38 (stored clamped). A value's code is the number of code midpoints strictly
// below it (ties to the lower code); the padding nibble of an odd count is code 7 (value 0).
// Blocks are even-sized, so a byte never straddles two blocks. The division needs
// -cl-fp32-correctly-rounded-divide-sqrt where the device offers it (the host adds it).

// The group size of a reduction, a power of two chosen per kernel at launch; its `partial`
// argument holds one float per work-item.
#define GROUP_SIZE ((int)get_local_size(0))

inline uchar nf4_code_of(const float scaled) {
    uchar code = 0;
    for (int i = 0; i < 15; ++i) {
        const float midpoint = (nf4_code[i] + nf4_code[i + 1]) * 0.5f;
        code += (midpoint < scaled) ? 1 : 0;
    }
    return code;
}

__kernel void nf4_quantize(const ulong n, const int block, __global const float* x, __global float* absmax,
                           __global uchar* packed, __local float* partial) {
    const ulong b = get_group_id(0);
    const int lid = (int)get_local_id(0);
    const ulong start = b * (ulong)block;
    const ulong end = min(start + (ulong)block, n);

    float largest = 0.0f;
    for (ulong i = start + lid; i < end; i += GROUP_SIZE) {
        largest = fmax(largest, fabs(x[i]));
    }
    partial[lid] = largest;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = GROUP_SIZE / 2; stride > 0; stride /= 2) {
        if (lid < stride) {
            partial[lid] = fmax(partial[lid], partial[lid + stride]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float block_max = partial[0];
    const bool full = (end - start) == (ulong)block;
    const float clamped = fmax(block_max, 1e-38f);
    const float reciprocal = 1.0f / clamped;
    if (lid == 0) {
        absmax[b] = full ? block_max : clamped;
    }
    for (ulong pair = start / 2 + lid; 2 * pair < end; pair += GROUP_SIZE) {
        uchar codes[2];
        for (int half_index = 0; half_index < 2; ++half_index) {
            const ulong i = 2 * pair + half_index;
            if (i < end) {
                const float scaled = full ? x[i] * reciprocal : x[i] / clamped;
                codes[half_index] = nf4_code_of(clamp(scaled, -1.0f, 1.0f));
            } else {
                codes[half_index] = 7;
            }
        }
        packed[pair] = (uchar)((codes[0] << 4) | codes[1]);
    }
}
