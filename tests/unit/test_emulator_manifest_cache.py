"""The emulator's in-memory manifests: bounded by the paths they hold, least recently used dropped first."""

from __future__ import annotations

from reconciler.emulator.manifest_cache import ManifestCache


def manifest(count: int, tag: str) -> dict[str, str]:
    return {f"{tag}/{i}.html": f"{i:040x}" for i in range(count)}


def test_the_least_recently_used_manifests_go_once_the_paths_exceed_the_bound() -> None:
    cache = ManifestCache(max_paths=10)
    cache.remember("one", 1, "team", manifest(4, "one"))
    cache.remember("two", 2, "team", manifest(4, "two"))
    one = cache.get("one")  # now the most recently used
    assert one is not None and one.seq == 1 and one.files["one/3.html"] == f"{3:040x}"
    cache.remember("three", 3, "team", manifest(4, "three"))
    assert cache.get("two") is None
    assert cache.get("one") is not None and cache.get("three") is not None


def test_remembering_a_deploy_again_replaces_its_manifest_and_counts_it_once() -> None:
    cache = ManifestCache(max_paths=10)
    cache.remember("one", 1, "team", manifest(6, "old"))
    cache.remember("one", 1, "team", manifest(6, "new"))
    cache.remember("two", 2, "team", manifest(4, "two"))
    one = cache.get("one")
    assert one is not None and "new/5.html" in one.files and "old/5.html" not in one.files
    assert cache.get("two") is not None


def test_a_manifest_larger_than_the_bound_is_not_kept_and_drops_nothing() -> None:
    cache = ManifestCache(max_paths=10)
    cache.remember("small", 1, "team", manifest(3, "small"))
    cache.remember("huge", 2, "team", manifest(11, "huge"))
    assert cache.get("huge") is None and cache.get("small") is not None
