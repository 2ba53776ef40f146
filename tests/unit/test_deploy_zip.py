"""Deterministic zips (same sources → same SHA-256, whatever the mtimes or listing order) and the rules
that find functions and tell JavaScript from Go."""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from pathlib import Path

import pytest

from reconciler.deploy.functions import find_functions, zip_function
from reconciler.deploy.scan import DeployInputError
from reconciler.deploy.zipper import EPOCH, ZipEntry, write_zip

ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 57 + b"go binary"


def write(root: Path, files: dict[str, bytes]) -> Path:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_function_dir(root: Path, order: list[str], mtime: int) -> Path:
    files = {
        "index.mjs": b"export default () => 'hi'",
        "lib/util.js": b"module.exports = 1",
        "run.sh": b"#!/bin/sh",
    }
    for name in order:  # creation order changes what the filesystem lists first
        write(root, {name: files[name]})
    (root / "run.sh").chmod(0o755)
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            os.utime(Path(dirpath) / name, (mtime, mtime))
    return root


def test_function_zips_are_deterministic_across_mtimes_and_creation_order(tmp_path: Path) -> None:
    one = make_function_dir(
        tmp_path / "a" / "fn", ["index.mjs", "lib/util.js", "run.sh"], mtime=1_000_000_000
    )
    two = make_function_dir(
        tmp_path / "b" / "fn", ["run.sh", "lib/util.js", "index.mjs"], mtime=1_700_000_000
    )
    first = zip_function(find_functions(one.parent)[0], tmp_path / "work-a")
    second = zip_function(find_functions(two.parent)[0], tmp_path / "work-b")
    again = zip_function(find_functions(one.parent)[0], tmp_path / "work-a")
    assert first.sha256 == second.sha256 == again.sha256 == sha256(first.zip_path)
    assert first.zip_path == tmp_path / "work-a" / "functions" / "fn.zip"
    assert first.size == first.zip_path.stat().st_size
    with zipfile.ZipFile(first.zip_path) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["index.mjs", "lib/util.js", "run.sh"]
    assert all(i.date_time == EPOCH for i in infos)
    assert all(i.compress_type == zipfile.ZIP_STORED for i in infos), "stored: independent of the zlib build"
    modes = {i.filename: stat.S_IMODE(i.external_attr >> 16) for i in infos}
    assert modes == {"index.mjs": 0o644, "lib/util.js": 0o644, "run.sh": 0o755}


def test_a_content_change_changes_the_digest(tmp_path: Path) -> None:
    root = write(tmp_path / "functions", {"hello.js": b"one"})
    before = zip_function(find_functions(root)[0], tmp_path / "work")
    (root / "hello.js").write_bytes(b"two")
    after = zip_function(find_functions(root)[0], tmp_path / "work")
    assert before.sha256 != after.sha256


def test_zip_deploy_archives_deflate_text_and_store_compressed_formats(tmp_path: Path) -> None:
    root = write(tmp_path, {"page.html": b"<p>hello</p>" * 100, "logo.png": b"\x89PNG" + b"\x00" * 100})
    entries = [ZipEntry(n, root / n, (root / n).stat().st_size) for n in ("page.html", "logo.png")]
    seen: dict[str, str] = {}
    size = write_zip(
        entries, tmp_path / "out.zip", deflate=True, check=lambda e, sha: seen.update({e.name: sha})
    )
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        kinds = {i.filename: i.compress_type for i in archive.infolist()}
        assert archive.read("page.html") == b"<p>hello</p>" * 100
    assert kinds == {"logo.png": zipfile.ZIP_STORED, "page.html": zipfile.ZIP_DEFLATED}
    assert seen == {n: hashlib.sha1((root / n).read_bytes()).hexdigest() for n in ("page.html", "logo.png")}
    assert size == (tmp_path / "out.zip").stat().st_size
    assert not (tmp_path / "out.zip.partial").exists()


def test_function_rules(tmp_path: Path) -> None:
    root = write(
        tmp_path / "functions",
        {
            "hello.js": b"js",
            "typed.ts": b"ts",
            "legacy.cjs": b"cjs",
            "api/index.mjs": b"api",
            "api/helpers/db.js": b"db",
            "named/named.js": b"named",
            "gofn": ELF,
            "godir/main": ELF,
            "godir/templates/page.tmpl": b"tmpl",
            "package.json": b"{}",
            "README.md": b"docs",
            "notes": b"plain text without extension",
            ".hidden.js": b"skipped",
        },
    )
    (root / "gofn").chmod(0o755)
    found = {f.name: f for f in find_functions(root)}
    assert sorted(found) == ["api", "godir", "gofn", "hello", "legacy", "named", "typed"]
    assert {n: f.runtime for n, f in found.items()} == {
        "api": "js",
        "godir": "go",
        "gofn": "go",
        "hello": "js",
        "legacy": "js",
        "named": "js",
        "typed": "js",
    }
    assert [e.name for e in found["api"].files] == ["helpers/db.js", "index.mjs"]
    assert [e.name for e in found["hello"].files] == ["hello.js"]


def test_a_directory_without_an_entry_file_is_refused(tmp_path: Path) -> None:
    root = write(tmp_path / "functions", {"lib/util.js": b"x"})
    with pytest.raises(DeployInputError, match=r"lib: not a function: a function directory needs index.js"):
        find_functions(root)


def test_two_entries_with_one_name_are_refused(tmp_path: Path) -> None:
    root = write(tmp_path / "functions", {"hello.js": b"a", "hello.ts": b"b"})
    with pytest.raises(DeployInputError, match=r"hello\.js and hello\.ts both define function hello"):
        find_functions(root)


def test_names_netlify_refuses_are_refused(tmp_path: Path) -> None:
    root = write(tmp_path / "functions", {"hello world.js": b"a"})
    with pytest.raises(DeployInputError, match="function name 'hello world' is not allowed"):
        find_functions(root)


def test_a_function_symlink_escaping_the_directory_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"secret.js": b"x"})
    root = write(tmp_path / "functions", {"ok.js": b"ok"})
    (root / "leak.js").symlink_to(tmp_path / "secret.js")
    with pytest.raises(DeployInputError, match=r"leak\.js: symlink points outside the functions directory"):
        find_functions(root)


def test_a_missing_functions_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(DeployInputError, match=r"functions directory .* does not exist"):
        find_functions(tmp_path / "none")
