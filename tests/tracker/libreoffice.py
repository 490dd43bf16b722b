"""LibreOffice, headless, as a second spreadsheet program that must open what sendtrack writes.

Each call uses its own profile folder, so tests running in parallel do not fight over LibreOffice's lock. Outside
CI the tests that need it are skipped when it is not installed (`apt-get install libreoffice-calc`); in CI
(`CI` set, as `.ci/run` does) they fail instead, so a missing install can never pass silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

BINARY = shutil.which("libreoffice") or shutil.which("soffice")


def needed() -> None:
    if BINARY is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is not installed: .ci/run installs libreoffice-calc")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc)")


def convert(source: Path, to: str, out_dir: Path) -> Path:
    """`libreoffice --headless --convert-to TO`; returns the file written."""
    needed()
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".profile"
    result = subprocess.run(
        [BINARY, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", to, "--outdir",
         str(out_dir), str(source)],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    extension = to.split(":")[0]
    written = sorted(out_dir.glob(f"{source.stem}*.{extension}"))  # CSV of one sheet: north-Assessments.csv
    assert result.returncode == 0, f"LibreOffice failed: {result.stdout} {result.stderr}"
    assert written, f"LibreOffice wrote nothing: {result.stdout} {result.stderr}"
    return written[0]
