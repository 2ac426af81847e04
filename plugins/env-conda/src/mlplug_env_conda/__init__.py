"""--env-manager conda: a cached conda environment built from conda.yaml by conda, mamba or micromamba."""
