"""Configuration in one place: defaults, then a TOML file, then ``INTAKE_*`` environment.

Every threshold is a named setting with its unit in the name. ``load_settings()`` is called once
at an entry point (CLI command, web app factory, worker) and the frozen result is passed down.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from intake.errors import ConfigError
from intake.paths import product_folder
from intake.staff.roles import Role


@dataclass(frozen=True)
class School:
    """The school's details, printed on the form, the pack and the credential letters."""

    name: str = "Belper School & Sixth Form Centre"
    short_name: str = "Belper School"
    address_lines: tuple[str, ...] = ("John O'Gaunts Way", "Belper", "Derbyshire")
    postcode: str = "DE56 0DA"
    phone: str = "01773 825281"
    email: str = "info@belperschool.co.uk"
    website: str = "www.belperschool.co.uk"
    headteacher: str = "Mr M Cooper"
    staff_contact_name: str = "Mark Kazmierczak"
    staff_contact_role: str = "Assistant Headteacher"
    portal_url: str = "https://portal.belperschool.co.uk"

    @property
    def names(self) -> tuple[str, ...]:
        """The school's name and short name: what no staff password may contain."""
        return (self.name, self.short_name)


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds, each with its unit in its name."""

    #: A field whose confidence reaches this is accepted without review (0..1); the fallback for
    #: field kinds without their own entry in ``auto_accept_confidence_by_kind``.
    auto_accept_confidence: float = 0.90
    #: Per field kind (``FieldKind`` value, e.g. ``"name"``) auto-accept confidence (0..1), as
    #: ``(kind, confidence)`` pairs; calibrated by ``python -m intake.lab.bench.calibrate``. In TOML
    #: ``[["name", 0.97], ["phone", 0.9]]``, in the environment ``"name=0.97|phone=0.9"``.
    #: Defaults calibrated for a 0.2 % error target on 320 validation forms (validation fonts and
    #: writers only) with CharNet v9 and its second opinion: dates 0 wrong of 325 at 0.90; for
    #: the other kinds 1.0 (every such field is reviewed unless the school's records confirm
    #: it). Tutor groups were 0 of 55 at 0.95 on an earlier 160; on these 320 they were 1 wrong
    #: of 99 (a Z read as L at 98%), so they are reviewed too. Names at 0.95 were wrong 6 times
    #: in 434. Phone numbers stay at 1.0: 0 wrong of 268 at 0.95 on validation, but 2 wrong of
    #: 225 on a 160-form measurement set.
    auto_accept_confidence_by_kind: tuple[tuple[str, float], ...] = (
        ("date", 0.90),
        ("email", 1.0),
        ("name", 1.0),
        ("phone", 1.0),
        ("postcode", 1.0),
        ("text", 1.0),
        ("tutor_group", 1.0),
    )
    #: A character below this confidence is highlighted on the review screen (0..1).
    doubtful_char_confidence: float = 0.80
    #: Share of dark pixels inside a tick box above which it counts as ticked.
    tick_ink_ratio: float = 0.06
    #: Share of dark pixels in a signature box above which a signature is present.
    signature_ink_ratio: float = 0.012
    #: Share of ink inside a character box above which the box counts as written.
    box_ink_ratio: float = 0.006
    #: Share of dark pixels inside a tick box below which it is surely empty (between this and
    #: ``tick_ink_ratio`` a tick is doubtful and goes to review).
    tick_empty_ink_ratio: float = 0.025
    #: A roster candidate is linked automatically only with at least this score (0..100) ...
    match_auto_link_score: float = 90.0
    #: ... and at least this many points ahead of the next candidate.
    match_auto_link_margin: float = 8.0

    def __post_init__(self) -> None:
        pairs: list[tuple[str, float]] = []
        for item in self.auto_accept_confidence_by_kind:
            if isinstance(item, str) and not item.strip():
                continue  # "" in the environment: no per-kind thresholds
            try:
                kind, value = item.split("=", 1) if isinstance(item, str) else item
                pair = (str(kind).strip(), float(value))
            except (TypeError, ValueError) as exc:
                raise ConfigError(
                    f"setting 'thresholds.auto_accept_confidence_by_kind': cannot use {item!r}"
                    " (want kind=confidence)"
                ) from exc
            if not 0.0 <= pair[1] <= 1.0:
                raise ConfigError(
                    f"setting 'thresholds.auto_accept_confidence_by_kind': {pair[0]} confidence"
                    f" {pair[1]} is not within 0..1"
                )
            pairs.append(pair)
        object.__setattr__(self, "auto_accept_confidence_by_kind", tuple(pairs))

    def auto_accept_for(self, kind: str) -> float:
        """The auto-accept confidence for a field of ``kind`` (a ``FieldKind`` value)."""
        for name, value in self.auto_accept_confidence_by_kind:
            if name == kind:
                return value
        return self.auto_accept_confidence


@dataclass(frozen=True)
class Limits:
    """Limits on input, so that one hostile file cannot starve a batch."""

    max_upload_mb: int = 200
    max_pdf_pages: int = 2000
    #: an image, or any PDF page at ``render_dpi``, larger than this is refused from its header
    #: or its page box, before anything is decoded (A4 at 600 dpi is 35 megapixels)
    max_image_megapixels: int = 40
    #: a page larger than this is read at a lower resolution: an image is reduced by a whole
    #: factor while it is decoded, a PDF page is rendered at a lower dpi (A4 at 400 dpi is 15.5)
    reduce_above_megapixels: int = 16
    max_tiff_frames: int = 2000
    #: a JPEG (a file, or a PDF page's image) made of more scans than this is refused from its
    #: markers: each scan is a pass over the whole image (cameras write 1, progressive ~10)
    max_jpeg_scans: int = 100
    #: PDF pages without images are rendered at this; pages with images at their images'
    #: resolution, up to ``max_render_dpi``
    render_dpi: int = 200
    max_render_dpi: int = 600
    #: a PDF page that is one scanned image is read as that image, at its own resolution;
    #: off, every page is rendered at ``render_dpi`` (the old way, kept for comparison)
    pdf_native_images: bool = True
    page_timeout_s: int = 60
    #: address-space limit (RLIMIT_AS) of each pdfinfo and pdftoppm run: a page that needs
    #: more fails with a message naming the page, and the rest of the batch goes on
    renderer_memory_mb: int = 512
    #: pages one staff user may upload a day (midnight to midnight UTC); 0: no quota
    daily_pages_per_user: int = 3000
    #: pages of one range task of a batch: the ranges of one batch are read in parallel by
    #: every worker, each under its own lease; 0: one range a file
    batch_slice_pages: int = 20
    #: ranges of one batch queued or being read at once: the rest wait, queued one by one as
    #: ranges end, behind whatever other batches were queued meanwhile (batches take turns)
    batch_ranges_in_flight: int = 4
    #: seconds a worker's claim on a batch lasts without a heartbeat (one per page); a claim
    #: that runs out (a killed worker) is taken over and the batch read on from where it stopped
    batch_lease_s: int = 120


@dataclass(frozen=True)
class Portal:
    """Provisioning of accounts to the school's portal over SCIM 2.0 (``intake.portal``).

    Off while ``scim_url`` is empty: then no push is queued at all. The token and the key are
    secrets: kept out of ``repr`` (so out of logs and tracebacks) and never shown on a page.
    """

    #: the portal's SCIM base URL, e.g. ``https://portal.example.org/scim/v2``
    scim_url: str = ""
    #: the bearer token the portal gave this product
    scim_token: str = field(default="", repr=False)
    #: Fernet key (``intake portal new-key``) sealing an initial password until it is pushed
    password_key: str = field(default="", repr=False)
    #: seconds to wait for the portal to answer one request
    timeout_s: float = 10.0
    #: automatic tries before a push is marked failed (a person retries it from then on)
    max_attempts: int = 8
    #: wait before the first retry; doubled after each failure up to ``retry_max_s``
    retry_base_s: int = 60
    retry_max_s: int = 6 * 3600
    #: seconds a web request may spend pushing its own changes after its commit
    request_budget_s: float = 5.0

    @property
    def enabled(self) -> bool:
        return bool(self.scim_url.strip())


@dataclass(frozen=True)
class Antivirus:
    """Scanning of every upload with ClamAV's clamd (``intake.batch.antivirus``).

    Off while ``clamd`` is empty: a laptop running ``intake demo`` has no clamd. Once it is set
    the scan fails closed: an upload that cannot be scanned (clamd down, an error, too slow) is
    refused, never let through unscanned.
    """

    #: clamd's unix socket (Debian: ``/run/clamav/clamd.ctl``) or the ``host:port`` of its
    #: TCP socket (``TCPSocket``, usually 3310)
    clamd: str = ""
    #: seconds one file's scan may take, connecting included; then the upload is refused
    timeout_s: float = 60.0

    def __post_init__(self) -> None:
        address = self.clamd.strip()
        host, _, port = address.rpartition(":")
        if address and not address.startswith("/") and not (host and port.isdigit()):
            raise ConfigError(
                f"setting 'antivirus.clamd': {address!r} is neither a socket path (starting"
                " with /) nor host:port"
            )
        if self.timeout_s <= 0:
            raise ConfigError("setting 'antivirus.timeout_s' must be more than 0")
        object.__setattr__(self, "clamd", address)

    @property
    def enabled(self) -> bool:
        return bool(self.clamd)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("intake-data")
    database_url: str = ""  # empty: a SQLite file under data_dir
    redis_url: str = ""  # empty: the in-process job queue
    workers: int = 2
    secret_key: str = ""
    #: keys sealing the stored files (``INTAKE_STORAGE_KEY``; ``intake.file_encryption``):
    #: when empty, the key file is used
    storage_key: str = field(default="", repr=False)
    #: the key file sealing the stored files; empty: ``<data_dir>/storage.key``
    storage_key_file: str = ""
    templates_dir: Path = field(default_factory=lambda: product_folder("templates"))
    form_template: str = "parent-portal-v1"
    username_scheme: str = "generated"  # or "email"
    password_profile: str = "school"  # noqa: S105 - a profile name: the seed's rules, or "ncsc"
    retention_rejected_days: int = 180
    retention_letters_days: int = 60
    #: page images of pages that belong to no form (blank, not a form, unreadable) go after this
    retention_loose_pages_days: int = 30
    #: original uploads (the files as sent) are removed this long after the upload, once no page
    #: of them is in a form still being read, reviewed or held; page images stay by their rules
    retention_originals_days: int = 90
    #: subject-access exports made in the web app are deleted after this
    retention_exports_days: int = 30
    #: how a new account's credential letter goes out unless somebody chose: "post" or "collect"
    letter_delivery_default: str = "post"
    #: a letter held for collection and not collected after this is listed as uncollected
    collection_uncollected_days: int = 14
    approval_four_eyes: bool = True  # approver may not be the uploader or last editor
    #: a form whose every decision is certain goes to the approver as ready to approve, with no
    #: reviewer step (``intake.review.straight_through``); off: every form goes to a reviewer
    straight_through: bool = True
    initial_password_days: int = 21  # an unused initial password expires after this
    #: the web app is served over https (session cookie named ``__Host-session``); a local
    #: http demo on 127.0.0.1 leaves it off
    public_https: bool = False
    #: host names the web app answers to ("a|b" in the environment); empty: any
    trusted_hosts: tuple[str, ...] = ()
    #: reverse proxies in front of the web app (hops of X-Forwarded-For/-Proto to believe);
    #: 0 (no proxy): the client address is the connection's, and X-Forwarded-For is ignored
    trusted_proxies: int = 0
    #: how long a leaver's links to accounts last after the import that marked the leaver:
    #: "term_end" (the end of the day of the next ``term_end_dates`` date) or days ("14d", "0d")
    leaver_grace: str = "term_end"
    #: the school's term ends as month-day ("MM-DD"; "|" between them in the environment):
    #: autumn, spring (after any Easter holiday) and summer
    term_end_dates: tuple[str, ...] = ("12-31", "04-30", "07-31")
    #: roles that must sign in with a second factor (TOTP or a recovery code); "office" may be
    #: added ("office|approver|admin" in the environment). Approvers and admins reach children's
    #: records and court-order flags, so an empty value is for development only.
    mfa_required_roles: tuple[str, ...] = ("approver", "admin")
    #: how recent a TOTP or recovery code must be before approving, exporting or staff
    #: administration (the step-up); a sign-in with a code counts as one
    mfa_step_up_minutes: int = 5
    school: School = field(default_factory=School)
    thresholds: Thresholds = field(default_factory=Thresholds)
    limits: Limits = field(default_factory=Limits)
    portal: Portal = field(default_factory=Portal)
    antivirus: Antivirus = field(default_factory=Antivirus)

    def __post_init__(self) -> None:
        roles = tuple(r.strip().lower() for r in self.mfa_required_roles if r.strip())
        unknown = [r for r in roles if r not in {role.value for role in Role}]
        if unknown:
            raise ConfigError(
                f"setting 'mfa_required_roles': unknown role {unknown[0]!r}"
                " (use office, approver or admin)"
            )
        object.__setattr__(self, "mfa_required_roles", roles)
        if self.mfa_step_up_minutes < 1:
            raise ConfigError("setting 'mfa_step_up_minutes' must be 1 or more")

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'intake.sqlite3').resolve()}"

    @property
    def form_templates_dir(self) -> Path:
        return self.templates_dir / "forms"


_SECTIONS = {
    "school": School,
    "thresholds": Thresholds,
    "limits": Limits,
    "portal": Portal,
    "antivirus": Antivirus,
}


def _coerce(current: Any, raw: Any, key: str) -> Any:
    try:
        if isinstance(current, bool):
            if isinstance(raw, str):
                return raw.strip().lower() in {"1", "true", "yes", "on"}
            return bool(raw)
        if isinstance(current, Path):
            return Path(raw)
        if isinstance(current, tuple):
            return tuple(raw.split("|")) if isinstance(raw, str) else tuple(raw)
        if isinstance(current, int | float | str):
            return type(current)(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {key!r}: cannot use {raw!r} ({exc})") from exc
    return raw


def _apply(obj: Any, values: dict[str, Any], prefix: str) -> Any:
    known = {f.name for f in fields(obj)}
    changes: dict[str, Any] = {}
    for key, raw in values.items():
        if key not in known:
            raise ConfigError(f"unknown setting {prefix}{key!r}")
        current = getattr(obj, key)
        if key in _SECTIONS and isinstance(raw, dict):
            changes[key] = _apply(current, raw, f"{prefix}{key}.")
        else:
            changes[key] = _coerce(current, raw, prefix + key)
    return replace(obj, **changes)


def _from_environ(environ: dict[str, str]) -> dict[str, Any]:
    """``INTAKE_DATA_DIR=x`` -> data_dir; ``INTAKE_SCHOOL__NAME=y`` -> school.name."""
    out: dict[str, Any] = {}
    for name, value in environ.items():
        # INTAKE_TEST_* name the test services (CI), not settings; INTAKE_LOG_FORMAT is the
        # log lines' style, read by ``intake.log_lines`` before any setting is
        if (
            not name.startswith("INTAKE_")
            or name in ("INTAKE_CONFIG", "INTAKE_LOG_FORMAT")
            or name.startswith("INTAKE_TEST_")
        ):
            continue
        path = name[len("INTAKE_") :].lower().split("__")
        target = out
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = value
    return out


def load_settings(
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Defaults, then the TOML file (``INTAKE_CONFIG`` or ``<data_dir>/intake.toml``), then env."""
    env = dict(os.environ if environ is None else environ)
    settings = Settings()
    env_values = _from_environ(env)
    if "data_dir" in env_values:
        settings = _apply(settings, {"data_dir": env_values["data_dir"]}, "")
    path = config_file or (Path(env["INTAKE_CONFIG"]) if env.get("INTAKE_CONFIG") else None)
    if path is None and (settings.data_dir / "intake.toml").is_file():
        path = settings.data_dir / "intake.toml"
    if path is not None:
        try:
            settings = _apply(settings, tomllib.loads(path.read_text("utf-8")), "")
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read configuration file {path}: {exc}") from exc
    settings = _apply(settings, env_values, "")
    if overrides:
        settings = _apply(settings, overrides, "")
    return settings
