// Row-wise reductions of a row-major matrix X of R rows × C columns.
//
//   reduction_row_sum_squares      out[r] = sum_c X[r, c]^2      (RMSNorm's statistic)
//   reduction_partial_sum_squares  partials[offset + p] = sum of x[i]^2 over part p of P, the
//                                  range [p·n/P, (p+1)·n/P) (the global gradient norm's first pass)
//
// One work-group of WGS_REDUCTION work-items per row (global size R·WGS_REDUCTION): each
// work-item accumulates a strided slice of the row, then a tree reduction in local memory
// combines the partial sums. WGS_REDUCTION must be a power of two.

#ifndef WGS_REDUCTION
#define WGS_REDUCTION 64
#endif

__kernel __attribute__((reqd_work_group_size(WGS_REDUCTION, 1, 1)))
void reduction_row_sum_squares(const int C, __global const float* X, __global float* out) {
    __local float partial[WGS_REDUCTION];
    const size_t r = get_group_id(0);
    const int lid = (int)get_local_id(0);
    __global const float* row = X + r * (size_t)C;

    float sum = 0.0f;
    for (int c = lid; c < C; c += WGS_REDUCTION) {
        const float v = row[c];
        sum += v * v;
    }
    partial[lid] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);

    for (int stride = WGS_REDUCTION / 2; stride > 0; stride >>= 1) {
        if (lid < stride) {
            partial[lid] += partial[lid + stride];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        out[r] = partial[0];
    }
}

__kernel __attribute__((reqd_work_group_size(WGS_REDUCTION, 1, 1)))
void reduction_partial_sum_squares(const ulong n, const int P, const int offset, __global const float* x,
                                   __global float* partials) {
    __local float partial[WGS_REDUCTION];
    const ulong p = get_group_id(0);
    const int lid = (int)get_local_id(0);
    const ulong start = p * n / (ulong)P, end = (p + 1) * n / (ulong)P;   // once per work-item, not per element

    float sum = 0.0f;
    for (ulong i = start + (ulong)lid; i < end; i += WGS_REDUCTION) {
        const float v = x[i];
        sum += v * v;
    }
    partial[lid] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);

    for (int stride = WGS_REDUCTION / 2; stride > 0; stride >>= 1) {
        if (lid < stride) {
            partial[lid] += partial[lid + stride];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        partials[offset + p] = partial[0];
    }
}
