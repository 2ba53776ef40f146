"""The publish-directory walk: netlify-cli's skip rules, symlink containment, refused names, the per-directory
entry limit, stable order, and the digest built from it."""

from __future__ import annotations

import gc
import hashlib
import os
from pathlib import Path

import pytest

from reconciler.deploy.scan import MAX_DIR_ENTRIES, DeployInputError, local_digest
from reconciler.deploy.tree import UNKNOWN_SIZE, check_entry_count, is_skipped, walk_batches, walk_tree


def write(root: Path, files: dict[str, bytes]) -> Path:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root


def paths(root: Path) -> list[str]:
    return [f.path for f in walk_tree(root)]


@pytest.mark.parametrize(
    ("name", "skipped"),
    [
        (".env", True),
        (".git", True),
        (".DS_Store", True),
        (".well-known", False),
        (".well-knownx", True),
        ("__MACOSX", True),
        ("__MACOSX_resources", True),
        ("_MACOSX", False),
        ("index.html", False),
        ("a.b", False),
    ],
)
def test_skip_rules(name: str, skipped: bool) -> None:
    assert is_skipped(name) is skipped


def test_walk_applies_the_rules_sorts_and_uses_forward_slashes(tmp_path: Path) -> None:
    root = write(
        tmp_path / "site",
        {
            "index.html": b"home",
            "b/z.css": b"z",
            "b/a.css": b"a",
            "a/deep/er/x.txt": b"x",
            ".env": b"SECRET=1",
            ".git/config": b"[core]",
            "css/.hidden.css": b"h",
            ".well-known/security.txt": b"contact",
            "__MACOSX/._index.html": b"fork",
            "with space/\u00fcml\u00e4ut.txt": b"u",
        },
    )
    assert paths(root) == [
        ".well-known/security.txt",
        "a/deep/er/x.txt",
        "b/a.css",
        "b/z.css",
        "index.html",
        "with space/\u00fcml\u00e4ut.txt",
    ]
    sizes = {f.path: f.size for f in walk_tree(root)}
    assert sizes["index.html"] == 4


def test_symlinks_inside_are_followed(tmp_path: Path) -> None:
    root = write(tmp_path / "site", {"real/page.html": b"page", "file.txt": b"f"})
    (root / "alias").symlink_to("real")  # a directory link inside the tree
    (root / "link.txt").symlink_to(root / "file.txt")  # an absolute file link that stays inside
    found = {f.path: f for f in walk_tree(root)}
    assert sorted(found) == ["alias/page.html", "file.txt", "link.txt", "real/page.html"]
    assert found["link.txt"].size == 1


@pytest.mark.parametrize("target", ["../outside.txt", "/etc/hostname", "../outside-dir"])
def test_symlinks_escaping_the_directory_are_refused_with_their_path(tmp_path: Path, target: str) -> None:
    write(tmp_path, {"outside.txt": b"secret", "outside-dir/x": b"x"})
    root = write(tmp_path / "site", {"index.html": b"home"})
    (root / "escape").symlink_to(target)
    with pytest.raises(DeployInputError) as caught:
        walk_tree(root)
    message = str(caught.value)
    assert f"{root / 'escape'}: symlink points outside the publish directory" in message
    assert "nothing was sent" in message


def test_dangling_and_looping_symlinks_are_refused(tmp_path: Path) -> None:
    root = write(tmp_path / "site", {"a/index.html": b"a"})
    (root / "gone").symlink_to(root / "missing")
    (root / "a" / "up").symlink_to("..")
    with pytest.raises(DeployInputError) as caught:
        walk_tree(root)
    message = str(caught.value)
    assert "gone: symlink target" in message and "does not exist" in message
    assert f"{root / 'a' / 'up'}: symlink loops back to" in message
    assert "2 problem(s)" in message


