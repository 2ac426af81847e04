"""mlplug models: serve, predict, prepare-env, generate-dockerfile, build-docker; the scoring server."""
