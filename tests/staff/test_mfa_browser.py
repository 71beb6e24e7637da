"""Two-step sign-in in Debian's Chromium: set up with the QR page's key, sign out, sign in with
a code, refuse a wrong one. Codes are computed with pyotp, as a phone's app would."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import cv2
import numpy as np
import pyotp
import pytest
from flask import Flask
from web.conftest import PASSWORD
from werkzeug.serving import make_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


@pytest.fixture
def live_url(mfa_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, mfa_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _sign_in_with_password(page, live_url: str) -> None:
    page.goto(f"{live_url}/login")
    page.fill("input[name=username]", "approver1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_enrol_then_sign_in_with_a_code(live_url: str, users, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()
        try:
            _sign_in_with_password(page, live_url)
            assert page.url.endswith("/mfa/enrol")
            # the QR image loaded (CSP allows it) and has the size of a QR symbol
            page.wait_for_function("() => document.querySelector('img.qr').complete")
            width = page.eval_on_selector("img.qr", "img => img.complete && img.naturalWidth")
            assert width and width > 100
            secret = page.text_content("#totp-secret").replace(" ", "")
            # what a phone scans: the QR code on screen names this secret and this user
            shot = np.frombuffer(page.locator("img.qr").screenshot(), dtype=np.uint8)
            uri, _, _ = cv2.QRCodeDetector().detectAndDecode(cv2.imdecode(shot, cv2.IMREAD_COLOR))
            assert pyotp.parse_uri(uri).secret == secret and "approver1" in uri
            totp = pyotp.TOTP(secret)
            enrolled_at = time.time()
            page.fill("#code", totp.at(enrolled_at))
            page.click("button[type=submit]")
            codes = page.locator(".recovery-codes code").all_text_contents()
            assert len(codes) == 10
            page.click("text=I have kept them: continue")
            assert page.url.endswith("/review")
            assert "approver1" in page.text_content(".who")
            page.click("text=Sign out")
            assert page.url.endswith("/login")

            _sign_in_with_password(page, live_url)
            assert page.url.endswith("/mfa")
            page.fill("#code", "000000" if totp.now() != "000000" else "111111")
            page.click("button[type=submit]")
            assert "not right" in page.text_content("[role=alert]")
            # the enrolment used its time step: the next step's code is within the drift
            page.fill("#code", totp.at(enrolled_at + 30))
            page.click("button[type=submit]")
            assert page.url.endswith("/review")
            page.goto(f"{live_url}/mfa/codes")
            assert page.text_content("#codes-left") == "10"
        finally:
            browser.close()


def test_a_security_key_added_in_the_browser_signs_in(live_url: str, users, chromium: str) -> None:
    """Chromium's virtual authenticator (the DevTools WebAuthn domain) plays the key; the page
    is on localhost, a name a key can be made for (an IP address is not)."""
    from playwright.sync_api import sync_playwright

    site = live_url.replace("127.0.0.1", "localhost")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()
        devtools = page.context.new_cdp_session(page)
        devtools.send("WebAuthn.enable")
        authenticator = devtools.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "usb",
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )["authenticatorId"]
        try:
            _sign_in_with_password(page, site)
            secret = page.text_content("#totp-secret").replace(" ", "")
            page.fill("#code", pyotp.TOTP(secret).now())
            page.click("button[type=submit]")
            page.click("text=I have kept them: continue")
            page.goto(f"{site}/mfa/keys")
            assert "No security key yet." in page.text_content("#security-keys")
            page.fill("#key-name", "Desk key")
            page.click("text=Add a security key")
            page.wait_for_selector(".key-name")
            assert page.text_content(".key-name") == "Desk key"
            held = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
            assert len(held["credentials"]) == 1
            page.click("text=Sign out")

            _sign_in_with_password(page, site)
            assert page.url.endswith("/mfa")
            page.click("text=Use a security key")
            page.wait_for_url(f"{site}/review")
            assert "approver1" in page.text_content(".who")
            held = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
            assert held["credentials"][0]["signCount"] >= 1
        finally:
            browser.close()