@pytest.mark.parametrize(
    ("link", "target", "detail"),
    [
        ("fnsrc", "functions/myfn", "points into the functions directory"),
        ("top-src.js", "functions/top.js", "points into the functions directory"),
        ("env.txt", ".env", "points to the skipped name '.env'"),
        ("conf", ".git", "points to the skipped name '.git'"),
    ],
)
def test_symlinks_to_what_is_never_published_are_refused(
    tmp_path: Path, link: str, target: str, detail: str
) -> None:
    """Function sources and hidden files stay private, also through a link to them."""
    root = write(
        tmp_path / "site",
        {
            "index.html": b"home",
            "functions/top.js": b"export default 1",
            "functions/myfn/index.js": b"export default 2",
            ".env": b"TOKEN=secret",
            ".git/config": b"[core]",
            ".well-known/security.txt": b"contact",
        },
    )
    (root / link).symlink_to(target)
    (root / "security.txt").symlink_to(".well-known/security.txt")  # .well-known is published: fine
    with pytest.raises(DeployInputError) as caught:
        local_digest(root, root / "functions", tmp_path / "work")
    message = str(caught.value)
    assert f"{root / link}: symlink {detail}" in message and "1 problem(s)" in message


@pytest.mark.parametrize("name", ["a#b.html", "what?.html", "back\\slash.txt"])
def test_names_netlify_refuses_are_refused(tmp_path: Path, name: str) -> None:
    root = write(tmp_path / "site", {"index.html": b"home", f"dir/{name}": b"x"})
    with pytest.raises(DeployInputError) as caught:
        walk_tree(root)
    assert repr(str(root / "dir" / name)) in str(caught.value)


def test_a_directory_named_with_a_hash_is_refused_too(tmp_path: Path) -> None:
    root = write(tmp_path / "site", {"c#/index.html": b"x"})
    with pytest.raises(DeployInputError, match="cannot contain '#'"):
        walk_tree(root)


def test_non_utf8_names_are_refused(tmp_path: Path) -> None:
    root = write(tmp_path / "site", {"index.html": b"home"})
    (root / os.fsdecode(b"bad\xffname.txt")).write_bytes(b"x")
    with pytest.raises(DeployInputError, match="not valid UTF-8"):
        walk_tree(root)


def test_fifos_are_refused(tmp_path: Path) -> None:
    root = write(tmp_path / "site", {"index.html": b"home"})
    os.mkfifo(root / "pipe")
    with pytest.raises(DeployInputError, match="pipe: not a regular file"):
        walk_tree(root)


