"""Antivirus scanning of every upload (UP-4, hostile input IN-14) against a real clamd
(``clamd_socket``: its only signature is EICAR's): the EICAR string inside a PDF is flagged, the
file kept sealed in quarantine and never served, a security event written; a clean PDF passes;
a clamd that is down, silent or refuses a long stream refuses the upload. Through the web
upload, ``intake batch import`` and the hot folder."""

from __future__ import annotations

import hashlib
import io
import socket
from dataclasses import replace
from pathlib import Path

import pytest
from batch.fakes import scan_png
from sqlalchemy import select

from intake.batch.antivirus import Clamd, ScannerUnavailable, TooLargeToScan
from intake.batch.hotfolder import SCANNER_RETRY_S, HotFolder
from intake.batch.quarantine import MALWARE_FOUND
from intake.cli import main
from intake.config import Antivirus, Settings, load_settings
from intake.db.base import make_engine, make_session_factory
from intake.db.workflow import AuditEntry, Batch, Upload
from intake.errors import ConfigError, IntakeError

from .conftest import ClamdAddresses, csrf_from
from .hostile_files import EICAR, pdf_with_content

EICAR_PDF = pdf_with_content(b"BT /F1 12 Tf 72 720 Td (" + EICAR + b") Tj ET")
CLEAN_PDF = pdf_with_content(b"BT /F1 12 Tf 72 720 Td (admission form) Tj ET")


def _scanning(settings: Settings, address: str | Path, timeout_s: float = 10.0) -> Settings:
    return replace(settings, antivirus=Antivirus(clamd=str(address), timeout_s=timeout_s))


def _post(client, data: bytes, name: str):
    return client.post(
        "/batches",
        data={"csrf_token": csrf_from(client, "/batches"), "files": [(io.BytesIO(data), name)]},
        content_type="multipart/form-data",
    )


def _files(settings: Settings, folder: str) -> list[Path]:
    return sorted(p for p in (settings.data_dir / "files" / folder).glob("*") if p.is_file())


def _malware_events(db_factory) -> list[AuditEntry]:
    with db_factory() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == MALWARE_FOUND)))


@pytest.mark.parametrize("over", ["unix", "tcp"])
def test_clamd_flags_eicar_inside_a_pdf_and_passes_a_clean_pdf(
    clamd: ClamdAddresses, over: str
) -> None:
    scanner = Clamd(getattr(clamd, over), timeout_s=10)
    assert EICAR_PDF.startswith(b"%PDF-") and EICAR in EICAR_PDF
    assert scanner.scan(EICAR_PDF) == "Eicar-Test-Signature.UNOFFICIAL"
    assert scanner.scan(CLEAN_PDF) == ""


@pytest.mark.parametrize(
    ("address", "problem"),
    [("clamd.example", "neither a socket path"), ("/run/clamav/clamd.ctl", "")],
)
def test_the_clamd_setting_is_checked_at_start_up(address: str, problem: str) -> None:
    environ = {"INTAKE_ANTIVIRUS__CLAMD": address, "INTAKE_ANTIVIRUS__TIMEOUT_S": "5"}
    if problem:
        with pytest.raises(ConfigError, match=problem):
            load_settings(environ=environ)
    else:
        assert load_settings(environ=environ).antivirus == Antivirus(address, 5.0)
    assert not load_settings(environ={}).antivirus.enabled  # off unless set


@pytest.mark.parametrize(
    ("padding", "limit"), [(600_000, "MaxFileSize"), (1_100_000, "StreamMaxLength")]
)
def test_a_file_over_clamds_limits_is_refused_not_passed(
    clamd_socket: str, padding: int, limit: str
) -> None:
    """clamd's limits in the fixture: MaxFileSize 512K (AlertExceedsMax), StreamMaxLength 1M."""
    with pytest.raises(TooLargeToScan, match=f"clamd's {limit}.*not scanned in full"):
        Clamd(clamd_socket, timeout_s=10).scan(CLEAN_PDF + b" " * padding)


def test_a_clamd_that_is_down_or_silent_refuses_within_the_timeout(tmp_path: Path) -> None:
    with pytest.raises(ScannerUnavailable, match=r"clamd at .*could not scan the upload"):
        Clamd(str(tmp_path / "no-clamd.sock"), timeout_s=2).scan(CLEAN_PDF)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:
        silent.bind(str(tmp_path / "silent.sock"))
        silent.listen()  # takes the connection, never answers
        with pytest.raises(ScannerUnavailable, match=r"no answer within 0\.3 s"):
            Clamd(str(tmp_path / "silent.sock"), timeout_s=0.3).scan(CLEAN_PDF)


