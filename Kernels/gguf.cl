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
// One work-item per output element: writes are coalesced and neighbouring work-items read the
// same few bytes of one block, so the redundant scale decoding costs cache hits, not memory
// traffic. Each product and sum is rounded to float32 in the reference's order, never fused
// into an fma (hence FP_CONTRACT OFF). Launches are capped at 2^32 work-items, so element
// indices are 32-bit; only the block's byte offset (b·S can pass 2^32) is widened.

#pragma OPENCL FP_CONTRACT OFF

#ifndef WGS_ELEMENTWISE
#define WGS_ELEMENTWISE 64
#endif

// The float16 at even byte offset `offset` of a block, widened exactly.
inline float half_at(__global const uchar* p, const uint offset) {
    return vload_half(0, (__global const half*)(p + offset));
}

// The 4-bit value of element e of a 32-element block whose nibbles start at byte `qs`.
inline uint low_or_high_nibble(__global const uchar* p, const uint qs, const uint e) {
    const uchar x = p[qs + (e & 15)];
    return e < 16 ? (x & 0x0F) : (x >> 4);
}

// Element e's fifth bit in the 32-bit mask stored (little-endian) at byte `qh`.
inline uint fifth_bit(__global const uchar* p, const uint qh, const uint e) {
    return ((p[qh + (e >> 3)] >> (e & 7)) & 1) << 4;
}

inline float q4_0_value(__global const uchar* packed, const uint i) {
    __global const uchar* p = packed + (size_t)(i >> 5) * 18;
    const uint e = i & 31;
    return half_at(p, 0) * (float)((int)low_or_high_nibble(p, 2, e) - 8);
}

inline float q4_1_value(__global const uchar* packed, const uint i) {
    __global const uchar* p = packed + (size_t)(i >> 5) * 20;
    const uint e = i & 31;
    const float scaled = half_at(p, 0) * (float)low_or_high_nibble(p, 4, e);
    return scaled + half_at(p, 2);
}

inline float q5_0_value(__global const uchar* packed, const uint i) {
    __global const uchar* p = packed + (size_t)(i >> 5) * 22;
    const uint e = i & 31;
    const int q = (int)(low_or_high_nibble(p, 6, e) | fifth_bit(p, 2, e)) - 16;
    return half_at(p, 0) * (float)q;
}

inline float q5_1_value(__global const uchar* packed, const uint i) {
    __global const uchar* p = packed + (size_t)(i >> 5) * 24;
    const uint e = i & 31;
    const float scaled = half_at(p, 0) * (float)(low_or_high_nibble(p, 8, e) | fifth_bit(p, 4, e));
    return scaled + half_at(p, 2);
}

inline float q8_0_value(__global const uchar* packed, const uint i) {
    __global const uchar* p = packed + (size_t)(i >> 5) * 34;
    return (float)(char)p[2 + (i & 31)] * half_at(p, 0);
}

// Q2_K: 16 groups of 16; group g's scale byte holds sc (low nibble) and m (high nibble); its
// 2-bit values are bits 2·((g/2) mod 4) of qs[32·(g/8) + 16·(g mod 2) + j].
inline float q2_k_value(__global const uchar* packed, const uint i) {
    __global const uchar* p = packed + (size_t)(i >> 8) * 84;
    const uint e = i & 255, g = e >> 4;
    const uchar sc = p[g];
    const float dl = half_at(p, 80) * (float)(sc & 0x0F);
    const float ml = half_at(p, 82) * (float)(sc >> 4);
    const uint q = (p[16 + (g >> 3) * 32 + (g & 1) * 16 + (e & 15)] >> (((g >> 1) & 3) * 2)) & 3;
    const float scaled = dl * (float)q;
    return scaled - ml;
}

// Q3_K: 16 six-bit scales (minus 32): low nibbles in scales[0..7], 2-bit high parts in
// scales[8..11]; a clear hmask bit subtracts 4 from the 2-bit value.
inline float q3_k_value(__global const uchar* packed, const uint i) {
    __global const uchar* p = packed + (size_t)(i >> 8) * 110;
    const uint e = i & 255, g = e >> 4, j = e & 31;
    __global const uchar* s = p + 96;
    const uint low_scale = g < 8 ? (s[g] & 0x0F) : (s[g - 8] >> 4);
    const uint high_scale = (s[8 + (g & 3)] >> (2 * (g >> 2))) & 3;
    const float dl = half_at(p, 108) * (float)((int)(low_scale | (high_scale << 4)) - 32);
    const int low = (p[32 + (g >> 3) * 32 + j] >> (((g >> 1) & 3) * 2)) & 3;
    const int high = (((p[j] >> (g >> 1)) & 1) ^ 1) << 2;
    return dl * (float)(low - high);
}

