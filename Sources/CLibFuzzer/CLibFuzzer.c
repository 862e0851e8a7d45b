// Declarations only: libFuzzer itself comes from the toolchain's -sanitize=fuzzer runtime.
#include "CLibFuzzer.h"
