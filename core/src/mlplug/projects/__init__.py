"""MLflow Projects: the MLproject format, parameter checks and command building, and fetching a project
from a directory or a git repository.

Everything here is what any project backend (local processes, a cluster) needs before it runs an entry
point; the backends themselves are plugins (`mlplug_project_backend`). Only the standard library is
imported at module level; pyyaml (extra `mlplug-core[projects]`) is imported when an MLproject is read.
"""
