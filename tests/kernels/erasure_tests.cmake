# Erasure tests; owned by the erasure implementation.
