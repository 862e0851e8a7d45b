// CLBlast's C API (Debian: libclblast-dev). GEMM on every OpenCL device goes through it.
#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <clblast_c.h>
