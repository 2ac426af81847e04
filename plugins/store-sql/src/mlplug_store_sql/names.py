"""Generated run names, `adjective-noun-NNN`, for runs created without one (as MLflow does)."""
from __future__ import annotations

import random

_ADJECTIVES = (
    "agile", "amber", "ample", "bold", "brave", "bright", "brisk", "calm", "clever", "crisp", "curious",
    "daring", "deft", "eager", "early", "earnest", "fair", "fleet", "fond", "gentle", "glad", "golden",
    "grand", "hardy", "honest", "humble", "jolly", "keen", "kind", "lively", "lucky", "merry", "mellow",
    "nimble", "noble", "patient", "plucky", "polite", "proud", "quick", "quiet", "rapid", "silent",
    "sleek", "smooth", "snappy", "steady", "sturdy", "sunny", "swift", "tidy", "vivid", "warm", "witty",
)
_NOUNS = (
    "albatross", "badger", "bass", "bear", "beetle", "bison", "crane", "cricket", "dolphin", "eagle",
    "falcon", "ferret", "finch", "fox", "gazelle", "gecko", "goose", "hare", "hawk", "heron", "ibis",
    "jackal", "jay", "koala", "lark", "lemur", "lynx", "mole", "moose", "newt", "otter", "owl", "panda",
    "pelican", "puffin", "quail", "rabbit", "raven", "robin", "salmon", "seal", "shark", "sparrow",
    "squid", "stork", "swan", "tapir", "trout", "turtle", "viper", "walrus", "whale", "wolf", "wren",
)


def generate_run_name() -> str:
    return f"{random.choice(_ADJECTIVES)}-{random.choice(_NOUNS)}-{random.randrange(1000)}"
