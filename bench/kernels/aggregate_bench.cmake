# Aggregate kernel benchmarks.
