"""--env-manager virtualenv: an isolated, cached virtual environment built from a model's python_env.yaml."""
