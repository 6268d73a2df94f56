"""Each benchmark runs once in its quickest mode (--smoke), so that a change that breaks one
is seen by `make test`, not by the next person who measures. Nothing is asserted about the
figures: a shared machine makes them noise at this length; only that it ran to its table."""

import os
import signal
import subprocess
import sys

import pytest

from tests.conftest import ROOT

TABLES = {  # each benchmark, and a line of its table
    "engine.py": "bookings/s",
    "api.py": "CPU ms/bk",
    "campus_rush.py": "families/s",
    "pdf.py": "confirmation / bare",
    "desk.py": "scan / bare (medians)",
    "checkin.py": "admitted exactly once",
    "form_once.py": "/ without",
    "rush.py": "oversell check",
}


@pytest.mark.parametrize("script", sorted(TABLES))
def test_the_benchmark_runs_and_prints_its_table(script):
    env = {k: v for k, v in os.environ.items() if k != "CENTRALE_INSTANCE_PATH"}
    # Its own process group: a run cut short takes its gunicorn and workers with it.
    run = subprocess.Popen(  # noqa: S603 (our own scripts, with the venv's python)
        [sys.executable, str(ROOT / "bench" / script), "--smoke"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = run.communicate(timeout=420)  # loaded 2-core machine; seconds alone
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        stdout, stderr = run.communicate()
        pytest.fail(f"{script} --smoke ran over 420 s:\n{stdout[-2000:]}{stderr[-2000:]}")
    done = subprocess.CompletedProcess(run.args, run.returncode, stdout, stderr)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert TABLES[script] in done.stdout
    assert "Traceback" not in done.stderr
