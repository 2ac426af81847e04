"""Fetching projects: local directories and real git repositories made in tmp dirs."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mlplug.errors import InvalidParameter
from mlplug.projects.sources import fetch, is_git_uri, split_subdirectory

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path) -> dict:
    """A repository with two commits on `trunk` (its default branch), a tag on the first and a branch."""
    path = tmp_path / "repo"
    (path / "proj").mkdir(parents=True)
    git(path, "init", "--quiet", "--initial-branch=trunk")
    (path / "proj" / "version.txt").write_text("one\n")
    git(path, "add", ".")
    git(path, "commit", "--quiet", "-m", "one")
    first = git(path, "rev-parse", "HEAD")
    git(path, "tag", "v1")
    git(path, "branch", "feature")
    (path / "proj" / "version.txt").write_text("two\n")
    git(path, "commit", "--quiet", "-am", "two")
    return {"path": path, "first": first, "second": git(path, "rev-parse", "HEAD")}


def read_version(fetched) -> str:
    return (Path(fetched.directory) / "version.txt").read_text().strip()


def test_a_file_uri_clones_the_default_branch(repo, tmp_path):
    fetched = fetch(f"file://{repo['path']}#proj", None, str(tmp_path / "work"))
    assert read_version(fetched) == "two"
    assert (fetched.git_commit, fetched.version, fetched.git_repo_url) == (repo["second"], None, f"file://{repo['path']}")
    assert fetched.source_name == f"file://{repo['path']}#proj"
    assert fetched.checkout == str(tmp_path / "work") and fetched.directory == str(tmp_path / "work" / "proj")


@pytest.mark.parametrize("version, expected", [("first", "one"), ("v1", "one"), ("feature", "one"), ("trunk", "two")])
def test_a_version_is_a_commit_tag_or_branch(repo, tmp_path, version, expected):
    version = repo.get(version, version)
    fetched = fetch(f"file://{repo['path']}#proj", version, str(tmp_path / "work"))
    assert read_version(fetched) == expected
    assert fetched.git_commit == (repo["first"] if expected == "one" else repo["second"])
    assert fetched.version == version


def test_a_local_repository_with_a_version_is_cloned_and_left_untouched(repo, tmp_path):
    fetched = fetch(f"{repo['path']}#proj", repo["first"], str(tmp_path / "work"))
    assert read_version(fetched) == "one"
    assert (repo["path"] / "proj" / "version.txt").read_text() == "two\n"
    assert git(repo["path"], "rev-parse", "HEAD") == repo["second"]


def test_a_local_directory_is_used_in_place(repo, tmp_path):
    fetched = fetch(f"{repo['path']}#proj", None, str(tmp_path / "work"))
    assert fetched.directory == str(repo["path"] / "proj") and fetched.checkout is None
    assert fetched.git_commit == repo["second"]  # a directory inside a repository records its commit
    assert not (tmp_path / "work").exists()


@pytest.mark.parametrize("make_uri, version, message", [
    (lambda r, t: f"file://{t}/no-such-repo", None, "Could not clone 'file://"),
    (lambda r, t: "https://127.0.0.1:9/nothing.git", None, "Could not clone 'https://127.0.0.1:9/nothing.git'"),
    (lambda r, t: f"file://{r['path']}", "no-such-branch", "Version 'no-such-branch' is not a branch, tag or commit"),
    (lambda r, t: f"file://{r['path']}#missing", None, "Subdirectory 'missing' does not exist in the project"),
    (lambda r, t: f"file://{r['path']}#../x", None, "must be a relative path inside the project"),
    (lambda r, t: f"{t}/nowhere", None, "is not a directory or a git URI"),
    (lambda r, t: f"{r['path']}/proj", "v1", "--version is only for git repositories"),
])
def test_sources_that_cannot_be_fetched_are_one_line_errors(repo, tmp_path, make_uri, version, message):
    with pytest.raises(InvalidParameter) as info:
        fetch(make_uri(repo, tmp_path), version, str(tmp_path / "work"))
    assert message in info.value.message and "\n" not in info.value.message
    assert not (tmp_path / "work").exists()  # nothing half-cloned is left


def test_git_uri_forms():
    assert all(is_git_uri(u) for u in ["https://github.com/a/b.git", "git@github.com:a/b.git", "file:///r",
                                       "ssh://git@h/r", "git://h/r"])
    assert not any(is_git_uri(u) for u in ["/abs/dir", "rel/dir", "./x", "C:/x"])
    assert split_subdirectory("https://h/r.git#a/b/") == ("https://h/r.git", "a/b")
