"""mlplug runs: list, describe, delete, restore (see commands.py)."""
