"""Private temporary folders carry their process id; ``sweep`` removes those
of processes that have ended (a SIGKILLed run or batch removes nothing
itself), and never a live process's."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import DEMO_2023, DEMO_2024
from nianbao import tmpdirs

NIANBAO = str(Path(sys.executable).parent / "nianbao")


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_sweep_removes_only_folders_of_ended_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    mine = tmpdirs.make("kernel")
    assert mine.name.startswith(f"nianbao-kernel-{os.getpid()}-") and mine.stat().st_mode & 0o777 == 0o700
    dead = tmp_path / f"nianbao-lo-warm-{_dead_pid()}-abc123"
    (dead / "profile").mkdir(parents=True)
    live_parent = tmp_path / f"nianbao-office-{os.getppid()}-x"
    live_parent.mkdir()
    old_style = tmp_path / "nianbao-kernel-q8w7e6r5"             # before names carried a pid: left alone
    old_style.mkdir()
    a_file = tmp_path / f"nianbao-kernel-{_dead_pid()}-f"
    a_file.write_text("not a folder")
    other = tmp_path / f"other-{_dead_pid()}-x"
    other.mkdir()
    assert tmpdirs.sweep() == [dead]
    assert not dead.exists()
    assert all(p.exists() for p in (mine, live_parent, old_style, a_file, other))


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_killed_run_leaves_folders_the_next_run_removes(tmp_path):
    """SIGKILL a real run while its kernel boots: its folders stay (nothing
    runs at SIGKILL); the next `nianbao run` removes them, and no kernel
    connection file is left loose in the temporary folder."""
    env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    proc = subprocess.Popen([NIANBAO, "run", str(DEMO_2024), "-o", str(tmp_path / "F"), "--formats", "docx", "-q"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list((tmp_path / "tmp").glob(f"nianbao-kernel-{proc.pid}-*")) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = sorted(p.name for p in (tmp_path / "tmp").iterdir())
    assert any(name.startswith(f"nianbao-kernel-{proc.pid}-") for name in left), left
    time.sleep(1)                                   # the orphaned kernel notices its parent has gone
    again = subprocess.run([NIANBAO, "run", str(DEMO_2024), "--prior", str(DEMO_2023), "-o", str(tmp_path / "G"),
                            "--formats", "docx", "-q"], env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    after = sorted(p.name for p in (tmp_path / "tmp").iterdir())
    assert not any(f"-{proc.pid}-" in name for name in after), after
    assert not [name for name in after if name.endswith(".json")], after


def test_a_zombie_counts_as_ended(tmp_path):
    """A process that has ended but is not yet reaped (an init that reaps
    late, or a container without one) no longer owns its folders."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(f"/proc/{child.pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                break
        time.sleep(0.02)
    left = tmp_path / f"nianbao-kernels-{child.pid}-x"
    left.mkdir()
    try:
        assert tmpdirs.sweep(tmp_path) == [left]
    finally:
        child.wait()
