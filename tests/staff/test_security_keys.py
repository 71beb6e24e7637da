"""Security keys and passkeys (WebAuthn) beside the app's code: added by a user who has
two-step sign-in, used at sign-in and step-up, refused for another user's key, a replayed or
cloned one, the wrong site, or an answer given twice. Real signatures from a software key."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from web.conftest import csrf_from, login

from intake.db.workflow import AuditEntry, StaffMfa, StaffSecurityKey, StaffUser
from intake.staff import mfa

from .soft_authenticator import SoftKey
from .test_mfa_web import clock, enrol  # noqa: F401 - the clock fixture

# ruff: noqa: F811 - the imported clock fixture is asked for by name

pytestmark = pytest.mark.usefixtures("users")


def _json(client: FlaskClient, path: str, page: str, body: dict | None = None):
    return client.post(path, json=body or {}, headers={"X-CSRFToken": csrf_from(client, page)})


def add_key(client: FlaskClient, key: SoftKey, name: str = "Blue key") -> str:
    options = _json(client, "/mfa/keys/options", "/mfa/keys")
    assert options.status_code == 200, options.get_data(as_text=True)
    added = _json(
        client,
        "/mfa/keys",
        "/mfa/keys",
        {"credential": key.create(options.get_data(as_text=True)), "name": name},
    )
    assert added.status_code == 200, added.get_data(as_text=True)
    return added.get_json()["next"]


def sign_with(client: FlaskClient, key: SoftKey, purpose: str, page: str, **change):
    options = _json(client, f"/mfa/key/options?purpose={purpose}", page)
    assert options.status_code == 200, options.get_data(as_text=True)
    answer = key.get(options.get_data(as_text=True), **change)
    return _json(client, f"/mfa/key?purpose={purpose}", page, {"credential": answer, "next": ""})


def _keys(db_factory) -> list[StaffSecurityKey]:
    with db_factory() as session:
        return list(session.scalars(select(StaffSecurityKey)))


def _actions(db_factory) -> list[str]:
    with db_factory() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_key_is_added_then_signs_in_instead_of_a_code(mfa_app, db_factory, clock) -> None:
    client = mfa_app.test_client()
    enrol(client, "approver1", clock)
    key = SoftKey()
    assert add_key(client, key, "Blue <b>key</b>\u202e") == "/mfa/keys"
    key_page = client.get("/mfa/keys").get_data(as_text=True)
    assert "Blue &lt;b&gt;key&lt;/b&gt;" in key_page  # escaped; the override is gone
    [stored] = _keys(db_factory)
    assert stored.name == "Blue <b>key</b>" and stored.last_used_at is None
    client.get("/logout")

    assert login(client, "approver1").headers["Location"] == "/mfa"
    page = client.get("/mfa").get_data(as_text=True)
    assert 'data-role="security-key"' in page and "security_keys.js" in page
    signed = sign_with(client, key, "sign_in", "/mfa")
    assert signed.status_code == 200, signed.get_data(as_text=True)
    assert signed.get_json()["next"] == "/"
    assert client.get("/review").status_code == 200  # signed in
    [stored] = _keys(db_factory)
    assert stored.sign_count == 1 and stored.last_used_at is not None
    actions = _actions(db_factory)
    assert "mfa.key_added" in actions and actions.count("mfa.verified") == 1
    with db_factory() as session:
        detail = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "mfa.verified")
        ).one()
    assert detail == {"method": "security_key", "purpose": "sign_in", "key_id": stored.id}


def test_a_key_stands_in_for_the_step_up_code(mfa_app, clock) -> None:
    client = mfa_app.test_client()
    enrol(client, "admin1", clock)
    key = SoftKey()
    add_key(client, key)
    client.get("/logout")
    assert login(client, "admin1").headers["Location"] == "/mfa"
    assert sign_with(client, key, "sign_in", "/mfa").status_code == 200
    with client.session_transaction() as cookie:
        cookie["mfa_at"] -= 6 * 60  # the code of this sign-in is no longer fresh
    export = "/accounts/export.csv"
    assert client.get(export).headers["Location"].startswith("/mfa/step-up")
    page = client.get(f"/mfa/step-up?next={export}").get_data(as_text=True)
    assert f'data-next="{export}"' in page
    options = _json(client, "/mfa/key/options?purpose=step_up", "/mfa/step-up")
    answer = {"credential": key.get(options.get_data(as_text=True)), "next": export}
    stepped = _json(client, "/mfa/key?purpose=step_up", "/mfa/step-up", answer)
    assert stepped.status_code == 200 and stepped.get_json() == {"next": export}
    assert client.get(export).status_code == 200


def test_refused_keys_count_like_wrong_codes(mfa_app, db_factory, clock) -> None:
    client = mfa_app.test_client()
    enrol(client, "approver1", clock)
    key = SoftKey()
    add_key(client, key)
    other = mfa_app.test_client()
    enrol(other, "admin1", clock)
    other_key = SoftKey()
    add_key(other, other_key)
    client.get("/logout")
    assert login(client, "approver1").headers["Location"] == "/mfa"

    # another user's key, a key made for another site, a signature by another private key
    assert sign_with(client, other_key, "sign_in", "/mfa").status_code == 401
    assert (
        sign_with(client, key, "sign_in", "/mfa", origin="https://evil.example").status_code == 401
    )
    assert sign_with(client, key, "sign_in", "/mfa", rp_id="evil.example").status_code == 401
    forged = SoftKey()
    forged.credential_id = key.credential_id
    refused = sign_with(client, forged, "sign_in", "/mfa")
    assert refused.status_code == 401
    assert refused.get_json() == {"error": "That security key was not accepted."}
    with db_factory() as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == "approver1")).one()
        assert session.get(StaffMfa, user.id).failed_codes == 4
    assert client.get("/review").headers["Location"] == "/mfa"  # still not signed in
    assert "mfa.failed" in _actions(db_factory)


def test_a_replayed_answer_or_a_cloned_counter_is_refused(mfa_app, db_factory, clock) -> None:
    client = mfa_app.test_client()
    enrol(client, "approver1", clock)
    key = SoftKey()
    add_key(client, key)
    client.get("/logout")
    login(client, "approver1")
    options = _json(client, "/mfa/key/options?purpose=sign_in", "/mfa").get_data(as_text=True)
    answer = key.get(options)
    token = {"X-CSRFToken": csrf_from(client, "/mfa")}
    body = {"credential": answer}
    assert client.post("/mfa/key?purpose=sign_in", json=body, headers=token).status_code == 200
    client.get("/logout")
    login(client, "approver1")
    # the same answer again: its challenge was used up
    token = {"X-CSRFToken": csrf_from(client, "/mfa")}
    replay = client.post("/mfa/key?purpose=sign_in", json=body, headers=token)
    assert replay.status_code == 422 and "timed out" in replay.get_json()["error"]
    # a copy of the key whose counter is behind the real one's
    clone = SoftKey()
    clone.private, clone.credential_id, clone.sign_count = key.private, key.credential_id, 0
    assert sign_with(client, clone, "sign_in", "/mfa").status_code == 401
    assert sign_with(client, key, "sign_in", "/mfa").status_code == 200


def test_a_passkey_that_always_counts_zero_is_accepted_each_time(mfa_app, clock) -> None:
    client = mfa_app.test_client()
    enrol(client, "approver1", clock)
    passkey = SoftKey(counts=False)
    add_key(client, passkey)
    for _ in range(2):
        client.get("/logout")
        login(client, "approver1")
        assert sign_with(client, passkey, "sign_in", "/mfa").status_code == 200


def test_keys_need_the_app_first_and_the_same_key_once(mfa_app, app, users, clock) -> None:
    office = app.test_client()  # office staff: no second factor set up
    assert login(office, "office1").status_code == 302
    refused = _json(office, "/mfa/keys/options", "/mfa/keys")
    assert refused.status_code == 422 and "authenticator app first" in refused.get_json()["error"]
    client = mfa_app.test_client()
    enrol(client, "approver1", clock)
    key = SoftKey()
    add_key(client, key)
    options = _json(client, "/mfa/keys/options", "/mfa/keys").get_data(as_text=True)
    again = _json(client, "/mfa/keys", "/mfa/keys", {"credential": key.create(options), "name": ""})
    assert again.status_code == 422 and "added already" in again.get_json()["error"]
    # no options asked for: nothing to check the answer against
    stray = _json(client, "/mfa/keys", "/mfa/keys", {"credential": key.create(options)})
    assert stray.status_code == 422


def test_removing_a_key_and_an_admin_reset_remove_it(mfa_app, db_factory, clock) -> None:
    client = mfa_app.test_client()
    enrol(client, "approver1", clock)
    add_key(client, SoftKey(), "first")
    add_key(client, SoftKey(), "second")
    first = next(k for k in _keys(db_factory) if k.name == "first")
    removed = client.post(
        f"/mfa/keys/{first.id}/remove", data={"csrf_token": csrf_from(client, "/mfa/keys")}
    )
    assert removed.status_code == 302 and [k.name for k in _keys(db_factory)] == ["second"]
    with db_factory() as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == "approver1")).one()
        mfa.reset(session, user, actor_id=None)
        session.commit()
    assert _keys(db_factory) == []
    assert "mfa.key_removed" in _actions(db_factory)


def test_someone_else_cannot_remove_a_key(mfa_app, db_factory, clock) -> None:
    client = mfa_app.test_client()
    enrol(client, "approver1", clock)
    add_key(client, SoftKey())
    [key] = _keys(db_factory)
    other = mfa_app.test_client()
    enrol(other, "admin1", clock)
    token = csrf_from(other, "/mfa/keys")
    assert other.post(f"/mfa/keys/{key.id}/remove", data={"csrf_token": token}).status_code == 404
    assert len(_keys(db_factory)) == 1
