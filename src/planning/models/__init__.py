"""The models: the commune engine, the household microsimulation, measures and classification, and the runner that turns a scenario into a Result."""
