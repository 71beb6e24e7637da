"""``intake bench scale`` on a handful of pages: the figures it reports, and that they are sane
(not its speed); the pages are generated once into the cache and taken from it the next time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake.lab.bench.cli import bench, format_scale
from intake.lab.bench.scale import COMPLETE
from intake.testing.databases import scratch_postgres

PAGES = 4


@pytest.mark.slow
def test_bench_scale_reports_the_batch_path_beside_intake_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTAKE_DATA_DIR", str(tmp_path / "school"))
    for name in ("INTAKE_CONFIG", "INTAKE_DATABASE_URL", "INTAKE_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    cache = tmp_path / "cache"
    args = ["scale", "--pages", str(PAGES), "--workers", "2", "--cache", str(cache), "--json"]
    result = CliRunner().invoke(bench, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["pages"], report["workers"]) == (PAGES, 2)
    batch = report["batch"]
    assert batch["status"] == "done"
    assert batch["pages_read"] == PAGES and batch["pages_failed"] == 0
    assert batch["forms"] == PAGES // 2 == report["read"]["forms"]
    assert batch["ranges"] == PAGES  # one page a file: a range each
    assert batch["pages_per_sec"] > 0 and batch["seconds"] > 0
    assert batch["cpu_sec_per_page"] > 0 and report["read"]["cpu_sec_per_page"] > 0
    ratio = batch["cpu_sec_per_page"] / report["read"]["cpu_sec_per_page"]
    assert report["cpu_ratio_batch_to_read"] == pytest.approx(ratio, abs=0.01)
    assert set(batch["rss_mb"]) == {"start", "middle", "end"}
    assert all(50 < mb < 4000 for mb in batch["rss_mb"].values())
    assert batch["peak_rss_mb_per_process"]["worker"] >= max(batch["rss_mb"].values())
    assert 0 <= batch["peak_at_page"] <= batch["pages_read"]
    assert 0.01 < batch["review_image_mb_per_page"] < 2
    assert batch["stored_mb_per_page"] >= batch["review_image_mb_per_page"]
    assert "ratio batch / read" in format_scale(report)
    assert "highest sample at page" in format_scale(report)
    generated = next(cache.iterdir())
    assert (generated / COMPLETE).is_file()
    (generated / "manifest.json").touch()
    stamp = (generated / "manifest.json").stat().st_mtime_ns
    again = CliRunner().invoke(bench, [*args[:-1]])  # the table, from the cached pages
    assert again.exit_code == 0, again.output
    assert "CPU s a page, intake read" in again.output
    assert (generated / "manifest.json").stat().st_mtime_ns == stamp


def test_bench_without_a_subcommand_still_reads_a_labelled_set() -> None:
    result = CliRunner().invoke(bench, ["--help"])
    assert result.exit_code == 0 and "scale" in result.output and "--count" in result.output


@pytest.mark.slow
def test_bench_scale_with_worker_processes_on_redis_and_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str, redis_url: str
) -> None:
    monkeypatch.setenv("INTAKE_DATA_DIR", str(tmp_path / "school"))
    for name in ("INTAKE_CONFIG", "INTAKE_DATABASE_URL", "INTAKE_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    with scratch_postgres(postgres_url, "bench_scale") as database:
        args = ["scale", "--pages", str(PAGES), "--cache", str(tmp_path / "cache")]
        args += ["--processes", "1", "--redis", redis_url, "--database", database, "--json"]
        result = CliRunner().invoke(bench, args)
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        batch = report["batch"]
        assert (report["workers"], batch["worker_processes"]) == (1, 1)
        assert report["mode"].startswith("worker processes")
        assert batch["status"] == "done" and batch["pages_read"] == PAGES
        assert batch["forms"] == PAGES // 2
        # the worker tree read the pages: its CPU, not only the uploader's, is counted
        assert batch["cpu_sec_per_page"] > batch["upload_cpu_sec_per_page"]
        assert "bench" in batch["peak_rss_mb_per_process"]
        assert len(batch["peak_rss_mb_per_process"]) >= 2  # the worker's processes too
        assert "worker processes of intake worker" in format_scale(report)


def test_bench_scale_with_processes_needs_redis_and_a_database() -> None:
    result = CliRunner().invoke(bench, ["scale", "--pages", "2", "--processes", "2"])
    assert result.exit_code != 0 and "--redis URL and --database URL" in result.output
