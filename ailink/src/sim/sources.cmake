# The simulation job: strategy, coordinator round loop, configuration.
target_sources(cess_ailink PRIVATE
)
