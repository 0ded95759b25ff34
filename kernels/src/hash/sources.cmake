# Hash sources (ref / cpu / cuda); owned by the hash implementation.
