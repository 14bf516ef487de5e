"""The Settlement Report drop folder: PayPal's SFTP job (or a person) puts ``STL-…`` files in it.

A file is imported once: after the payout flow has taken it, :meth:`SettlementFolder.mark_imported`
moves it into ``imported/`` next to it and records its name and SHA-256 in ``imported/manifest.json``.
A re-dropped identical file is not imported again (it is moved aside as a duplicate); a different file
under a name already imported is not imported either, but reported for finance to look at.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .stl import FILE_NAME

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class FolderScan:
    """What one look at the folder found."""

    new: tuple[Path, ...] = ()
    duplicates: tuple[Path, ...] = ()
    conflicts: tuple[str, ...] = ()
    #: The files the :attr:`conflicts` messages are about, in the same order.
    conflicting: tuple[Path, ...] = ()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sort_key(path: Path) -> tuple[str, int, int, str]:
    match = FILE_NAME.match(path.name)
    assert match is not None
    return match.group(1), int(match.group(2)), int(match.group(3)), path.name


@dataclass
class SettlementFolder:
    """``path`` holds the dropped files; ``path/imported`` what was imported and the manifest."""

    path: Path
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def imported_dir(self) -> Path:
        return self.path / "imported"

    def manifest(self) -> dict[str, dict[str, str]]:
        """``{file name: {"sha256": …, "imported_at": …}}`` of every file imported so far."""
        file = self.imported_dir / MANIFEST
        if not file.exists():
            return {}
        data = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{file} is not a JSON object; fix or remove it")
        return data

    def _scan(self) -> FolderScan:
        if not self.path.is_dir():
            raise FileNotFoundError(f"the PayPal settlement folder {self.path} does not exist")
        seen = self.manifest()
        new: list[Path] = []
        duplicates: list[Path] = []
        conflicts: list[str] = []
        conflicting: list[Path] = []
        for candidate in sorted((p for p in self.path.iterdir() if p.is_file() and FILE_NAME.match(p.name)),
                                key=_sort_key):
            before = seen.get(candidate.name)
            if before is None:
                new.append(candidate)
                continue
            digest = sha256(candidate)
            if digest == before.get("sha256"):
                duplicates.append(candidate)
            else:
                conflicting.append(candidate)
                conflicts.append(
                    f"{candidate.name} was imported on {before.get('imported_at', '?')} and has been dropped "
                    f"again with different contents (sha256 {digest[:12]}… instead of "
                    f"{str(before.get('sha256', ''))[:12]}…); it was not imported: compare the two and remove "
                    "one")
        return FolderScan(tuple(new), tuple(duplicates), tuple(conflicts), tuple(conflicting))

    async def scan(self) -> FolderScan:
        """New files (oldest report first), identical re-drops and same-name conflicts."""
        return await asyncio.to_thread(self._scan)

    async def new_files(self) -> list[Path]:
        """Files not imported yet, oldest report (then sequence) first. Identical re-drops are moved aside."""
        found = await self.scan()
        for duplicate in found.duplicates:
            await self.set_aside(duplicate)
        return list(found.new)

    async def set_aside(self, path: Path) -> Path:
        """Move an identical re-drop into ``imported/duplicates/`` (kept, never imported)."""
        def move() -> Path:
            target_dir = self.imported_dir / "duplicates"
            target_dir.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            target = target_dir / f"{path.name}.{stamp}"
            os.replace(path, target)
            return target
        async with self._lock:
            return await asyncio.to_thread(move)

    async def mark_imported(self, path: Path) -> Path:
        """Record ``path`` (name + SHA-256) in the manifest and move it into ``imported/``; returns the new path."""
        def move() -> Path:
            self.imported_dir.mkdir(parents=True, exist_ok=True)
            entries = self.manifest()
            if path.name in entries:
                raise ValueError(f"{path.name} is already in the import manifest; it cannot be imported twice")
            entries[path.name] = {"sha256": sha256(path), "imported_at": datetime.now(UTC).isoformat()}
            target = self.imported_dir / path.name
            os.replace(path, target)
            manifest = self.imported_dir / MANIFEST
            temporary = manifest.with_suffix(".json.tmp")
            temporary.write_text(json.dumps(entries, indent=2, sort_keys=True), encoding="utf-8")
            os.replace(temporary, manifest)
            return target
        async with self._lock:
            return await asyncio.to_thread(move)

    async def read(self, path: Path) -> bytes:
        return await asyncio.to_thread(path.read_bytes)