def test_missing_publish_directory(tmp_path: Path) -> None:
    with pytest.raises(DeployInputError, match="does not exist"):
        walk_tree(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(DeployInputError, match="is not a directory"):
        walk_tree(tmp_path / "file")


@pytest.mark.parametrize(
    ("count", "limit", "refused"),
    [(0, 54_000, False), (54_000, 54_000, False), (54_001, 54_000, True), (3, 2, True), (2, 2, False)],
)
def test_entry_count_check(count: int, limit: int, refused: bool) -> None:
    problem = check_entry_count("public/assets", count, limit)
    assert (problem is not None) is refused
    if refused:
        assert (
            problem == f"public/assets: {count:,} entries in one directory; Netlify allows at most {limit:,}"
        )


def test_walk_counts_deployed_entries_per_directory(tmp_path: Path) -> None:
    root = write(tmp_path / "site", {f"many/{i}.txt": b"" for i in range(4)} | {"many/.hidden": b""})
    assert len(walk_tree(root, max_dir_entries=4)) == 4, "skipped names do not count"
    with pytest.raises(DeployInputError, match=r"many: 4 entries in one directory; Netlify allows at most 3"):
        walk_tree(root, max_dir_entries=3)


def test_a_real_directory_over_the_real_limit_is_refused(tmp_path: Path) -> None:
    """54,001 entries for real: hard links make the directory in under a second."""
    root = tmp_path / "site"
    crowded = root / "crowded"
    crowded.mkdir(parents=True)
    (crowded / "f0").write_bytes(b"")
    fd = os.open(crowded, os.O_RDONLY)
    try:
        for i in range(1, MAX_DIR_ENTRIES + 1):
            os.link("f0", f"f{i}", src_dir_fd=fd, dst_dir_fd=fd)
    finally:
        os.close(fd)
    with pytest.raises(DeployInputError) as caught:
        walk_tree(root)
    assert f"{crowded}: 54,001 entries in one directory; Netlify allows at most 54,000" in str(caught.value)


def test_local_digest_hashes_files_and_groups_duplicates(tmp_path: Path) -> None:
    big = bytes(range(256)) * 8192  # 2 MiB: hashed on the thread pool
    root = write(
        tmp_path / "site",
        {"index.html": b"home", "copy.html": b"home", "big.bin": big, "nested/x.txt": b"x"},
    )
    digest = local_digest(root, None, tmp_path / "work")
    assert digest.file_shas() == {
        "big.bin": hashlib.sha1(big).hexdigest(),
        "copy.html": hashlib.sha1(b"home").hexdigest(),
        "index.html": hashlib.sha1(b"home").hexdigest(),
        "nested/x.txt": hashlib.sha1(b"x").hexdigest(),
    }
    assert list(digest.files) == sorted(digest.files)
    blobs = digest.blobs()
    assert len(blobs) == 3
    assert blobs[hashlib.sha1(b"home").hexdigest()].path == "copy.html", "the first path in sorted order"
    assert digest.functions == {} and digest.function_shas() == {}
    assert digest.total_bytes == len(big) + 9
    assert {path: f.size for path, f in digest.files.items()} == {
        "big.bin": len(big),
        "copy.html": 4,
        "index.html": 4,
        "nested/x.txt": 1,
    }, "sizes come from reading the files, the walk does not stat them"


def test_a_walk_without_sizes_finds_the_same_files_and_stats_none(tmp_path: Path) -> None:
    root = write(tmp_path / "site", {"a.html": b"aa", "b/c.txt": b"c", ".hidden": b"h", "b/d.css": b"dd"})
    (root / "link.html").symlink_to(root / "a.html")
    batches = list(walk_batches(root, sizes=False))
    found = sorted(f for batch in batches for f in batch)
    assert (
        [f.path for f in found]
        == [f.path for f in walk_tree(root)]
        == ["a.html", "b/c.txt", "b/d.css", "link.html"]
    )
    assert {f.path: f.size for f in found} == {
        "a.html": UNKNOWN_SIZE,
        "b/c.txt": UNKNOWN_SIZE,
        "b/d.css": UNKNOWN_SIZE,
        "link.html": 2,
    }
    assert len(batches) == 2, "one batch per directory, handed out as each is listed"


def test_a_functions_directory_inside_the_publish_directory_is_not_published(tmp_path: Path) -> None:
    root = write(
        tmp_path / "site", {"index.html": b"home", "netlify/functions/hello.js": b"export default 1"}
    )
    digest = local_digest(root, root / "netlify" / "functions", tmp_path / "work")
    assert list(digest.files) == ["index.html"]
    assert list(digest.functions) == ["hello"]


def test_the_collector_paused_for_a_scan_runs_again_after_it_whatever_happened(tmp_path: Path) -> None:
    root = write(tmp_path / "site", {"index.html": b"home"})
    assert gc.isenabled()
    local_digest(root, None, tmp_path / "work")
    assert gc.isenabled()
    with pytest.raises(DeployInputError):
        local_digest(tmp_path / "missing", None, tmp_path / "work")
    assert gc.isenabled(), "resumed after a refused tree too"
    gc.disable()
    try:
        local_digest(root, None, tmp_path / "work")
        assert not gc.isenabled(), "a collector the caller had paused stays paused"
    finally:
        gc.enable()
