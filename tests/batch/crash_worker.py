"""A batch worker for the crash test, run as its own process so that it can be SIGKILLed.

``python crash_worker.py DATA_DIR DATABASE_URL BATCH_ID READS_LOG``: reads the batch with the
fake reader (a little slow, so kills land mid-batch), range by range under the real leases
(one page a range), writing one line per page it starts reading to READS_LOG.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from huey import MemoryHuey

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from batch.fakes import FakeReader, fake_matcher, sample_values
from intake.batch.context import BatchContext, PageOutcome
from intake.batch.jobs import build_queue, reap_expired
from intake.config import load_settings
from intake.db.base import make_engine, make_session_factory
from intake.db.workflow import Batch
from intake.reading.ingest import PageImage
from intake.storage import LocalStorage

#: seconds each page takes to "read"
PAGE_S = 0.08


class LoggedReader(FakeReader):
    log_path: str = ""

    def __call__(self, image: PageImage, source: str) -> PageOutcome:
        fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(fd, f"{source}:{image.index}\n".encode())
        os.close(fd)
        time.sleep(PAGE_S)
        return super().__call__(image, source)


def main(data_dir: str, database_url: str, batch_id: str, reads_log: str) -> None:
    settings = load_settings(
        environ={
            "INTAKE_DATA_DIR": data_dir,
            "INTAKE_LIMITS__BATCH_LEASE_S": "1",
            "INTAKE_LIMITS__BATCH_SLICE_PAGES": "1",
        },
        database_url=database_url,
    )
    reader = LoggedReader(values={n: sample_values(n) for n in range(1, 20)})
    reader.log_path = reads_log
    ctx = BatchContext(
        settings,
        make_session_factory(make_engine(settings.sqlalchemy_url)),
        LocalStorage(settings.data_dir / "files"),
        reader,
        fake_matcher,
    )
    # a worker as ``intake worker`` runs one: its queue, and the reaper that takes over the
    # ranges of the worker killed before it once their leases run out
    huey = MemoryHuey("crash", immediate=False)
    queue = build_queue(settings, huey=huey, context=lambda: ctx)
    queue.enqueue_batch(batch_id)
    while True:
        while (task := huey.dequeue()) is not None:
            huey.execute(task)
        with ctx.sessions() as session:
            if session.get(Batch, batch_id).status == "done":
                return
        time.sleep(0.2)  # the killed worker's leases have not run out yet
        reap_expired(settings, queue)


if __name__ == "__main__":
    main(*sys.argv[1:5])
