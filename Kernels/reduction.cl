// Row-wise reductions of a row-major matrix X of R rows × C columns.
//
//   reduction_row_sum_squares   out[r] = sum_c X[r, c]^2      (RMSNorm's statistic)
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
