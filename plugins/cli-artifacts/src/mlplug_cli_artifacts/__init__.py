"""mlplug artifacts: list, download, log-artifact, log-artifacts, delete (see commands.py)."""
