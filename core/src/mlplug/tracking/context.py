"""Tags that describe where a run was started: user, source script, git commit, then plugins' tags.

Git information is read straight from the `.git` directory (HEAD, loose refs, packed-refs), so starting
a run never spawns a `git` process.
"""
from __future__ import annotations

import getpass
import os
import re
import sys

USER = "mlflow.user"
SOURCE_NAME = "mlflow.source.name"
SOURCE_TYPE = "mlflow.source.type"
GIT_COMMIT = "mlflow.source.git.commit"
PARENT_RUN_ID = "mlflow.parentRunId"
NOTE = "mlflow.note.content"

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name and no passwd entry (some containers)
        return "unknown"


def source_name() -> str:
    main = sys.argv[0] if sys.argv else ""
    return main if main and os.path.isfile(main) else "<console>"


def run_tags(experiment_id: str, user_tags: dict[str, str], fixed: dict[str, str] | None = None) -> dict[str, str]:
    """Context tags, then `fixed` (parent run, description), then the `mlplug_run_context_tags` hook,
    then `user_tags`, each layer overriding the one before."""
    from mlplug.host import get_host

    source = source_name()
    tags = {USER: user(), SOURCE_NAME: source, SOURCE_TYPE: "LOCAL"}
    commit = git_commit(os.path.dirname(os.path.abspath(source)) if source != "<console>" else os.getcwd())
    if commit:
        tags[GIT_COMMIT] = commit
    tags.update(fixed or {})
    for extra in get_host().cross_cutting().mlplug_run_context_tags(experiment_id=experiment_id,
                                                                    tags=dict(user_tags)):
        tags.update({str(k): str(v) for k, v in (extra or {}).items()})
    tags.update(user_tags)
    return tags


def git_commit(start: str) -> str | None:
    """The commit checked out in the repository containing `start`, or None outside a repository."""
    try:
        git_dir = _find_git_dir(start)
        if git_dir is None:
            return None
        head = _read(os.path.join(git_dir, "HEAD"))
        if head is None:
            return None
        if not head.startswith("ref:"):
            return head if _SHA.match(head) else None
        return _resolve_ref(git_dir, head[4:].strip())
    except (OSError, UnicodeDecodeError):
        return None


def _find_git_dir(start: str) -> str | None:
    here = os.path.abspath(start)
    while True:
        dot_git = os.path.join(here, ".git")
        if os.path.isdir(dot_git):
            return dot_git
        if os.path.isfile(dot_git):  # worktree or submodule: "gitdir: <path>"
            pointer = _read(dot_git) or ""
            if pointer.startswith("gitdir:"):
                return os.path.normpath(os.path.join(here, pointer[7:].strip()))
            return None
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _resolve_ref(git_dir: str, ref: str) -> str | None:
    common = _read(os.path.join(git_dir, "commondir"))
    dirs = [git_dir] + ([os.path.normpath(os.path.join(git_dir, common))] if common else [])
    for d in dirs:
        sha = _read(os.path.join(d, *ref.split("/")))
        if sha and _SHA.match(sha):
            return sha
    for d in dirs:
        for line in (_read(os.path.join(d, "packed-refs")) or "").splitlines():
            sha, _, name = line.partition(" ")
            if name.strip() == ref and _SHA.match(sha):
                return sha
    return None


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
