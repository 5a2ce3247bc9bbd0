"""Making a plugin project discoverable to this test run without installing it."""

import tomllib
from pathlib import Path


def install_in_place(project: Path, site: Path) -> list[str]:
    """What ``pip install -e project`` does for discovery, without touching the test's virtualenv: a
    dist-info folder in ``site`` whose entry points are the ones the project's pyproject.toml declares.
    Returns the folders to put on the import path."""
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dist_info = site / f"{meta['name'].replace('-', '_')}-{meta['version']}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {meta['version']}\n")
    groups = meta.get("entry-points", {})
    (dist_info / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in points.items())
            for group, points in groups.items()
        )
    )
    return [str(site), str(project)]