def test_eicar_pdf_upload_is_quarantined_audited_and_never_served(
    app, client_as, users, settings, db_factory, clamd_socket: str
) -> None:
    app.config["INTAKE_SETTINGS"] = _scanning(settings, clamd_socket)
    response = _post(client_as("office"), EICAR_PDF, "Smith admission.pdf")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Smith admission.pdf: the antivirus scanner found Eicar-Test-Signature" in page
    assert "kept in quarantine" in page
    with db_factory() as session:
        assert session.scalar(select(Batch)) is None and session.scalar(select(Upload)) is None
    assert _files(settings, "orig") == []  # not stored as an original, so never read
    (kept,) = _files(settings, "quar")
    key = f"quar/{kept.name}"
    assert EICAR not in kept.read_bytes()  # sealed on the disk
    assert app.extensions["intake_storage"].keys.open(kept.read_bytes(), key) == EICAR_PDF
    with pytest.raises(IntakeError, match="quarantined file is never opened"):
        app.extensions["intake_storage"].get(key)
    (event,) = _malware_events(db_factory)
    assert event.actor_id == users["office"]
    assert (event.object_type, event.object_id) == ("quarantine", kept.name)
    assert event.detail == {
        "signature": "Eicar-Test-Signature.UNOFFICIAL",
        "sha256": hashlib.sha256(EICAR_PDF).hexdigest(),
        "size": len(EICAR_PDF),
        "source": "web",
    }  # no file name: a parent's name is often in it


def test_a_clean_pdf_is_scanned_and_uploaded(
    app, client_as, settings, db_factory, clamd_socket: str
) -> None:
    app.config["INTAKE_SETTINGS"] = _scanning(settings, clamd_socket)
    response = _post(client_as("office"), CLEAN_PDF, "form.pdf")
    assert response.status_code == 302
    with db_factory() as session:
        assert session.scalar(select(Upload.display_name)) == "form.pdf"
    assert _files(settings, "quar") == [] and _malware_events(db_factory) == []


def test_with_clamd_unreachable_an_upload_is_refused_and_nothing_kept(
    app, client_as, settings, db_factory, tmp_path: Path
) -> None:
    app.config["INTAKE_SETTINGS"] = _scanning(settings, tmp_path / "no-clamd.sock")
    response = _post(client_as("office"), CLEAN_PDF, "form.pdf")
    assert response.status_code == 422
    assert "could not scan the upload" in response.get_data(as_text=True)
    assert _files(settings, "orig") == [] and _files(settings, "quar") == []
    with db_factory() as session:
        assert session.scalar(select(Batch)) is None


