"""mlplug run (commands.py) and the `local` project backend (plugin.py, backend.py)."""
