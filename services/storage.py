"""Where uploaded files live: one seam (`Storage`), a disk implementation under the instance folder.

Keys are random (never derived from a file name or a person), so a key in a log or a URL tells
nothing; the database row beside it records the name, type, size and SHA-256. An object store
(S3, OSS, MinIO) would be another class with the same three methods.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from services.errors import NotFound

_KEY = re.compile(r"^[0-9a-f]{32}$")


class Storage(Protocol):
    """Keep bytes under a random key; give them back; forget them."""

    def put(self, data: bytes) -> str:
        """Store `data` and return its new key."""
        ...

    def get(self, key: str) -> bytes:
        """Return the bytes stored under `key`, or raise NotFound."""
        ...

    def delete(self, key: str) -> None:
        """Forget `key` (no error when it is already gone)."""
        ...


class DiskStorage:
    """Files under a folder, two levels of fan-out by key (ab/cd/abcd…)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):  # keys come from put(); anything else is not ours
            raise NotFound("文件不存在")
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        """Write to a temporary file, then rename: a reader never sees half a file."""
        key = secrets.token_hex(16)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        with open(partial, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
        return key

    def get(self, key: str) -> bytes:
        """Return the file's bytes."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound("文件不存在") from None

    def delete(self, key: str) -> None:
        """Remove the file if it is there."""
        self._path(key).unlink(missing_ok=True)


def disk_storage(instance_dir: Path | str) -> DiskStorage:
    """Return the disk storage of an instance folder (instance/uploads)."""
    return DiskStorage(Path(instance_dir) / "uploads")
