"""--env-manager local: the current interpreter, with nothing built or installed."""
