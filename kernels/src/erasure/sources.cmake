# Erasure sources (ref / cpu / cuda); owned by the erasure implementation.
