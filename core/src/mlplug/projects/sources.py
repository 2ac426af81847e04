"""Where a project comes from: a local directory, or a git repository cloned into a working directory.

`URI#sub/dir` selects a subdirectory of either. Git URIs are `https://`, `http://`, `ssh://`, `git://`,
`git@host:path` and `file://` (a repository on this machine); a local directory that is a git repository
is cloned too when a `--version` is asked for, so its working tree is never touched. Without a version
the clone is at the repository's default branch. git never prompts: a URI that needs credentials it
does not have fails at once with git's own reason.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from mlplug.errors import InvalidParameter
from mlplug.tracking.context import git_commit

_GIT_URI = re.compile(r"^(https?|ssh|git|file)://|^[\w.-]+@[\w.-]+:")
_GIT_TIMEOUT = 600


@dataclass(frozen=True)
class FetchedProject:
    directory: str               # the project root (the subdirectory, when one was given)
    source_name: str             # the `mlflow.source.name` tag: the URI as given, local paths made absolute
    git_commit: str | None = None
    git_repo_url: str | None = None
    version: str | None = None
    checkout: str | None = None  # the clone this process made (remove it when the run is over), else None


def split_subdirectory(uri: str) -> tuple[str, str]:
    """(`uri`, `subdirectory`) for `uri#subdirectory`; a subdirectory may not leave the project."""
    base, _, sub = uri.partition("#")
    sub = sub.strip("/")
    if sub and (os.path.isabs(sub) or ".." in sub.split("/")):
        raise InvalidParameter(f"Subdirectory '{sub}' in '{uri}' must be a relative path inside the project.")
    return base, sub


def is_git_uri(uri: str) -> bool:
    return bool(_GIT_URI.match(uri))


def fetch(uri: str, version: str | None, work_dir: str) -> FetchedProject:
    """Make the project at `uri` available as a local directory; a git repository is cloned into
    `work_dir` (which must not exist yet)."""
    base, sub = split_subdirectory(uri)
    if not base:
        raise InvalidParameter("Give a project URI: a directory or a git repository.")
    if not is_git_uri(base):
        path = os.path.abspath(os.path.expanduser(base))
        if not os.path.isdir(path):
            raise InvalidParameter(f"Project '{base}' is not a directory or a git URI (git@host:repo, https://..., "
                                   f"file:///path/to/repo).")
        if version is None:
            source = path + (f"#{sub}" if sub else "")
            return FetchedProject(_subdirectory(path, sub, uri), source, git_commit(path))
        if not os.path.isdir(os.path.join(path, ".git")):
            raise InvalidParameter(f"--version is only for git repositories, and '{base}' is not one.")
        base = path
    _clone(base, version, work_dir)
    try:
        commit = _git(["rev-parse", "HEAD"], work_dir, base).strip()
        return FetchedProject(_subdirectory(work_dir, sub, uri), uri, commit, base, version, work_dir)
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise


def _subdirectory(root: str, sub: str, uri: str) -> str:
    if not sub:
        return root
    path = os.path.join(root, sub)
    if not os.path.isdir(path):
        raise InvalidParameter(f"Subdirectory '{sub}' does not exist in the project '{uri.partition('#')[0]}'.")
    return path


def _clone(repo: str, version: str | None, work_dir: str) -> None:
    """Clone `repo` into `work_dir` and check out `version`; nothing is left behind on failure."""
    try:
        _git(["clone", "--quiet", "--no-checkout", "--", repo, work_dir], None, repo, "Could not clone")
        if version is None:
            _git(["checkout", "--quiet"], work_dir, repo, "Could not check out the default branch of")
        else:
            try:
                _git(["checkout", "--quiet", version, "--"], work_dir, repo, "")
            except InvalidParameter:
                raise InvalidParameter(f"Version '{version}' is not a branch, tag or commit of '{repo}'.") from None
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise


def _git(args: list[str], cwd: str | None, repo: str, failure: str = "git failed for") -> str:
    git = shutil.which("git")
    if git is None:
        raise InvalidParameter("Running a project from a git repository needs git: install it (e.g. apt-get install git).")
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "",
           "GIT_SSH_COMMAND": os.environ.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")}
    try:
        done = subprocess.run([git, *args], cwd=cwd, env=env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=_GIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise InvalidParameter(f"{failure} '{repo}': git took longer than {_GIT_TIMEOUT} s.") from None
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"git exited with status {done.returncode}"
        raise InvalidParameter(f"{failure} '{repo}': {reason}")
    return done.stdout
