// NF4 dequantization, bitsandbytes layout. n values in blocks of B; byte j of `packed` holds
// value 2j in its high nibble and 2j+1 in its low nibble; value i = code[nibble]·absmax[i / B].
// With double quantization the absmax values are first rebuilt from 8-bit codes:
// absmax[i] = map[q[i]]·scale[i / 256] + offset.
//
//   nf4_dequantize_absmax   absmax (float) from codes, the 256-value map, scales and offset
//   nf4_dequantize_float    out (float) from packed codes and absmax
//   nf4_dequantize_half     out (half storage) from packed codes and absmax
//
// One work-item per output element (per absmax value for the first kernel). Products and sums
// are kept separate (no contraction into fma) so that the results equal bitsandbytes' bit for bit.

#pragma OPENCL FP_CONTRACT OFF

#ifndef WGS_ELEMENTWISE
#define WGS_ELEMENTWISE 64
#endif

__constant float nf4_code[16] = {
    -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
    -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
    0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
    0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
};

__kernel __attribute__((reqd_work_group_size(WGS_ELEMENTWISE, 1, 1)))
void nf4_dequantize_absmax(const ulong count, const int nested_block, const float offset,
                           __global const uchar* codes, __global const float* map, __global const float* scales,
                           __global float* absmax) {
    const size_t i = get_global_id(0);
    if (i < count) {
        const float scaled = map[codes[i]] * scales[i / nested_block];
        absmax[i] = scaled + offset;
    }
}

inline float nf4_value(const size_t i, const int block, __global const uchar* packed, __global const float* absmax) {
    const uchar byte = packed[i / 2];
    const uchar code = (i % 2 == 0) ? (byte >> 4) : (byte & 0x0F);
    return nf4_code[code] * absmax[i / block];
}

__kernel __attribute__((reqd_work_group_size(WGS_ELEMENTWISE, 1, 1)))
void nf4_dequantize_float(const ulong n, const int block, __global const uchar* packed,
                          __global const float* absmax, __global float* out) {
    const size_t i = get_global_id(0);
    if (i < n) {
        out[i] = nf4_value(i, block, packed, absmax);
    }
}

__kernel __attribute__((reqd_work_group_size(WGS_ELEMENTWISE, 1, 1)))
void nf4_dequantize_half(const ulong n, const int block, __global const uchar* packed,
                         __global const float* absmax, __global half* out) {
    const size_t i = get_global_id(0);
    if (i < n) {
        vstore_half_rte(nf4_value(i, block, packed, absmax), i, out);
    }
}
