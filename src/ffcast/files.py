"""Writing files safely: check an output path before the work, write it atomically after.

Warning first: every file ffcast writes goes to a temporary name in the target directory
and is renamed onto the target only when complete, so a crash, a full disk or an interrupt
never leaves a half-written file where a user expects one. :func:`check_output` runs the
cheap checks (extension, folder exists and is writable, not an existing folder) *before* a
long simulation, so a bad ``--out`` fails in milliseconds, not after the work.

Nothing written on failure: a command's work runs in :func:`output_scope`. Every folder made
for its output (:func:`make_folder`, the only place ffcast creates one) and every file it
brings into existence (:func:`atomic_path`, :func:`record_created`) is recorded there; if the
command then fails, the new files are removed and so are the new folders, deepest first and
only while empty (anything else put there meanwhile stays, and so do the folders holding
it). A file that existed before and was replaced stays replaced.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from ffcast.errors import OutputError, echo

MAX_PATH_BYTES = 4096
MAX_NAME_BYTES = 255

# What the current output scope created, oldest first (None outside any scope).
_CREATED: contextvars.ContextVar[list[Path] | None] = contextvars.ContextVar(
    "ffcast_created_outputs", default=None)


def record_created(path: str | os.PathLike[str]) -> None:
    """Note that ``path`` (a file, a directory store or a folder) did not exist before this
    command made it, so a failure of the command removes it (see :func:`output_scope`)."""
    created = _CREATED.get()
    if created is not None:
        created.append(Path(path))


def make_folder(path: str | os.PathLike[str]) -> Path:
    """Create folder ``path`` and its missing parents, recording each one created (a failed
    command removes them again; see :func:`output_scope`). Raises OSError as ``mkdir``."""
    folder = Path(path)
    missing = []
    for p in (folder, *folder.parents):
        if p.exists():
            break
        missing.append(p)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    finally:  # a partial success (a parent made, then a refusal) is recorded too
        for p in reversed(missing):
            if p.is_dir():
                record_created(p)
    return folder


def _is_success(exc: BaseException) -> bool:
    """An exit with status 0 (``sys.exit(0)``, Click's ``Exit(0)``) is not a failure."""
    code = getattr(exc, "exit_code", getattr(exc, "code", 1) if isinstance(exc, SystemExit)
                   else 1)
    return code in (0, None)


def _undo(created: list[Path]) -> None:
    """Remove what a failed command created: files first, then folders deepest first, each
    folder only if empty (``rmdir`` refuses otherwise)."""
    for p in reversed(created):
        try:
            if p.is_symlink() or p.is_file():
                p.unlink()
            elif p.is_dir() and p.suffix.lower() == ".zarr":  # a directory store it wrote
                import shutil

                shutil.rmtree(p)
            elif p.is_dir():
                p.rmdir()
        except OSError:
            pass  # not empty (something else is there now), or gone already: leave it


@contextlib.contextmanager
def output_scope() -> Iterator[None]:
    """Run a command's work; if it raises, remove the outputs and folders it created.

    Scopes nest: an inner scope that succeeds hands what it created to the outer one, so a
    later failure of the outer command still removes it. Usable as a decorator.
    """
    outer = _CREATED.get()
    created: list[Path] = []
    token = _CREATED.set(created)
    try:
        yield
    except BaseException as exc:
        if not _is_success(exc):
            _undo(created)
            created = []
        raise
    finally:
        _CREATED.reset(token)
        if outer is not None:
            outer.extend(created)


def check_output(path: str | os.PathLike[str], flag: str = "--out",
                 extensions: Iterable[str] | None = None, *, folder_ok: bool = False,
                 create_parent: bool = True) -> Path:
    """Check that ``path`` can be written, before any work starts; return it as a Path.

    ``extensions`` (e.g. ``(".nc", ".csv")``) restricts the suffix; ``folder_ok`` allows a
    directory store (``.zarr``) to be replaced. A missing parent folder is created when
    ``create_parent`` (the user asked for the file there). Raises :class:`OutputError` with
    one line naming ``flag`` and the fix.
    """
    p = Path(path)
    text = str(p)
    if len(os.fsencode(text)) > MAX_PATH_BYTES or any(
            len(os.fsencode(part)) > MAX_NAME_BYTES for part in p.parts):
        raise OutputError(f"{flag}: {echo(text)} is too long a path; fix: use a shorter name")
    if not p.name or text.endswith(os.sep):
        raise OutputError(f"{flag}: {echo(text)} names a folder; fix: give a file name")
    if extensions is not None:
        allowed = tuple(extensions)
        if p.suffix.lower() not in allowed:
            raise OutputError(f"{flag}: unsupported extension {echo(p.suffix)}; fix: use one "
                              f"of {', '.join(allowed)}")
    if p.is_dir() and not folder_ok:
        raise OutputError(f"{flag}: {echo(text)} is an existing folder; fix: give a file name")
    if p.exists() and not p.is_dir() and not os.access(p, os.W_OK):
        raise OutputError(f"{flag}: {echo(text)} exists and cannot be overwritten; fix: check "
                          "its permissions or choose another name")
    parent = p.parent
    for ancestor in (parent, *parent.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                raise OutputError(f"{flag}: {echo(str(ancestor))} is a file, not a folder; "
                                  "fix: choose another output folder")
            break
    if not parent.exists():
        if not create_parent:
            raise OutputError(f"{flag}: folder {echo(str(parent))} does not exist; fix: "
                              "create it first")
        try:
            make_folder(parent)
        except OSError as exc:
            raise OutputError(f"{flag}: cannot create folder {echo(str(parent))} "
                              f"({exc.strerror}); fix: choose a writable folder") from None
    probe = parent / f".ffcast-write-check-{uuid.uuid4().hex[:8]}"
    try:
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"{flag}: cannot write in {echo(str(parent))} ({exc.strerror}); "
                          "fix: choose a writable folder") from None
    return p


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` if the block succeeds.

    On any exception the temporary file is removed and ``path`` is left as it was.
    The file is made readable by others (0644), as an ordinary file would be.
    """
    target = Path(path)
    make_folder(target.parent)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=suffix or ".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        new = not target.exists()
        os.replace(tmp, target)
        if new:
            record_created(target)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return target
