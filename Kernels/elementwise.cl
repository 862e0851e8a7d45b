// Elementwise operations on vectors of n elements.
//
//   elementwise_axpy          y = alpha·x + y          (float)
//   elementwise_scale         x = alpha·x              (float)
//   elementwise_add           out = a + b              (float; out may alias a or b)
//   elementwise_broadcast_rows out[i] = row[i mod n]   (every row of out set to row; 32-bit
//                             indices, checked at launch, so the modulo is a 32-bit one)
//   elementwise_float_to_half out = (half) in          (round to nearest even)
//   elementwise_half_to_float out[i] = (float) in[offset + i]
//   elementwise_float_to_bfloat16 out = bfloat16(in)   (round to nearest even, NaN → 0x7FC0,
//                             as PyTorch's round_to_nearest_even)
//   elementwise_bfloat16_to_float out[i] = bfloat16 in[offset + i] as float (bits << 16, exact)
//
// Launched over n work-items rounded up to whole work-groups (of a size chosen per kernel from the
// device's and the kernel's limits); each checks i < n.
// half and bfloat16 are storage types here: vload_half / vstore_half_rte need no cl_khr_fp16, and
// bfloat16 (the top half of a float) lives in ushort and moves by shifts. The widening kernels
// read from an offset so that a weight can be widened a block of rows at a time into a scratch.

__kernel void elementwise_axpy(const ulong n, const float alpha, __global const float* x, __global float* y) {
    const size_t i = get_global_id(0);
    if (i < n) {
        y[i] = alpha * x[i] + y[i];
    }
}

__kernel void elementwise_scale(const ulong n, const float alpha, __global float* x) {
    const size_t i = get_global_id(0);
    if (i < n) {
        x[i] = alpha * x[i];
    }
}

__kernel void elementwise_add(const ulong n, __global const float* a, __global const float* b, __global float* out) {
    const size_t i = get_global_id(0);
    if (i < n) {
        out[i] = a[i] + b[i];
    }
}

__kernel void elementwise_float_to_half(const ulong n, __global const float* in, __global half* out) {
    const size_t i = get_global_id(0);
    if (i < n) {
        vstore_half_rte(in[i], i, out);
    }
}

__kernel void elementwise_half_to_float(const ulong n, const ulong offset, __global const half* in, __global float* out) {
    const size_t i = get_global_id(0);
    if (i < n) {
        out[i] = vload_half(offset + i, in);
    }
}

// Integer arithmetic on the bits, so NaN payloads, subnormals and -0 pass as they are whatever
// the device's float modes.
__kernel void elementwise_float_to_bfloat16(const ulong n, __global const uint* in, __global ushort* out) {
    const size_t i = get_global_id(0);
    if (i < n) {
        const uint bits = in[i];
        out[i] = (bits & 0x7FFFFFFFu) > 0x7F800000u ? (ushort)0x7FC0u : (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }
}

__kernel void elementwise_bfloat16_to_float(const ulong n, const ulong offset, __global const ushort* in, __global uint* out) {
    const size_t i = get_global_id(0);
    if (i < n) {
        out[i] = (uint)in[offset + i] << 16;
    }
}

__kernel void elementwise_broadcast_rows(const uint count, const uint n, __global const float* row, __global float* out) {
    const uint i = (uint)get_global_id(0);
    if (i < count) {
        out[i] = row[i % n];
    }
}
