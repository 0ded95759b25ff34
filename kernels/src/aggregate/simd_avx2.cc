// The cpu backend's inner loops for AVX2 (see simd_impl.inc; compile flags in sources.cmake).
#define CESS_SIMD_NS avx2
#define CESS_SIMD_NAME "avx2"
#define CESS_SIMD_VEC_BYTES 32
#define CESS_SIMD_GRAM_BLOCK 2
#include "aggregate/simd_impl.inc"