// Q4_K/Q5_K: sub-block k's 6-bit scale and min, packed in the 12 bytes at s.
inline uint2 k_scale_min(__global const uchar* s, const uint k) {
    if (k < 4) {
        return (uint2)(s[k] & 0x3F, s[k + 4] & 0x3F);
    }
    return (uint2)((s[k + 4] & 0x0F) | ((s[k - 4] >> 2) & 0x30), (s[k + 4] >> 4) | ((s[k] >> 2) & 0x30));
}

// Q4_K: 8 sub-blocks of 32; element 64·c + 32·h + j is nibble h of qs[32·c + j].
inline float q4_k_value(__global const uchar* packed, const uint i) {
    __global const uchar* p = packed + (size_t)(i >> 8) * 144;
    const uint e = i & 255, k = e >> 5;
    const uint2 sm = k_scale_min(p + 4, k);
    const float ds = half_at(p, 0) * (float)sm.x;
    const float dm = half_at(p, 2) * (float)sm.y;
    const uint q = (p[16 + (k >> 1) * 32 + (e & 31)] >> ((k & 1) * 4)) & 0x0F;
    const float scaled = ds * (float)q;
    return scaled - dm;
}

// Q5_K: as Q4_K, plus bit k of qh[j] as the fifth bit of element 32·k + j.
inline float q5_k_value(__global const uchar* packed, const uint i) {
    __global const uchar* p = packed + (size_t)(i >> 8) * 176;
    const uint e = i & 255, k = e >> 5, j = e & 31;
    const uint2 sm = k_scale_min(p + 4, k);
    const float ds = half_at(p, 0) * (float)sm.x;
    const float dm = half_at(p, 2) * (float)sm.y;
    const uint low = (p[48 + (k >> 1) * 32 + j] >> ((k & 1) * 4)) & 0x0F;
    const uint high = ((p[16 + j] >> k) & 1) << 4;
    const float scaled = ds * (float)(low | high);
    return scaled - dm;
}

// Q6_K: two halves of 128; in half h, quarter k, lane l (element 128·h + 32·k + l) the low
// nibble k/2 of ql[64·h + 32·(k mod 2) + l], the high bits 2k of qh[32·h + l], and the int8
// scale scales[8·h + l/16 + 2k].
inline float q6_k_value(__global const uchar* packed, const uint i) {
    __global const uchar* p = packed + (size_t)(i >> 8) * 210;
    const uint e = i & 255, h = e >> 7, k = (e >> 5) & 3, l = e & 31;
    const uint low = (p[h * 64 + (k & 1) * 32 + l] >> ((k >> 1) * 4)) & 0x0F;
    const uint high = (p[128 + h * 32 + l] >> (2 * k)) & 3;
    const float dk = half_at(p, 208) * (float)(char)p[192 + h * 8 + (l >> 4) + 2 * k];
    return dk * (float)((int)(low | (high << 4)) - 32);
}

#define GGUF_DEQUANTIZE(name)                                                                   \
    __kernel __attribute__((reqd_work_group_size(WGS_ELEMENTWISE, 1, 1)))                       \
    void gguf_dequantize_##name(const uint n, __global const uchar* packed, __global float* out) { \
        const uint i = (uint)get_global_id(0);                                                  \
        if (i < n) {                                                                            \
            out[i] = name##_value(packed, i);                                                   \
        }                                                                                       \
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

__kernel __attribute__((reqd_work_group_size(WGS_ELEMENTWISE, 1, 1)))
void gguf_dequantize_f16(const uint n, __global const uchar* packed, __global float* out) {
    const uint i = (uint)get_global_id(0);
    if (i < n) {
        const uint h = ((__global const ushort*)packed)[i];
        ((__global uint*)out)[i] = half_bits_to_float_bits(h);
    }
}

__kernel __attribute__((reqd_work_group_size(WGS_ELEMENTWISE, 1, 1)))
void gguf_dequantize_bf16(const uint n, __global const uchar* packed, __global float* out) {
    const uint i = (uint)get_global_id(0);
    if (i < n) {
        ((__global uint*)out)[i] = (uint)((__global const ushort*)packed)[i] << 16;
    }
}
