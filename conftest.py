"""Fixtures for every test in this repository come from mlplug's own test kit (see docs/plugins.md)."""
pytest_plugins = ["mlplug.testing.pytest_plugin"]
