"""The Python tracking API: fluent functions, the client, artifact-URI resolution and run context."""
