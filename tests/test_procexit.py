"""The console command's quick exit (procexit.exit_now): exit code, output
and clean-up hooks as a normal exit; a running non-daemon thread is still
waited for."""
from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)


def test_exit_now_keeps_code_output_and_clean_up(tmp_path):
    mark = tmp_path / "hook-ran"
    done = _run(f"""
        import sys
        from nianbao.procexit import at_exit, exit_now
        at_exit(lambda: open({str(mark)!r}, "w").write("清理"))
        print("报告已生成", end="")            # buffered: must still be written
        print("提示", file=sys.stderr, end="")
        exit_now(3)
        print("not reached")
    """)
    assert done.returncode == 3
    assert done.stdout == "报告已生成" and done.stderr == "提示"
    assert mark.read_text() == "清理"


def test_a_running_thread_is_waited_for(tmp_path):
    mark = tmp_path / "thread-done"
    done = _run(f"""
        import threading, time
        from nianbao.procexit import exit_now
        def work():
            time.sleep(0.5)
            open({str(mark)!r}, "w").write("done")
        threading.Thread(target=work).start()
        exit_now(0)
    """)
    assert done.returncode == 0
    assert mark.read_text() == "done"


def test_the_console_command_uses_it():
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="console_scripts") if e.name == "nianbao"]
    assert ep.value == "nianbao.entry:main"           # which ends with cli.entry: main() and exit_now
    done = subprocess.run([sys.executable, "-m", "nianbao", "run", "/没有/这个.xlsx"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and "找不到这个文件" in done.stdout + done.stderr
