# Aggregate kernel sources (cpu / cuda primitives for robust aggregation); owned by the aggregation implementation.
