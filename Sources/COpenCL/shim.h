// OpenCL through the ICD loader (Debian: ocl-icd-opencl-dev + opencl-headers).
// LoRAKit targets the OpenCL 1.2 API: it is what NVIDIA, AMD, Intel and pocl all implement.
#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
