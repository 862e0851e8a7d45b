// Optimizer steps on flat float vectors of n parameters.
//
//   optimizer_adamw   PyTorch's AdamW (decoupled weight decay, bias correction), with the
//                     gradient multiplied by grad_scale first (global-norm clipping):
//                       g = grad·grad_scale;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²
//                       p = p·(1 − lr·wd);    p = p − (lr/bc1)·m / (sqrt(v)/sqrt_bc2 + eps)
//                     where bc1 = 1 − β1^t and sqrt_bc2 = sqrt(1 − β2^t) are computed on the host.

__kernel void optimizer_adamw(const ulong n, const float lr, const float beta1, const float beta2, const float eps,
                              const float weight_decay, const float bc1, const float sqrt_bc2, const float grad_scale,
                              __global float* p, __global const float* grad, __global float* m, __global float* v) {
    const size_t i = get_global_id(0);
    if (i >= n) {
        return;
    }
    const float g = grad[i] * grad_scale;
    const float mi = beta1 * m[i] + (1.0f - beta1) * g;
    const float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    float pi = p[i] * (1.0f - lr * weight_decay);
    pi -= (lr / bc1) * mi / (sqrt(vi) / sqrt_bc2 + eps);
    p[i] = pi;
}
