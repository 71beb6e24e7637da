"""Portal settings from the environment, their checks, and the job queue's portal task."""

from __future__ import annotations

import pytest
from huey import MemoryHuey
from sqlalchemy import select

from intake.config import load_settings
from intake.db.portal import PUSH_DONE, PortalPush
from intake.errors import ConfigError
from intake.portal.outbox import account_changed
from intake.portal.scim import check_portal_settings
from intake.portal.sealing import new_key, seal, unseal
from intake.portal.tasks import register_portal_tasks


def test_settings_from_the_environment_keep_the_secrets_out_of_repr():
    key = new_key()
    settings = load_settings(
        environ={
            "INTAKE_PORTAL__SCIM_URL": "https://portal.example.org/scim/v2",
            "INTAKE_PORTAL__SCIM_TOKEN": "token-that-must-not-leak",
            "INTAKE_PORTAL__PASSWORD_KEY": key,
            "INTAKE_PORTAL__MAX_ATTEMPTS": "4",
        }
    )
    assert settings.portal.enabled and settings.portal.max_attempts == 4
    check_portal_settings(settings.portal)
    assert "token-that-must-not-leak" not in repr(settings)
    assert key not in repr(settings)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"INTAKE_PORTAL__SCIM_URL": "http://portal.example.org/scim"}, "must be an https"),
        ({"INTAKE_PORTAL__SCIM_URL": "https://portal.example.org/scim"}, "scim_token is needed"),
        (
            {"INTAKE_PORTAL__SCIM_URL": "https://p.example.org", "INTAKE_PORTAL__SCIM_TOKEN": "t"},
            "password_key is needed",
        ),
        (
            {
                "INTAKE_PORTAL__SCIM_URL": "https://p.example.org",
                "INTAKE_PORTAL__SCIM_TOKEN": "t",
                "INTAKE_PORTAL__PASSWORD_KEY": "not-a-key",
            },
            "password_key is not a valid key",
        ),
    ],
)
def test_a_configuration_that_cannot_work_is_refused(environ, message):
    with pytest.raises(ConfigError, match=message):
        check_portal_settings(load_settings(environ=environ).portal)


def test_a_password_sealed_under_another_key_is_not_readable(portal_settings):
    from dataclasses import replace

    sealed = seal(portal_settings.portal, "Kettle-Bird-42")
    assert unseal(portal_settings.portal, sealed) == "Kettle-Bird-42"
    other = replace(portal_settings.portal, password_key=new_key())
    assert unseal(other, sealed) is None


def test_the_queue_task_sends_due_pushes(factory, ctx, portal_settings, scim_server):
    from .test_provisioning import approve_smiths

    accounts = approve_smiths(factory, ctx)
    huey = MemoryHuey("portal-test", immediate=True)
    enqueue = register_portal_tasks(huey, portal_settings, factory)
    with factory() as session, session.begin():
        account_changed(session, portal_settings, accounts["C1"], change="linked")
    enqueue()
    with factory() as session:
        statuses = {r.status for r in session.scalars(select(PortalPush))}
    assert statuses == {PUSH_DONE}