def _command_line_scanning(monkeypatch, settings: Settings, clamd_socket: str) -> None:
    """The environment a command sees: the test's data folder and database, scanning on."""
    for name in ("INTAKE_REDIS_URL", "INTAKE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INTAKE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("INTAKE_DATABASE_URL", settings.sqlalchemy_url)
    monkeypatch.setenv("INTAKE_ANTIVIRUS__CLAMD", clamd_socket)


def test_batch_import_quarantines_eicar_pdf_and_it_can_take_it_out(
    settings, clamd_socket: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    """The command migrates the database itself, so the test's own tables are not made."""
    _command_line_scanning(monkeypatch, settings, clamd_socket)
    (tmp_path / "scan.pdf").write_bytes(EICAR_PDF)
    with pytest.raises(SystemExit) as exited:
        main(["batch", "import", str(tmp_path / "scan.pdf"), "--wait"])
    assert exited.value.code != 0
    assert "scan.pdf: the antivirus scanner found Eicar" in capsys.readouterr().err
    (kept,) = _files(settings, "quar")
    assert _files(settings, "orig") == []
    engine = make_engine(settings.sqlalchemy_url)
    (event,) = _malware_events(make_session_factory(engine))
    engine.dispose()
    assert event.actor_id is None and event.detail["source"] == "cli"
    assert event.object_id == kept.name
    # IT takes it out, unsealed, for the antivirus vendor; it stays in quarantine
    out = tmp_path / "for-the-vendor.bin"
    main(["storage", "take-out-quarantined", kept.name, str(out)])
    assert out.read_bytes() == EICAR_PDF and (out.stat().st_mode & 0o777) == 0o600
    assert kept.exists()


def test_hot_folder_quarantines_eicar_and_takes_a_clean_file(
    batch_ctx, clamd_socket: str, tmp_path: Path
) -> None:
    queued: list[str] = []
    clock = [100.0]
    root = tmp_path / "hot"
    hot = HotFolder(
        root,
        _scanning(batch_ctx.settings, clamd_socket),
        batch_ctx.sessions,
        batch_ctx.storage,
        queued.append,
        settle_s=2.0,
        clock=lambda: clock[0],
    )
    (root / "office").mkdir()
    (root / "office" / "scan0001.pdf").write_bytes(EICAR_PDF)
    (root / "scan0002.png").write_bytes(scan_png(1, 1))
    assert hot.scan() == []
    clock[0] += 3
    infected, clean = sorted(hot.scan(), key=lambda o: o.source.name)
    reason = root / "rejected" / "office" / "scan0001.pdf.reason.txt"
    assert infected.moved_to == reason and not infected.batch_id
    assert "found Eicar-Test-Signature" in reason.read_text() and "quarantine" in infected.reason
    # the infected file is off the share: only its sealed copy in the store's quarantine is left
    assert [p for p in root.rglob("*") if p.is_file() and EICAR in p.read_bytes()] == []
    assert len(_files(batch_ctx.settings, "quar")) == 1
    (event,) = _malware_events(batch_ctx.sessions)
    assert event.detail["source"] == "watch"
    assert clean.batch_id and queued == [clean.batch_id]
    assert clean.moved_to == root / "processed" / "scan0002.png"


def test_hot_folder_files_wait_while_clamd_is_unreachable(batch_ctx, tmp_path: Path) -> None:
    clock = [100.0]
    root = tmp_path / "hot"
    hot = HotFolder(
        root,
        _scanning(batch_ctx.settings, tmp_path / "no-clamd.sock"),
        batch_ctx.sessions,
        batch_ctx.storage,
        lambda batch_id: None,
        settle_s=2.0,
        clock=lambda: clock[0],
    )
    scan = root / "scan0001.png"
    scan.write_bytes(scan_png(1, 1))
    hot.scan()
    clock[0] += 3
    (outcome,) = hot.scan()
    assert outcome.waiting and "could not scan the upload" in outcome.reason
    assert scan.exists() and list((root / "rejected").rglob("*")) == []
    clock[0] += 3
    hot.scan()
    clock[0] += 3
    assert hot.scan() == []  # not tried again before SCANNER_RETRY_S
    clock[0] += SCANNER_RETRY_S
    (again,) = hot.scan()
    assert again.waiting and scan.exists()  # unread, still waiting for the scanner
    assert list((root / "rejected").rglob("*")) == [] and _files(batch_ctx.settings, "orig") == []


ROSTER_WITH_EICAR = (
    b"StudentID,UPN,Forename,Surname,DOB,RegGroup,NCYear\nS1,,ANNA,SMITH,2012-03-04,7A,7\n"
    + b'S2,,"'
    + EICAR
    + b'",JONES,2012-05-06,7A,7\n'
)


def test_a_roster_file_is_scanned_on_the_web_page(
    app, client_as, settings, db_factory, clamd_socket: str
) -> None:
    from intake.db.roster import StudentRow

    app.config["INTAKE_SETTINGS"] = _scanning(settings, clamd_socket)
    admin = client_as("admin")
    response = admin.post(
        "/admin/roster",
        data={
            "csrf_token": csrf_from(admin, "/admin/roster"),
            "roster": (io.BytesIO(ROSTER_WITH_EICAR), "roster.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "the roster file: the antivirus scanner found Eicar" in response.get_data(as_text=True)
    with db_factory() as session:
        assert session.scalar(select(StudentRow)) is None  # nothing imported
    (event,) = _malware_events(db_factory)
    assert event.detail["source"] == "roster" and len(_files(settings, "quar")) == 1


def test_a_roster_file_is_scanned_on_the_command_line(
    settings, clamd_socket: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    """The command migrates the database itself, so the test's own tables are not made."""
    from intake.db.roster import StudentRow

    _command_line_scanning(monkeypatch, settings, clamd_socket)
    (tmp_path / "roster.csv").write_bytes(ROSTER_WITH_EICAR)
    with pytest.raises(SystemExit) as exited:
        main(["roster", "import", str(tmp_path / "roster.csv"), "--yes"])
    assert exited.value.code != 0
    assert "roster.csv: the antivirus scanner found Eicar" in capsys.readouterr().err
    engine = make_engine(settings.sqlalchemy_url)
    factory = make_session_factory(engine)
    with factory() as session:
        assert session.scalar(select(StudentRow)) is None
    (event,) = _malware_events(factory)
    engine.dispose()
    assert event.detail["source"] == "roster-cli" and len(_files(settings, "quar")) == 1
