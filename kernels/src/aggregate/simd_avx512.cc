// The cpu backend's inner loops for AVX-512 (see simd_impl.inc; compile flags in sources.cmake).
#define CESS_SIMD_NS avx512
#define CESS_SIMD_NAME "avx512"
#define CESS_SIMD_VEC_BYTES 64
#define CESS_SIMD_GRAM_BLOCK 4
#include "aggregate/simd_impl.inc"
