"""What every environment manager shares: the cache of built environments (`cache`) and which mlplug
distributions go into an environment, from where (`sources`). Only the standard library and the host."""
