"""The STL drop folder: new files in order, imported once, re-drops and changed files (paypal.folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.payments.paypal.config import PayPalSettings
from connectors.payments.paypal.folder import SettlementFolder


def drop(folder: Path, name: str, content: bytes = b'"RH"\r\n') -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


async def test_new_files_oldest_first_and_only_stl_names(tmp_path: Path) -> None:
    drop(tmp_path, "STL-20261202.02.009.CSV")
    drop(tmp_path, "STL-20261202.01.009.CSV")
    drop(tmp_path, "STL-20261201.01.009.CSV")
    drop(tmp_path, "STL-20261203.01.009.CSV.part")     # still uploading
    drop(tmp_path, "notes.txt")
    folder = SettlementFolder(tmp_path)
    assert [p.name for p in await folder.new_files()] == [
        "STL-20261201.01.009.CSV", "STL-20261202.01.009.CSV", "STL-20261202.02.009.CSV"]


async def test_an_imported_file_moves_and_is_not_imported_again(tmp_path: Path) -> None:
    folder = SettlementFolder(tmp_path)
    path = drop(tmp_path, "STL-20261202.01.009.CSV", b"day one")
    [found] = await folder.new_files()
    assert await folder.read(found) == b"day one"
    moved = await folder.mark_imported(found)
    assert moved == tmp_path / "imported" / "STL-20261202.01.009.CSV" and not path.exists()
    entry = folder.manifest()["STL-20261202.01.009.CSV"]
    assert len(entry["sha256"]) == 64 and entry["imported_at"]
    assert await folder.new_files() == []

    drop(tmp_path, "STL-20261202.01.009.CSV", b"day one")               # identical re-drop
    scan = await folder.scan()
    assert scan.new == () and [p.name for p in scan.duplicates] == ["STL-20261202.01.009.CSV"]
    assert await folder.new_files() == []
    assert not (tmp_path / "STL-20261202.01.009.CSV").exists()
    assert len(list((tmp_path / "imported" / "duplicates").iterdir())) == 1


async def test_a_changed_file_with_an_imported_name_is_reported(tmp_path: Path) -> None:
    folder = SettlementFolder(tmp_path)
    await folder.mark_imported(drop(tmp_path, "STL-20261202.01.009.CSV", b"first"))
    drop(tmp_path, "STL-20261202.01.009.CSV", b"second, corrected")
    scan = await folder.scan()
    assert scan.new == () and scan.duplicates == ()
    [conflict] = scan.conflicts
    assert conflict.startswith("STL-20261202.01.009.CSV was imported on ") and "different contents" in conflict
    assert await folder.new_files() == []
    assert (tmp_path / "STL-20261202.01.009.CSV").exists()                 # left for a person
    with pytest.raises(ValueError, match="already in the import manifest"):
        await folder.mark_imported(tmp_path / "STL-20261202.01.009.CSV")


async def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"settlement folder .* does not exist"):
        await SettlementFolder(tmp_path / "nope").new_files()


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("O2C_PAYPAL_ENABLED", "true")
    monkeypatch.setenv("O2C_PAYPAL_SETTLEMENT_FOLDER", str(tmp_path))
    monkeypatch.setenv("O2C_PAYPAL_CLIENT_ID", "app-id")
    monkeypatch.setenv("O2C_PAYPAL_CLIENT_SECRET", "s3cret")
    settings = PayPalSettings()
    assert settings.enabled and settings.settlement_folder == tmp_path and settings.api_enabled
    assert settings.api_base == "https://api-m.paypal.com" and "s3cret" not in repr(settings)
