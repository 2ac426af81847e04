"""mlplug experiments: create, search, get, delete, restore, rename (see commands.py)."""
