"""The Kafka jars: fetched when missing (also through the demo's link), and the demo's link repaired."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from deploy.local.kafka import KafkaJars
from deploy.local.kafka.broker import KafkaStartError

FAKE_MVN = """#!/bin/sh
# stands in for `mvn dependency:copy-dependencies -DoutputDirectory=…`: one jar, as Maven would copy it
for arg in "$@"; do
  case "$arg" in -DoutputDirectory=*) out="${arg#-DoutputDirectory=}";; esac
done
echo jar > "$out/kafka_2.13-4.3.1.jar"
"""


@pytest.fixture
def fake_mvn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    mvn = bin_dir / "mvn"
    mvn.write_text(FAKE_MVN)
    mvn.chmod(mvn.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return mvn


def test_a_dangling_demo_link_is_kept_and_fetching_through_it_fills_the_shared_folder(fake_mvn: Path,
                                                                                     tmp_path: Path) -> None:
    """`o2c run --demo` before `make jars`: the link to .local/kafka-libs dangles (it used to fail forever)."""
    shared, link = tmp_path / ".local" / "kafka-libs", tmp_path / ".local" / "demo" / "kafka-libs"
    link.parent.mkdir(parents=True)
    link.symlink_to(shared)
    assert not link.exists()  # dangling: Path.exists() is False, symlink_to would fail with FileExistsError

    jars = KafkaJars(shared).linked_at(link)
    assert jars.libs == link and link.is_symlink()
    jars.ensure()
    assert KafkaJars(shared).present() and jars.present()
    assert KafkaJars(shared).linked_at(link).present()  # a second start reuses both


def test_a_link_to_another_folder_is_repointed_and_a_real_folder_is_left_alone(tmp_path: Path) -> None:
    shared, link = tmp_path / "kafka-libs", tmp_path / "demo" / "kafka-libs"
    link.parent.mkdir()
    link.symlink_to(tmp_path / "moved-checkout" / "kafka-libs")
    KafkaJars(shared).linked_at(link)
    assert link.resolve() == shared.resolve()

    real = tmp_path / "other" / "kafka-libs"
    real.mkdir(parents=True)
    KafkaJars(shared).linked_at(real)
    assert real.is_dir() and not real.is_symlink()


def test_without_maven_the_error_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no mvn here
    with pytest.raises(KafkaStartError, match="make jars"):
        KafkaJars(tmp_path / "kafka-libs").ensure()
