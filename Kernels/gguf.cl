// GGUF (llama.cpp) block formats, dequantized to float32 bit for bit as the `gguf` Python
// package's gguf.quants.dequantize. `packed` is the tensor's bytes as stored in the file: n / B
// blocks of S bytes each (B elements per block: 32 for Q4_0..Q8_0, 256 for the K formats);
// float16 fields are little-endian, read with vload_half (an exact widening). out[i] is element i.
//
//   entry                   B    S    element i of block b = i / B, e = i mod B
//   gguf_dequantize_f16     1    2    float16 bits widened as NumPy does (NaN payloads kept)
//   gguf_dequantize_bf16    1    2    bits << 16
//   gguf_dequantize_q4_0    32   18   d·(q − 8)            d f16 | qs[16]: e and e+16 in low/high nibble
//   gguf_dequantize_q4_1    32   20   d·q + m              d, m f16 | qs[16]
//   gguf_dequantize_q5_0    32   22   d·(q − 16)           d | qh[4]: bit e is e's fifth bit | qs[16]
//   gguf_dequantize_q5_1    32   24   d·q + m              d, m | qh[4] | qs[16]
//   gguf_dequantize_q8_0    32   34   q·d                  d | qs[32] int8
//   gguf_dequantize_q2_k    256  84   (d·sc)·q − dmin·m    scales[16] | qs[64] | d, dmin
//   gguf_dequantize_q3_k    256  110  (d·sc)·q             hmask[32] | qs[64] | scales[12] | d
//   gguf_dequantize_q4_k    256  144  (d·sc)·q − dmin·m    d, dmin | scales[12] (6-bit pairs) | qs[128]
//   gguf_dequantize_q5_k    256  176  (d·sc)·q − dmin·m    d, dmin | scales[12] | qh[32] | qs[128]
//   gguf_dequantize_q6_k    256  210  (d·sc)·(q − 32)      ql[128] | qh[64] | scales[16] int8 | d
//
// One work-item per 4 consecutive elements of the block formats (one per element for F16 and
// BF16): each writes a float4, so writes are coalesced, neighbouring work-items read the same
// few bytes of one block, and a scale is decoded once per four values. Each product and sum is
// rounded to float32 in the reference's order, never fused into an fma (hence FP_CONTRACT OFF);
// vector operations act lane by lane, so each value is exactly the scalar formula's. Launches
// are capped at 2^32 work-items, so element indices are 32-bit; only the block's byte offset
// (b·S can pass 2^32) is widened.

#pragma OPENCL FP_CONTRACT OFF

// The float16 at even byte offset `offset` of a block, widened exactly.
inline float half_at(__global const uchar* p, const uint offset) {
    return vload_half(0, (__global const half*)(p + offset));
}

// Each work-item below makes 4 consecutive elements i0 … i0+3 (i0 a multiple of 4). They lie
// in one block and one sub-block of every format, so the scales are decoded once for all four;
// only the quants differ, read from consecutive bytes.

// Nibble half (low for e < 16, high for e ≥ 16) of the 4 bytes holding elements e0 … e0+3 of a
// 32-element block whose nibbles start at byte qs.
inline uint4 nibbles4(__global const uchar* p, const uint qs, const uint e0) {
    const uchar4 x = vload4(0, p + qs + (e0 & 15));
    const uint4 bytes = convert_uint4(x);
    return e0 < 16 ? (bytes & 0x0Fu) : (bytes >> 4);
}

// The fifth bits of elements e0 … e0+3 in the 32-bit mask stored (little-endian) at byte qh.
inline uint4 fifth_bits4(__global const uchar* p, const uint qh, const uint e0) {
    const uint byte = p[qh + (e0 >> 3)];
    const uint s = e0 & 7;
    return (uint4)(((byte >> s) & 1) << 4, ((byte >> (s + 1)) & 1) << 4, ((byte >> (s + 2)) & 1) << 4, ((byte >> (s + 3)) & 1) << 4);
}

inline float4 q4_0_values(__global const uchar* packed, const uint i0) {
    __global const uchar* p = packed + (size_t)(i0 >> 5) * 18;
    const float d = half_at(p, 0);
    return d * convert_float4(convert_int4(nibbles4(p, 2, i0 & 31)) - 8);
}

inline float4 q4_1_values(__global const uchar* packed, const uint i0) {
    __global const uchar* p = packed + (size_t)(i0 >> 5) * 20;
    const float4 scaled = half_at(p, 0) * convert_float4(nibbles4(p, 4, i0 & 31));
    return scaled + half_at(p, 2);
}

