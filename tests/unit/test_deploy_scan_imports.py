"""The scanner's import chain stays light: a plan's first scan (and the hashing benchmark's whole process)
pays for every module it loads, and `typing`, `subprocess`, `concurrent.futures` with `logging`, `signal`
and `dataclasses` together were more than a tenth of a fresh process's scan of a 2,000-file tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("typing", "subprocess", "concurrent.futures", "logging", "signal", "dataclasses", "inspect")


def test_scanning_a_tree_loads_none_of_the_heavy_modules(tmp_path: Path) -> None:
    tree = tmp_path / "site"
    for i in range(600):  # enough files for the helper process, and one large file for the threads
        folder = tree / f"d{i % 5}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i}.txt").write_text(f"file {i}\n" * (i % 50 + 1))
    (tree / "big.bin").write_bytes(b"b" * (3 << 20))
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
        "from reconciler.deploy.scan import local_digest; "
        "digest = local_digest(Path(sys.argv[2]), None, Path(sys.argv[3])); "
        "assert len(digest.files) == 601, len(digest.files); "
        f"print(' '.join(name for name in {HEAVY!r} if name in sys.modules))"
    )
    # -S: no site hooks (an editable install's loads `typing`); -I would drop the path set-up above.
    done = subprocess.run(
        [sys.executable, "-S", "-c", script, str(REPO), str(tree), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == [], f"the scan imported {done.stdout.strip()}"
