"""One atomic writer for every output (``netcmdb.atomic``), and a corrupt impact cache is only a
cache miss."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hostilekit import run_cli  # type: ignore[import-not-found]

from netcmdb.atomic import atomic_dir, atomic_path, write_atomic
from netcmdb.errors import ExportError, LabelError


@pytest.fixture
def umask():  # type: ignore[no-untyped-def]
    old = os.umask(0o022)
    os.umask(old)

    def set_(mask: int) -> None:
        os.umask(mask)

    yield set_
    os.umask(old)


def test_planted_symlinks_are_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out.json"
    for name in ("out.json.tmp", ".out.json.tmp", "out.json~"):
        (tmp_path / name).symlink_to(victim)
    write_atomic(out, "new data")
    assert out.read_text() == "new data" and not out.is_symlink()
    assert victim.read_text() == "precious"
    # a symlink at the target itself is replaced by the file, the file it pointed at untouched
    link = tmp_path / "link.json"
    link.symlink_to(victim)
    write_atomic(link, "replaced")
    assert not link.is_symlink() and link.read_text() == "replaced"
    assert victim.read_text() == "precious"


def test_failure_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    out.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(out, LabelError) as tmp:
            tmp.write_text("half")
            raise RuntimeError("writer died")
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]
    with pytest.raises(ValueError):
        with atomic_dir(tmp_path / "netbox") as d:
            (d / "a.csv").write_text("x")
            raise ValueError
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_mode_follows_the_umask(
    tmp_path: Path,
    umask,
    mask: int,  # type: ignore[no-untyped-def]
    mode: int,
) -> None:
    umask(mask)
    write_atomic(tmp_path / "a.json", "{}")
    with atomic_path(tmp_path / "b.pdf", LabelError) as tmp:
        tmp.write_bytes(b"%PDF")
    with atomic_dir(tmp_path / "dir") as d:
        (d / "c.csv").write_text("x")
    for p in (tmp_path / "a.json", tmp_path / "b.pdf"):
        assert p.stat().st_mode & 0o777 == mode, p


def test_bad_targets_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        write_atomic(tmp_path / "no" / "such" / "x.json", "x")
    with pytest.raises(ExportError, match="is a directory"):
        write_atomic(tmp_path, "x")
    with pytest.raises(LabelError, match="does not exist"):
        with atomic_path(tmp_path / "nope" / "l.pdf", LabelError):
            pass


def test_no_other_temp_file_writer_in_the_package() -> None:
    """Every output goes through netcmdb.atomic: no predictable '.tmp' names, no private
    temp-then-rename copies elsewhere."""
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for p in root.rglob("*.py"):
        rel = p.relative_to(root).as_posix()
        if rel.startswith((".venv/", "tests/", "benchmarks/", "build/")) or rel == "atomic.py":
            continue
        text = p.read_text(encoding="utf-8")
        predictable = '+ ".tmp"' in text or '"{}.tmp"' in text
        # scratch files (mkstemp in /tmp, e.g. a web download) are fine; a private copy of
        # "temp file then rename over the target" is not
        private_copy = ("mkstemp" in text or "NamedTemporaryFile(" in text) and (
            "os.replace(" in text or "os.rename(" in text
        )
        if predictable or private_copy:
            offenders.append(rel)
    assert offenders == []


# ---- the impact cache ----


@pytest.fixture(scope="module")
def campus_db(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    from netcmdb.demo import example_campus_path

    d = tmp_path_factory.mktemp("campus")
    r = run_cli(
        f"sqlite:///{d / 'cmdb.sqlite'}", "import", "json", str(example_campus_path()), cwd=d
    )
    assert r.returncode == 0, r.stderr
    return d / "cmdb.sqlite"


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "empty"])
def test_corrupt_impact_cache_is_rebuilt(tmp_path: Path, campus_db: Path, damage: str) -> None:
    db = tmp_path / "cmdb.sqlite"
    shutil.copyfile(campus_db, db)
    url = f"sqlite:///{db}"
    cache = tmp_path / "cache"
    env = {"NETCMDB_CACHE_DIR": str(cache)}
    first = run_cli(url, "topology", "spof", "--json", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    files = list(cache.glob("impact-*.pickle"))
    assert len(files) == 1
    raw = bytearray(files[0].read_bytes())
    if damage == "flip":
        for i in range(len(raw) // 3, len(raw), max(1, len(raw) // 7)):
            raw[i] ^= 0xFF
    elif damage == "truncate":
        raw = raw[: len(raw) // 2]
    elif damage == "garbage":
        raw = bytearray(os.urandom(len(raw)))
    else:
        raw = bytearray()
    files[0].write_bytes(bytes(raw))
    for args in (("topology", "spof", "--json"), ("topology", "spof", "--json")):
        r = run_cli(url, *args, env=env, cwd=tmp_path)
        assert r.returncode == 0 and r.stderr == "", r.stderr[-2000:]
        assert json.loads(r.stdout) == json.loads(first.stdout)
    rebuilt = list(cache.glob("impact-*.pickle"))
    assert len(rebuilt) == 1 and rebuilt[0].read_bytes() != bytes(raw)
