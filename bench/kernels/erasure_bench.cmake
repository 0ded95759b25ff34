# Erasure benchmarks; owned by the erasure implementation.
