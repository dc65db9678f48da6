"""A file storage on a real, tiny file system (a tmpfs of 64 KiB) that fills up: writes fail
with ENOSPC as on a full disk. Mounting needs root, which the test machines have; elsewhere
the tests that need it are skipped."""

import subprocess

import pytest

SIZE = 64 * 1024


@pytest.fixture
def full_disk(settings, tmp_path):
    """MEDIA_ROOT on a 64 KiB tmpfs; yields its path."""
    root = tmp_path / "small"
    root.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(root)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs: {mounted.stderr.decode().strip()}")
    settings.MEDIA_ROOT = root
    yield root
    subprocess.run(["umount", "-l", str(root)], check=True)


def files_under(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())
