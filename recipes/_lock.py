"""One process per output folder, on recipes/' bottom floor.

`take(folder)` holds an OS lock (`flock`) on `folder/.lock` for this process
until `release_all()` (`recipes._cli.run` calls it on the way out) or the
process ends. The kernel drops the lock of a process that dies, even by
SIGKILL, so a stale lock file is simply taken over: nothing has to guess
whether the process it names is gone. A second process that asks for a held
folder gets `zoo.InputError` at once, naming the folder and the process that
holds it (its pid and host, which the holder writes into the lock file).

A process that holds a folder may take it again (an in-process `--resume`,
a recipe calling another's `main`): the lock guards folders from other
processes, not a process from itself.
"""

import fcntl
import os
import socket
from pathlib import Path

from zoo import InputError

NAME = ".lock"
_held = {}  # the folder's real path -> (its lock file's descriptor, the lock file)


def take(folder, flag="--out"):
    """Takes `folder` (created if missing) for this process; raises
    `zoo.InputError` naming `flag`, the folder and the holder when another
    process holds it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    key = os.path.realpath(folder)
    if key in _held:
        return
    path = folder / NAME
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 200, 0).decode(errors="replace").strip()
            os.close(descriptor)
            raise InputError(
                f"{flag} {folder}: in use by another run ({holder or 'a process starting'}); "
                "wait for it to end or give another folder"
            ) from None
        # A holder that released the folder between our open and our lock has
        # removed the file we opened: lock the file that is there now.
        try:
            current = os.stat(path).st_ino == os.fstat(descriptor).st_ino
        except FileNotFoundError:
            current = False
        if current:
            break
        os.close(descriptor)
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
    _held[key] = (descriptor, path)


def holds(folder):
    """Whether this process holds `folder`."""
    return os.path.realpath(folder) in _held


def release(folder):
    """Gives `folder` back (its lock file goes first, then the lock)."""
    entry = _held.pop(os.path.realpath(folder), None)
    if entry is None:
        return
    descriptor, path = entry
    try:
        path.unlink()
    except OSError:
        pass  # the folder went away under us: nothing left to guard
    os.close(descriptor)


def release_all():
    for key in list(_held):
        release(key)
