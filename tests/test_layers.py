"""The layers hold: import-linter's contracts (pyproject.toml) and pure halves that
import without Streamlit or Plotly."""

import fnmatch
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "importlinter"
]["contracts"]


def test_import_contracts_are_kept():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run(
        [lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def pure_modules() -> list[str]:
    """The modules the "pure halves" contract names, wildcards expanded."""
    contract = next(c for c in CONTRACTS if c["name"].startswith("Pure halves"))
    found = []
    for path in sorted(ROOT.glob("[ck]*/**/*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in contract["source_modules"]):
            found.append(name)
    return found


def test_every_chapter_has_a_pure_logic_module():
    names = pure_modules()
    for folder in sorted(p.parent.name for p in ROOT.glob("chapters/ch*/page.py")):
        assert f"chapters.{folder}.logic" in names, folder


@pytest.mark.parametrize("module", pure_modules())
def test_pure_half_imports_with_streamlit_and_plotly_blocked(module):
    code = (
        "import sys\n"
        "for name in ('streamlit', 'plotly'):\n"
        "    sys.modules[name] = None  # any import of them now fails\n"
        f"import {module}\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
