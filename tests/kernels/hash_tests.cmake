# Hash tests; owned by the hash implementation.
