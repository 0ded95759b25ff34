# Aggregate kernel tests.
