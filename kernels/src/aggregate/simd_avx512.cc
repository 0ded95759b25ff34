// The cpu backend's inner loops for AVX-512 (see simd_impl.inc; compile flags in sources.cmake).
#define CESS_SIMD_NS avx512
#define CESS_SIMD_NAME "avx512"
#define CESS_SIMD_VEC_BYTES 64
// 5×5 blocks: 25 accumulators + 5 row vectors + 1 column vector fit the 32 zmm registers.
#define CESS_SIMD_GRAM_BLOCK 5
#include "aggregate/simd_impl.inc"
