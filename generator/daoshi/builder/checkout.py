"""The builder's own working copy of the school's repository, brought up to its branch.

The builder reads records from a clone (with the whole history: the history pages and
the review read it), never from the server's bare repository directly; after a push it
fetches and moves the clone to the new commit, and asks git which files changed.
"""

from __future__ import annotations

from pathlib import Path

from daoshi import git


def default_branch(bare: Path) -> str:
    """The branch the repository's HEAD names (``refs/heads/main``)."""
    return git.output("symbolic-ref", "HEAD", git_dir=bare).strip()


def head_of(bare: Path) -> str | None:
    """The commit the repository's branch points at (None: nothing pushed yet)."""
    done = git.run(
        "rev-parse",
        "--verify",
        "-q",
        f"{default_branch(bare)}^{{commit}}",
        git_dir=bare,
        check=False,
    )
    return done.stdout.decode().strip() or None if done.returncode == 0 else None


def sync(bare: Path, work: Path, clean: bool = True) -> tuple[str | None, str | None]:
    """Clone or fetch ``bare`` into ``work`` and check out its branch's commit; with
    ``clean``, files git does not track are removed too (a walk of the whole work tree:
    the builder asks for it before a full build, not after every push, since nothing but
    git writes into its clone).

    Returns the commit ``work`` had before (None for a new clone) and the one it has now
    (None while the repository has no commit)."""
    branch = default_branch(bare)
    if not (work / ".git").is_dir():
        work.parent.mkdir(parents=True, exist_ok=True)
        git.run("clone", "-q", "--no-checkout", str(bare.resolve()), str(work))
        before = None
    else:
        before = _head(work)
        git.run("fetch", "-q", "--prune", "--force", "origin", cwd=work)
    name = branch.removeprefix("refs/heads/")
    if not git.succeeds("rev-parse", "--verify", "-q", f"refs/remotes/origin/{name}", cwd=work):
        return before, None
    git.run("checkout", "-q", "--force", "-B", name, f"refs/remotes/origin/{name}", cwd=work)
    if clean:
        git.run("clean", "-q", "-d", "-f", "-x", "-e", ".daoshi-cache", cwd=work)
    return before, _head(work)


def _head(work: Path) -> str | None:
    done = git.run("rev-parse", "--verify", "-q", "HEAD", cwd=work, check=False)
    return done.stdout.decode().strip() or None if done.returncode == 0 else None


def changed_between(work: Path, old: str, new: str) -> set[str]:
    """The files that differ between two commits (both sides of a rename)."""
    out = git.run("diff", "--name-only", "-z", "--no-renames", old, new, cwd=work).stdout
    return {p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p}