inline float4 q5_0_values(__global const uchar* packed, const uint i0) {
    __global const uchar* p = packed + (size_t)(i0 >> 5) * 22;
    const uint e0 = i0 & 31;
    const int4 q = convert_int4(nibbles4(p, 6, e0) | fifth_bits4(p, 2, e0)) - 16;
    return half_at(p, 0) * convert_float4(q);
}

inline float4 q5_1_values(__global const uchar* packed, const uint i0) {
    __global const uchar* p = packed + (size_t)(i0 >> 5) * 24;
    const uint e0 = i0 & 31;
    const float4 scaled = half_at(p, 0) * convert_float4(nibbles4(p, 8, e0) | fifth_bits4(p, 4, e0));
    return scaled + half_at(p, 2);
}

inline float4 q8_0_values(__global const uchar* packed, const uint i0) {
    __global const uchar* p = packed + (size_t)(i0 >> 5) * 34;
    return convert_float4(as_char4(vload4(0, p + 2 + (i0 & 31)))) * half_at(p, 0);
}

// Q2_K: 16 groups of 16; group g's scale byte holds sc (low nibble) and m (high nibble); its
// 2-bit values are bits 2·((g/2) mod 4) of qs[32·(g/8) + 16·(g mod 2) + j].
inline float4 q2_k_values(__global const uchar* packed, const uint i0) {
    __global const uchar* p = packed + (size_t)(i0 >> 8) * 84;
    const uint e0 = i0 & 255, g = e0 >> 4;
    const uchar sc = p[g];
    const float dl = half_at(p, 80) * (float)(sc & 0x0F);
    const float ml = half_at(p, 82) * (float)(sc >> 4);
    const uint4 bytes = convert_uint4(vload4(0, p + 16 + (g >> 3) * 32 + (g & 1) * 16 + (e0 & 15)));
    const float4 scaled = dl * convert_float4((bytes >> (((g >> 1) & 3) * 2)) & 3u);
    return scaled - ml;
}

// Q3_K: 16 six-bit scales (minus 32): low nibbles in scales[0..7], 2-bit high parts in
// scales[8..11]; a clear hmask bit subtracts 4 from the 2-bit value.
inline float4 q3_k_values(__global const uchar* packed, const uint i0) {
    __global const uchar* p = packed + (size_t)(i0 >> 8) * 110;
    const uint e0 = i0 & 255, g = e0 >> 4, j = e0 & 31;
    __global const uchar* s = p + 96;
    const uint low_scale = g < 8 ? (s[g] & 0x0F) : (s[g - 8] >> 4);
    const uint high_scale = (s[8 + (g & 3)] >> (2 * (g >> 2))) & 3;
    const float dl = half_at(p, 108) * (float)((int)(low_scale | (high_scale << 4)) - 32);
    const int4 low = convert_int4((convert_uint4(vload4(0, p + 32 + (g >> 3) * 32 + j)) >> (((g >> 1) & 3) * 2)) & 3u);
    const int4 high = convert_int4(((convert_uint4(vload4(0, p + j)) >> (g >> 1)) & 1u) ^ 1u) << 2;
    return dl * convert_float4(low - high);
}

// Q4_K/Q5_K: sub-block k's 6-bit scale and min, packed in the 12 bytes at s.
inline uint2 k_scale_min(__global const uchar* s, const uint k) {
    if (k < 4) {
        return (uint2)(s[k] & 0x3F, s[k + 4] & 0x3F);
    }
    return (uint2)((s[k + 4] & 0x0F) | ((s[k - 4] >> 2) & 0x30), (s[k + 4] >> 4) | ((s[k] >> 2) & 0x30));
}

// Q4_K: 8 sub-blocks of 32; element 64·c + 32·h + j is nibble h of qs[32·c + j].
inline float4 q4_k_values(__global const uchar* packed, const uint i0) {
    __global const uchar* p = packed + (size_t)(i0 >> 8) * 144;
    const uint e0 = i0 & 255, k = e0 >> 5;
    const uint2 sm = k_scale_min(p + 4, k);
    const float ds = half_at(p, 0) * (float)sm.x;
    const float dm = half_at(p, 2) * (float)sm.y;
    const uint4 q = (convert_uint4(vload4(0, p + 16 + (k >> 1) * 32 + (e0 & 31))) >> ((k & 1) * 4)) & 0x0Fu;
    const float4 scaled = ds * convert_float4(q);
    return scaled - dm;
}

