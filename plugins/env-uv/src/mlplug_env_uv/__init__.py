"""--env-manager uv: the virtualenv manager's isolated, cached environments, always built with uv."""
