"""Roles and permissions: who may see and change what."""

import pytest

from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import AnonymousUser, Permission, Role
from {{ cookiecutter.package_name }}.models.user import ROLES

from ..account_helpers import add_user, log_in, log_in_for_api, submit

pytestmark = pytest.mark.integration


def test_migration_inserted_the_default_roles(app):
    with app.app_context():
        roles = {role.name: role.permissions for role in db.session.scalars(db.select(Role))}
    assert roles == {name: int(permissions) for name, permissions in ROLES.items()}


def test_anonymous_user_can_nothing():
    anonymous = AnonymousUser()
    assert not any(anonymous.can(permission) for permission in Permission)
    assert anonymous.is_administrator is False


def test_admin_pages_need_the_admin_permission(app, client):
    add_user(app, "user@example.org")
    add_user(app, "admin@example.org", role="Administrator")
    anonymous = app.test_client().get("/admin/users")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/auth/login?next=/admin/users"

    log_in(client, "user@example.org")
    forbidden = client.get("/admin/users")
    assert forbidden.status_code == 403
    assert "403 Forbidden" in forbidden.get_data(as_text=True)
    assert "/admin/users" not in client.get("/").get_data(as_text=True)  # no link either

    admin = app.test_client()
    log_in(admin, "admin@example.org")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "user@example.org" in page
    assert "Administrator" in page


def test_a_user_without_write_permission_cannot_add_tasks(app, client):
    add_user(app, "reader@example.org", role=None)
    log_in(client, "reader@example.org")
    assert 'name="title"' not in client.get("/tasks/").get_data(as_text=True)
    assert submit(client, "/tasks/", {"title": "x"}).status_code == 403
    api = log_in_for_api(app.test_client(), "reader@example.org")
    assert api.post("/api/v1/tasks", json={"title": "x"}).status_code == 403


def test_adding_a_task_from_the_page(app, client):
    add_user(app, "writer@example.org")
    log_in(client, "writer@example.org")
    response = submit(client, "/tasks/", {"title": "From the form", "description": "hi"})
    assert response.status_code == 302
    assert "From the form" in client.get("/tasks/").get_data(as_text=True)
    empty = submit(client, "/tasks/", {"title": "  "})
    assert empty.status_code == 400
    assert "This field is required" in empty.get_data(as_text=True)


def test_anonymous_api_writes_get_401(app):
    response = app.test_client().post("/api/v1/tasks", json={"title": "x"})
    assert response.status_code == 401
    assert response.get_json()["status"] == 401


def test_only_owner_or_moderator_may_change_a_task(app):
    for email, role in [
        ("owner@example.org", "User"),
        ("other@example.org", "User"),
        ("moderator@example.org", "Moderator"),
    ]:
        add_user(app, email, role=role)
    owner = log_in_for_api(app.test_client(), "owner@example.org")
    task = owner.post("/api/v1/tasks", json={"title": "Mine"}).get_json()
    other = log_in_for_api(app.test_client(), "other@example.org")
    assert other.patch(f"/api/v1/tasks/{task['id']}", json={"done": True}).status_code == 403
    assert other.delete(f"/api/v1/tasks/{task['id']}").status_code == 403
    moderator = log_in_for_api(app.test_client(), "moderator@example.org")
    assert moderator.patch(f"/api/v1/tasks/{task['id']}", json={"done": True}).status_code == 200
    assert owner.delete(f"/api/v1/tasks/{task['id']}").status_code == 204