// Q5_K: as Q4_K, plus bit k of qh[j] as the fifth bit of element 32·k + j.
inline float4 q5_k_values(__global const uchar* packed, const uint i0) {
    __global const uchar* p = packed + (size_t)(i0 >> 8) * 176;
    const uint e0 = i0 & 255, k = e0 >> 5, j = e0 & 31;
    const uint2 sm = k_scale_min(p + 4, k);
    const float ds = half_at(p, 0) * (float)sm.x;
    const float dm = half_at(p, 2) * (float)sm.y;
    const uint4 low = (convert_uint4(vload4(0, p + 48 + (k >> 1) * 32 + j)) >> ((k & 1) * 4)) & 0x0Fu;
    const uint4 high = ((convert_uint4(vload4(0, p + 16 + j)) >> k) & 1u) << 4;
    const float4 scaled = ds * convert_float4(low | high);
    return scaled - dm;
}

// Q6_K: two halves of 128; in half h, quarter k, lane l (element 128·h + 32·k + l) the low
// nibble k/2 of ql[64·h + 32·(k mod 2) + l], the high bits 2k of qh[32·h + l], and the int8
// scale scales[8·h + l/16 + 2k].
inline float4 q6_k_values(__global const uchar* packed, const uint i0) {
    __global const uchar* p = packed + (size_t)(i0 >> 8) * 210;
    const uint e0 = i0 & 255, h = e0 >> 7, k = (e0 >> 5) & 3, l = e0 & 31;
    const uint4 low = (convert_uint4(vload4(0, p + h * 64 + (k & 1) * 32 + l)) >> ((k >> 1) * 4)) & 0x0Fu;
    const uint4 high = (convert_uint4(vload4(0, p + 128 + h * 32 + l)) >> (2 * k)) & 3u;
    const float dk = half_at(p, 208) * (float)(char)p[192 + h * 8 + (l >> 4) + 2 * k];
    return dk * convert_float4(convert_int4(low | (high << 4)) - 32);
}

// n4 = n / 4 work-items (n is a whole number of 32- or 256-element blocks).
#define GGUF_DEQUANTIZE(name)                                                                                \
    __kernel void gguf_dequantize_##name(const uint n4, __global const uchar* packed, __global float* out) { \
        const uint g = (uint)get_global_id(0);                                                               \
        if (g < n4) {                                                                                        \
            vstore4(name##_values(packed, 4 * g), g, out);                                                   \
        }                                                                                                    \
    }

GGUF_DEQUANTIZE(q4_0)
GGUF_DEQUANTIZE(q4_1)
GGUF_DEQUANTIZE(q5_0)
GGUF_DEQUANTIZE(q5_1)
GGUF_DEQUANTIZE(q8_0)
GGUF_DEQUANTIZE(q2_k)
GGUF_DEQUANTIZE(q3_k)
GGUF_DEQUANTIZE(q4_k)
GGUF_DEQUANTIZE(q5_k)
GGUF_DEQUANTIZE(q6_k)

// The plain 16-bit formats are pure bit manipulation, written as bits so that no float
// operation can quiet a signalling NaN (NumPy keeps their payloads).

// float16 bits to float32 bits as NumPy's npy_halfbits_to_floatbits: subnormals normalized.
inline uint half_bits_to_float_bits(const uint h) {
    const uint sign = (h & 0x8000u) << 16;
    const uint exponent = h & 0x7C00u;
    const uint mantissa = h & 0x03FFu;
    if (exponent == 0x7C00u) {
        return sign | 0x7F800000u | (mantissa << 13);
    }
    if (exponent != 0) {
        return sign | (((h & 0x7FFFu) + 0x1C000u) << 13);
    }
    if (mantissa == 0) {
        return sign;
    }
    const uint top = 31 - clz(mantissa);   // the highest set bit, 0..9: value 2^(top − 24)·1.f
    return sign | ((103 + top) << 23) | (((mantissa << (10 - top)) & 0x03FFu) << 13);
}

__kernel void gguf_dequantize_f16(const uint n, __global const uchar* packed, __global float* out) {
    const uint i = (uint)get_global_id(0);
    if (i < n) {
        const uint h = ((__global const ushort*)packed)[i];
        ((__global uint*)out)[i] = half_bits_to_float_bits(h);
    }
}

__kernel void gguf_dequantize_bf16(const uint n, __global const uchar* packed, __global float* out) {
    const uint i = (uint)get_global_id(0);
    if (i < n) {
        ((__global uint*)out)[i] = (uint)((__global const ushort*)packed)[i] << 16;
    }
}
