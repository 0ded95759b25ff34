# Hash benchmarks; owned by the hash implementation.
