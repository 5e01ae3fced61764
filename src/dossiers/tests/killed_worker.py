"""A task worker killed in the middle of an import, for test_import_faults: run an import job in this process and
die by SIGKILL during its batch N, after the engine has written the batch and before it commits.

    python -m dossiers.tests.killed_worker <job id> <N>
"""

import os
import signal
import sys

import django


def main(job_id: int, batch: int) -> None:
    django.setup()
    from dossiers.engine import EventProcessor
    from dossiers.services import run_import_job

    real, calls = EventProcessor.process, []

    def process(self, rows):
        result = real(self, rows)
        calls.append(len(rows))
        if len(calls) == batch:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    EventProcessor.process = process
    run_import_job(job_id)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
