"""Writing files safely: check an output path before the work, write it atomically after.

Warning first: every file ffcast writes goes to a temporary name in the target directory
and is renamed onto the target only when complete, so a crash, a full disk or an interrupt
never leaves a half-written file where a user expects one. :func:`check_output` runs the
cheap checks (extension, folder exists and is writable, not an existing folder) *before* a
long simulation, so a bad ``--out`` fails in milliseconds, not after the work.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from ffcast.errors import OutputError, echo

MAX_PATH_BYTES = 4096
MAX_NAME_BYTES = 255


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
            parent.mkdir(parents=True, exist_ok=True)
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
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=suffix or ".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return target
