"""mlplug-ui: the web UI served by `mlplug server` and `mlplug ui`."""
