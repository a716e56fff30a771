from flask import render_template
from sqlalchemy import select

from ..auth.permissions import admin_required
from ..extensions import db
from ..models import User
from . import bp

USERS_PAGE_SIZE = 100


@bp.get("/users")
@admin_required
def users():
    accounts = db.session.scalars(select(User).order_by(User.id).limit(USERS_PAGE_SIZE)).all()
    return render_template("admin/users.html", users=accounts)
