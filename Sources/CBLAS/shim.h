// OpenBLAS's cblas interface (Debian: libopenblas-dev). GEMM on the host goes through it.
#include <cblas.h>
