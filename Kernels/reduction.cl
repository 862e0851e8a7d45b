// Reductions of float vectors.
//
//   reduction_row_sum_squares      out[r] = sum_c X[r, c]^2 of a row-major R×C matrix X
//                                  (RMSNorm's statistic)
//   reduction_partial_sum_squares  partials[offset + p] = sum of x[i]^2 over part p of P, the
//                                  range [p·n/P, (p+1)·n/P) (the global gradient norm's first pass)
//
// One work-group of GROUP_SIZE work-items per row or part: each work-item accumulates a
// strided slice, then a tree reduction in local memory (work_group_total) combines the partial
// sums in a fixed order. GROUP_SIZE must be a power of two.

// The group size of a reduction, a power of two chosen per kernel at launch; its `partial`
// argument holds one float per work-item.
#define GROUP_SIZE ((int)get_local_size(0))

// The sum over the work-group of each work-item's `value`, valid in work-item 0.
float work_group_total(__local float* partial, const int lid, const float value) {
    partial[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = GROUP_SIZE / 2; stride > 0; stride >>= 1) {
        if (lid < stride) {
            partial[lid] += partial[lid + stride];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    return partial[0];
}

__kernel void reduction_row_sum_squares(const int C, __global const float* X, __global float* out, __local float* partial) {
    const size_t r = get_group_id(0);
    const int lid = (int)get_local_id(0);
    __global const float* row = X + r * (size_t)C;

    float sum = 0.0f;
    for (int c = lid; c < C; c += GROUP_SIZE) {
        const float v = row[c];
        sum += v * v;
    }
    const float total = work_group_total(partial, lid, sum);
    if (lid == 0) {
        out[r] = total;
    }
}

__kernel void reduction_partial_sum_squares(const ulong n, const int P, const int offset, __global const float* x,
                                            __global float* partials, __local float* partial) {
    const ulong p = get_group_id(0);
    const int lid = (int)get_local_id(0);
    const ulong start = p * n / (ulong)P, end = (p + 1) * n / (ulong)P;   // once per work-item, not per element

    float sum = 0.0f;
    for (ulong i = start + (ulong)lid; i < end; i += GROUP_SIZE) {
        const float v = x[i];
        sum += v * v;
    }
    const float total = work_group_total(partial, lid, sum);
    if (lid == 0) {
        partials[offset + p] = total;
    }
}
