// The cpu backend's inner loops for baseline (see simd_impl.inc; compile flags in sources.cmake).
#define CESS_SIMD_NS base
#define CESS_SIMD_NAME "base"
#define CESS_SIMD_VEC_BYTES 16
#define CESS_SIMD_GRAM_BLOCK 1
#include "aggregate/simd_impl.inc"
