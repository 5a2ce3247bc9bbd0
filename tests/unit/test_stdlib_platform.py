import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_platform_folder_is_not_a_package():
    assert not (REPO / "platform" / "__init__.py").exists()


def test_import_platform_from_repo_root_is_the_standard_library():
    # Run from the repo root with it first on sys.path, as gunicorn, `python -m` and pytest do.
    code = "import sys, platform; sys.stdout.write(platform.__file__ + '|' + platform.python_version())"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    path, version = result.stdout.split("|")
    assert Path(path).resolve().is_relative_to(Path(sysconfig.get_paths()["stdlib"]).resolve())
    assert version == ".".join(map(str, sys.version_info[:3]))
