# ruff: noqa: E501 - the coverage table keeps one checklist item per line
"""Coverage of /work/shared/reference/security-checklist.md (its OWASP ASVS L2 items) by tests,
and the small static and unit checks that belong to no other file. The 50 hostile inputs of its
section 15 are in the hostile-input catalogue, ``catalogue.py`` (checked by ``test_catalogue.py``).

``COVERAGE`` below is the table: one line per checklist item, ``ID | status | where``.
status is ``test`` (covered by the tests named), ``partly`` (the tests named cover part; the
rest is said), ``xfail`` (a test shows a defect, see its reason) or ``not done`` (with the
reason). Tests are named ``path::name``; ``test_coverage_table_names_real_tests`` fails when a
named test disappears, so the table cannot silently rot. ``S/`` abbreviates ``tests/security/``,
``W/`` ``tests/web/``, ``A/`` ``tests/accounts/``, ``St/`` ``tests/storage/``, ``Au/``
``tests/audit/``, ``ST/`` ``tests/staff/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from intake import PROJECT_ROOT
from intake.staff import passwords

from .conftest import PASSWORD, login

COVERAGE = """
AUTH-1 | partly | ST/test_mfa_web.py::test_a_password_alone_leaves_a_pending_session_sent_to_the_code_form ST/test_mfa_web.py::test_sign_in_with_a_code_wrong_code_and_replay ST/test_mfa_logic.py::test_a_code_cannot_be_replayed_but_the_next_step_works ST/test_mfa_browser.py::test_enrol_then_sign_in_with_a_code ST/test_security_keys.py::test_a_key_is_added_then_signs_in_instead_of_a_code ST/test_security_keys.py::test_refused_keys_count_like_wrong_codes ST/test_mfa_browser.py::test_a_security_key_added_in_the_browser_signs_in; built-in TOTP with recovery codes, and security keys or passkeys (WebAuthn) in place of the code, required for approvers and admins by default; office staff only when mfa_required_roles names them; OIDC with an amr check is not built (an SSO backend can declare checks_second_factor)
AUTH-2 | test | W/test_security.py::test_password_policy W/test_security.py::test_long_unicode_passphrase_is_accepted S/test_checklist.py::test_long_passwords_are_not_truncated
AUTH-3 | test | W/test_security.py::test_password_policy A/test_passwords.py::test_ncsc_profile
AUTH-4 | test | W/test_security.py::test_real_hash_parameters A/test_passwords.py::test_hash_is_argon2id_and_verifies S/test_checklist.py::test_old_hash_parameters_are_upgraded_at_login
AUTH-5 | test | W/test_security.py::test_login_throttled_after_ten_failures S/test_http.py::test_rotating_addresses_do_not_dodge_the_per_user_throttle S/test_http.py::test_hostile_sign_in_input_is_refused_without_error W/test_security.py::test_account_waits_after_repeated_failures W/test_sign_in_limits.py::test_an_attacker_cannot_shut_a_colleague_out W/test_sign_in_limits.py::test_successful_sign_ins_behind_one_address_are_not_counted W/test_sign_in_limits.py::test_guessing_the_current_password_on_password_change_is_throttled W/test_sign_in_limits.py::test_spraying_many_names_from_one_address_waits; sign-in failures are counted in the database (intake.staff.throttle), not in the limiter's storage
AUTH-6 | test | W/test_security.py::test_no_default_account W/test_security.py::test_first_login_forces_a_password_change W/test_cli_and_jobs.py::test_staff_create_prints_a_one_time_password
AUTH-7 | partly | W/test_security.py::test_wrong_password_and_unknown_user_look_the_same S/test_checklist.py::test_every_login_refusal_costs_one_hash; median-timing test not done (too noisy on the shared 2-core box); password-change notification not done (the app sends no mail)
AUTH-8 | test | W/test_security.py::test_step_up_needed_for_staff_changes S/test_access.py::test_risky_actions_need_a_fresh_login ST/test_mfa_web.py::test_approve_export_and_staff_admin_need_a_fresh_code
PP-1 | test | A/test_passwords.py::test_ten_thousand_initial_passwords_unique_unambiguous_and_pass_both_profiles A/test_letters.py::test_initial_password_expires_and_must_be_changed
PP-2 | partly | A/test_letters.py::test_password_exists_only_in_the_letter S/test_secrets_and_logs.py::test_canaries_through_the_whole_flow; Redis keys not grepped (jobs carry batch ids only and letters never go through the queue)
PP-3 | test | A/test_web.py::test_print_letters_streams_pdf_with_configured_url A/test_letters.py::test_reprint_sets_new_password_and_old_stops_working
PP-4 | test | A/test_letters.py::test_markup_in_roster_names_prints_literally S/test_secrets_and_logs.py::test_letter_prints_roster_markup_literally A/test_web.py::test_print_letters_streams_pdf_with_configured_url
PP-5 | test | A/test_approval.py::test_no_pr_applicant_blocks_and_override_never_links A/test_approval.py::test_court_order_contact_never_gets_that_child A/test_concurrency.py::test_ten_approvers_of_one_form_make_one_set_of_accounts A/test_passwords.py::test_username_skips_taken_names_case_insensitively
PP-6 | test | A/test_export_retention.py::test_json_export_schema_and_revoked_status A/test_letters.py::test_revoked_account_cannot_log_in_or_print
SES-1 | test | W/test_security.py::test_session_cookie_flags W/test_security.py::test_https_deployments_use_host_prefixed_secure_cookies
SES-2 | test | S/test_http.py::test_a_tampered_session_cookie_is_anonymous W/test_security.py::test_login_issues_a_new_session_and_logout_ends_it W/test_security.py::test_disabling_a_user_ends_their_session W/test_admin.py::test_role_change_and_disable_are_audited_and_end_sessions
SES-3 | test | W/test_security.py::test_idle_sessions_end W/test_security.py::test_absolute_session_limit
SES-4 | test | W/test_security.py::test_login_issues_a_new_session_and_logout_ends_it W/test_security.py::test_session_cookie_flags
SES-5 | test | S/test_secrets_and_logs.py::test_session_cookie_holds_ids_only W/test_security.py::test_state_changes_are_post_only W/test_security.py::test_login_issues_a_new_session_and_logout_ends_it
AC-1 | test | W/test_routes.py::test_every_route_is_in_the_matrix W/test_routes.py::test_anonymous_users_are_refused_everywhere W/test_routes.py::test_lower_roles_get_403 W/test_routes.py::test_allowed_roles_reach_the_view S/test_access.py::test_accounts_routes_with_unknown_ids_answer_404_not_500
AC-2 | partly | S/test_access.py::test_unknown_and_guessed_ids_are_404; multi-school (MAT) school_id filtering not done: one school per deployment
AC-3 | test | W/test_review.py::test_court_order_details_only_for_approvers A/test_export_retention.py::test_csv_export_columns_safety_and_audit S/test_secrets_and_logs.py::test_csv_export_neutralises_formulas_in_every_column
AC-4 | test | A/test_approval.py::test_four_eyes A/test_web.py::test_four_eyes_is_403_and_audited
AC-5 | test | A/test_approval.py::test_form_not_in_review_is_a_conflict A/test_concurrency.py::test_ten_approvers_of_one_form_make_one_set_of_accounts W/test_review.py::test_a_double_accept_is_refused_but_a_corrected_checked_form_accepts_again
AC-6 | test | W/test_review.py::test_mass_assignment_is_ignored S/test_access.py::test_review_accept_ignores_state_role_and_non_text_fields S/test_access.py::test_approve_ignores_extra_fields S/test_access.py::test_unknown_roles_are_refused
AC-7 | partly | W/test_security.py::test_csrf_is_enforced_on_posts S/test_http.py::test_every_post_route_needs_a_csrf_token S/test_http.py::test_state_changing_routes_refuse_get S/test_http.py::test_cross_site_referer_is_refused_over_https S/test_http.py::test_csrf_token_of_another_session_is_refused; the Playwright cross-origin POST is not done (the referer and token checks cover it)
UP-1 | test | W/test_batches.py::test_renamed_zip_is_refused W/test_batches.py::test_svg_sent_as_jpeg_is_refused S/test_uploads.py::test_disguised_files_are_refused_and_nothing_is_stored S/test_uploads.py::test_content_type_header_is_ignored
UP-2 | partly | W/test_batches.py::test_too_large_upload_is_refused_before_the_view S/test_uploads.py::test_too_many_files_in_one_request S/test_uploads.py::test_too_many_form_parts_is_413 W/test_upload_limits.py::test_the_daily_quota_refuses_an_upload_that_passes_it; the per-user daily page quota (limits.daily_pages_per_user) answers 422 with the reason, not 429
UP-3 | test | W/test_batches.py::test_hostile_file_names_are_stored_under_uuids S/test_escaping.py::test_batch_page_shows_hostile_file_names_and_labels_literally
UP-4 | test | S/test_antivirus.py::test_eicar_pdf_upload_is_quarantined_audited_and_never_served S/test_antivirus.py::test_batch_import_quarantines_eicar_pdf_and_it_can_take_it_out S/test_antivirus.py::test_hot_folder_quarantines_eicar_and_takes_a_clean_file S/test_antivirus.py::test_with_clamd_unreachable_an_upload_is_refused_and_nothing_kept S/test_antivirus.py::test_a_roster_file_is_scanned_on_the_web_page S/test_antivirus.py::test_a_roster_file_is_scanned_on_the_command_line; scans (clamd, setting antivirus.clamd) come before any parsing, roster files too; off while antivirus.clamd is empty (the embedded default)
UP-5 | partly | S/test_uploads.py::test_bombs_and_broken_files_end_as_a_failed_page S/test_checklist.py::test_no_shell_or_eval_in_the_app; R/test_render_limits.py::test_a_render_over_the_memory_limit_is_a_page_failure S/test_active_pdfs.py::test_a_content_stream_bomb_fails_its_page_on_the_timeout; pdfinfo/pdftoppm run with a timeout under RLIMIT_AS (limits.renderer_memory_mb), but as the same user and without a network namespace; images are decoded in the job process
UP-6 | test | R/test_ingest.py::test_decompression_bomb_header_only R/test_ingest.py::test_multipage_tiff_and_frame_cap S/test_uploads.py::test_bombs_and_broken_files_end_as_a_failed_page S/test_checklist.py::test_truncated_images_are_not_loaded
UP-7 | test | R/test_ingest.py::test_encrypted_pdf_is_refused R/test_ingest.py::test_pdf_over_page_limit S/test_uploads.py::test_bombs_and_broken_files_end_as_a_failed_page
UP-8 | partly | S/test_rasters.py::test_served_rasters_are_re_encoded_without_metadata St/test_encryption.py::test_stored_files_are_not_plain_on_the_disk_and_read_back; originals are sealed with AES-GCM (CR-1)
UP-9 | test | W/test_batches.py::test_page_images_are_private W/test_review.py::test_field_crops_are_private_pngs S/test_rasters.py::test_served_rasters_are_re_encoded_without_metadata; no route serves an original, so no CSP sandbox download exists
UP-10 | test | W/test_batches.py::test_a_crashing_page_does_not_stop_the_batch R/test_ingest.py::test_truncated_pdf_never_crashes S/test_uploads.py::test_bombs_and_broken_files_end_as_a_failed_page
OCR-1 | test | R/test_validate.py::test_dates R/test_validate.py::test_emails R/test_validate.py::test_phones_accept_ofcom_fiction_ranges R/test_validate.py::test_postcodes R/test_validate.py::test_names_and_tutor_groups S/test_validators.py::test_hostile_values_are_flagged
OCR-2 | partly | M/test_children.py::test_suspicious_text_is_never_linked_automatically M/test_normalise.py::test_flags; a typed correction is stored as typed (no NFC, no stripping of overrides)
OCR-3 | test | W/test_review.py::test_values_are_escaped S/test_escaping.py::test_review_screen_queue_and_json_show_values_literally S/test_escaping.py::test_accounts_screens_show_hostile_roster_names_literally S/test_checklist.py::test_no_safe_filter_or_markup_on_data; Playwright dialog check not done (no inline script is allowed by the CSP anyway)
OCR-4 | test | S/test_escaping.py::test_review_screen_marks_direction_overrides
OCR-5 | test | S/test_escaping.py::test_account_search_wildcards_match_nothing M/test_children.py::test_hostile_or_empty_names_link_nothing S/test_checklist.py::test_no_sql_built_from_f_strings
OCR-6 | test | M/test_children.py::test_twins_with_a_doubtful_forename_go_to_a_person M/test_children.py::test_forename_and_surname_swapped M/test_children.py::test_same_name_without_a_tutor_group_goes_to_a_person
OCR-7 | test | A/test_web.py::test_print_letters_streams_pdf_with_configured_url S/test_checklist.py::test_no_shell_or_eval_in_the_app A/test_mis_changes.py::test_the_list_shows_what_the_record_does_not_hold A/test_mis_changes.py::test_verify_types_the_value_and_the_csv_carries_it_neutralised; a differing address, phone or email is a change for the MIS in the batch-wide list (the discrepancy task: verified by a person, exported as CSV), never written to the roster
OCR-8 | not done | not applicable: the app sends no email
RI-1 | test | Ro/test_ctf.py::test_hostile_xml_is_refused Ro/test_ctf.py::test_size_cap S/test_roster_import.py::test_hostile_ctf_is_refused_fast_without_reads_or_fetches Ro/test_ctf_schema.py::test_a_file_that_breaks_the_schema_is_refused Ro/test_ctf_schema.py::test_xinclude_is_never_processed Ro/test_ctf_schema.py::test_100000_deep_nesting_is_refused_fast; CTF files are validated against intake/roster/schemas/ctf.xsd (lxml, no network, no entities, nesting capped at 40)
RI-2 | test | Ro/test_csv_io.py::test_bad_file_lists_every_problem_with_its_line Ro/test_csv_io.py::test_not_utf8_says_how_to_fix S/test_roster_import.py::test_a_broken_roster_csv_names_the_line_and_imports_nothing W/test_admin.py::test_an_import_that_changes_responsibility_or_court_orders_waits_for_confirmation; a file that changes PR, a court order or a no-contact flag is previewed and imported only once confirmed (web page and command line)
EX-1 | partly | A/test_export_retention.py::test_safe_cell A/test_export_retention.py::test_csv_export_columns_safety_and_audit S/test_secrets_and_logs.py::test_csv_export_neutralises_formulas_in_every_column S/test_secrets_and_logs.py::test_safe_cell; headless LibreOffice conversion not done
EX-2 | test | A/test_export_retention.py::test_json_export_schema_and_revoked_status S/test_secrets_and_logs.py::test_csv_export_neutralises_formulas_in_every_column
EX-3 | test | A/test_web.py::test_export_and_json_api A/test_export_retention.py::test_api_tokens_hashed_and_revocable
EX-4 | test | A/test_web.py::test_sixth_export_in_an_hour_is_429_with_an_alert A/test_export_retention.py::test_csv_export_columns_safety_and_audit
HDR-1 | partly | W/test_security.py::test_security_headers_on_every_page S/test_http.py::test_security_headers_on_every_get_route S/test_http.py::test_csp_directives; HSTS is sent only on https requests, without includeSubDomains; forcing https is left to the proxy
HDR-2 | test | S/test_http.py::test_debug_is_off_and_there_is_no_console S/test_http.py::test_malformed_json_bodies_are_400 W/test_security.py::test_errors_show_an_incident_id_and_nothing_else
HDR-3 | test | W/test_security.py::test_untrusted_host_refused W/test_sign_in_limits.py::test_a_trusted_proxy_gives_the_client_address_and_no_more W/test_sign_in_limits.py::test_forwarded_for_is_ignored_without_a_trusted_proxy
HDR-4 | partly | W/test_security.py::test_open_redirects_are_refused S/test_http.py::test_login_next_never_leaves_the_site S/test_http.py::test_reauth_next_never_leaves_the_site S/test_http.py::test_unused_methods_are_refused_everywhere S/test_http.py::test_405_names_the_allowed_methods; sslmode=verify-full for PostgreSQL not enforced by config
CR-1 | partly | St/test_encryption.py::test_stored_files_are_not_plain_on_the_disk_and_read_back St/test_encryption.py::test_a_wrong_key_or_an_altered_file_gives_a_clear_error St/test_encryption.py::test_rotation_with_the_key_file_moves_every_file_to_a_new_key; stored files are sealed (AES-256-GCM, key file or INTAKE_STORAGE_KEY); the database itself is not encrypted (an encrypted volume is the deployment's)
CR-2 | partly | W/test_security.py::test_weak_secret_key_refused_outside_tests; SECRET_KEY_FALLBACKS rotation not set up; gitleaks is CI's business
CR-3 | test | S/test_checklist.py::test_no_random_module_where_secrets_are_made
CR-4 | partly | St/test_data_folder_modes.py::test_web_app_start_up_makes_a_loose_volume_owner_only St/test_data_folder_modes.py::test_a_new_database_and_folder_are_created_owner_only; SQLite secure_delete is set in intake/db/base.py; backups are the school's process
JOB-1 | partly | W/test_cli_and_jobs.py::test_upload_view_only_queues; huey pickles its messages (only batch/page ids go in), so write access to Redis would mean code execution: a JSON serializer is not done
JOB-2 | not done | per-page timeouts exist (Limits.page_timeout_s); no test runs a 30 s bomb beside a normal upload (too slow for this suite)
LOG-1 | partly | W/test_review.py::test_every_view_is_audited W/test_admin.py::test_role_change_and_disable_are_audited_and_end_sessions A/test_web.py::test_four_eyes_is_403_and_audited; CSRF failures and refused uploads are not audited
LOG-2 | test | S/test_secrets_and_logs.py::test_canaries_through_the_whole_flow test_log_lines.py::test_the_command_line_writes_json_lines_and_no_name; one JSON object a line (or escaped text on a terminal), ids only
LOG-3 | partly | W/test_routes.py::test_lower_roles_get_403 W/test_admin.py::test_audit_log_shows_ids_and_actions_only Au/test_chain.py::test_verify_names_a_deleted_entry Au/test_chain.py::test_postgresql_refuses_update_and_delete_of_audit_rows; the audit log is a hash chain (intake audit verify), append-only on PostgreSQL; no request id or client IP in log lines; shipping off-host is deployment
LOG-4 | test | W/test_security.py::test_errors_show_an_incident_id_and_nothing_else A/test_concurrency.py::test_ten_approvers_of_one_form_make_one_set_of_accounts
DP-1 | not done | DPIA is a process document for the school's DPO
DP-2 | not done | no data inventory file or test tying OCR fields to it
DP-3 | test | A/test_export_retention.py::test_retention_purges_old_rejected_forms_and_letters_only A/test_web.py::test_retention_command_purges_rejected_scans_and_keeps_account_forms
DP-4 | test | Rec/test_subject_access_erasure.py::test_export_holds_roster_account_forms_pages_and_audit Rec/test_web_records.py::test_admin_export_download_and_refused_erasure
DP-5 | test | Rec/test_subject_access_erasure.py::test_erasure_removes_the_person_and_keeps_the_other_family Rec/test_subject_access_erasure.py::test_refusal_rules
DP-6 | not done | breach log and runbook are the school's process
DP-7 | partly | S/test_http.py::test_csp_directives S/test_roster_import.py::test_hostile_ctf_is_refused_fast_without_reads_or_fetches; the whole suite is not run with the network blocked
DP-8 | test | W/test_review.py::test_queue_lists_most_doubtful_first_with_minimal_fields
SC-1 | not done | pip-audit, hashes and SBOM belong to CI, not to this suite
"""

PREFIXES = {
    "S/": "tests/security/",
    "W/": "tests/web/",
    "A/": "tests/accounts/",
    "R/": "tests/reading/",
    "Ro/": "tests/roster/",
    "M/": "tests/matching/",
    "Rec/": "tests/records/",
    "St/": "tests/storage/",
    "Au/": "tests/audit/",
    "ST/": "tests/staff/",
}
TEST_REF = re.compile(r"\b(S|W|A|Rec|R|Ro|M|St|Au|ST)/([\w/]+\.py)::(\w+)")
STATUSES = {"test", "partly", "xfail", "not done"}
CHECKLIST = Path("/work/shared/reference/security-checklist.md")


def _rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in COVERAGE.strip().splitlines():
        item, status, where = (part.strip() for part in line.split("|", 2))
        rows.append((item, status, where))
    return rows


def test_coverage_table_is_complete_and_well_formed() -> None:
    rows = _rows()
    items = [r[0] for r in rows]
    assert len(items) == len(set(items))
    assert all(status in STATUSES for _, status, _ in rows)
    for item, status, where in rows:
        if status in ("test", "xfail"):
            assert TEST_REF.search(where), item
        else:
            assert where, item  # partly / not done always say why
    if CHECKLIST.exists():  # the shared reference is outside the repository
        ids = set(re.findall(r"\*\*([A-Z]+-\d+)\*\*", CHECKLIST.read_text("utf-8")))
        assert ids and ids <= set(items), sorted(ids - set(items))


def test_coverage_table_names_real_tests() -> None:
    missing = []
    for prefix, relative, name in TEST_REF.findall(COVERAGE):
        path = PROJECT_ROOT / PREFIXES[prefix + "/"] / relative
        if not path.exists() or not re.search(rf"^def {name}\(", path.read_text("utf-8"), re.M):
            missing.append(f"{prefix}/{relative}::{name}")
    assert not missing, missing


# --- small checks that belong to no other file -------------------------------------------------

APP_CODE = [
    "intake/web",
    "intake/accounts",
    "intake/storage.py",
    "intake/batch",
    "intake/audit.py",
    "intake/roster",
    "intake/reading",
]


def _sources(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for entry in paths:
        path = PROJECT_ROOT / entry
        found.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return found


def test_no_safe_filter_or_markup_on_data() -> None:
    templates = list((PROJECT_ROOT / "templates" / "web").rglob("*.html"))
    assert templates
    for path in templates:
        text = path.read_text("utf-8")
        assert not re.search(r"\|\s*safe\b", text), path
        assert "autoescape false" not in text and "autoescape off" not in text, path
    for path in _sources(["intake/web", "intake/accounts"]):
        assert not re.search(r"\bMarkup\(", path.read_text("utf-8")), path


def test_no_shell_or_eval_in_the_app() -> None:
    for path in _sources(APP_CODE):
        text = path.read_text("utf-8")
        for pattern in (
            r"shell\s*=\s*True",
            r"\bos\.system\(",
            r"\bos\.popen\(",
            r"render_template_string",
            r"(?<![\w.])eval\(",
            r"(?<![\w.])exec\(",
            r"\bpickle\.loads?\(",
            r"yaml\.load\(",
        ):
            assert not re.search(pattern, text), f"{path}: {pattern}"


def test_no_sql_built_from_f_strings() -> None:
    for path in _sources([*APP_CODE, "intake/db", "intake/matching"]):
        text = path.read_text("utf-8")
        assert not re.search(r"\btext\(\s*f[\"']", text), path
        assert not re.search(r"\.execute\(\s*f[\"']", text), path


def test_no_random_module_where_secrets_are_made() -> None:
    for path in _sources(["intake/web", "intake/accounts", "intake/storage.py", "intake/batch"]):
        text = path.read_text("utf-8")
        assert not re.search(r"^\s*(import random|from random import)", text, re.M), path


def test_truncated_images_are_not_loaded() -> None:
    from PIL import Image, ImageFile

    import intake.batch.driver
    import intake.web  # noqa: F401

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    assert Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS <= 89_478_485


def test_long_passwords_are_not_truncated() -> None:
    long = "plum tractor violet ocean " * 4  # 104 characters
    passwords.check_password_policy(long)
    hashed = passwords.hash_password(long)
    hasher = PasswordHasher()
    assert hasher.verify(hashed, long)
    with pytest.raises(Exception, match="not match"):
        hasher.verify(hashed, long[:72])


def test_old_hash_parameters_are_upgraded_at_login(app, users, db_factory) -> None:
    from intake.db.workflow import StaffUser

    old = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSWORD)
    with db_factory() as session:
        session.get(StaffUser, users["office"]).password_hash = old
        session.commit()
    assert login(app.test_client(), "office1").status_code == 302
    with db_factory() as session:
        upgraded = session.get(StaffUser, users["office"]).password_hash
    assert upgraded != old and not passwords._hasher.check_needs_rehash(upgraded)


class _CountingHasher:
    """Wraps the hasher and counts verify calls (a refusal that skips the hash is faster)."""

    def __init__(self, inner: PasswordHasher) -> None:
        self.inner = inner
        self.verifies = 0

    def verify(self, hashed: str, password: str) -> bool:
        self.verifies += 1
        return self.inner.verify(hashed, password)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


@pytest.mark.parametrize(
    "case",
    [
        "unknown-user",
        "wrong-password",
        "disabled",
    ],
)
def test_every_login_refusal_costs_one_hash(
    app, users, db_factory, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    from intake.db.workflow import StaffUser

    counting = _CountingHasher(passwords._hasher)
    username, password = "office1", "wrong password here"
    if case == "unknown-user":
        username = "nobody"
    elif case == "disabled":
        with db_factory() as session:
            session.get(StaffUser, users["office"]).active = False
            session.commit()
    monkeypatch.setattr(passwords, "_hasher", counting)
    response = login(app.test_client(), username, password)
    assert response.status_code == 401
    assert counting.verifies == 1, case
