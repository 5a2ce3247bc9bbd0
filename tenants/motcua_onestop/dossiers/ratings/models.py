"""A dossier's satisfaction rating (one, by its applicant, after the result) and the link that lets the
applicant rate without signing in, sent with the result message. The link is kept as the SHA-256 of its
token, and the sent message forgets it (``notifications.services``): the database keeps nothing that would
let a reader rate."""

from __future__ import annotations

import datetime as dt

from motcua_platform.db.base import TenantBase, created_at_column
from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

# where the rating was given: signed in (the portal or the citizen API), or through the message's link, whose
# holder is whoever the applicant's contact is, not necessarily the account's owner
VIA = ("portal", "link")


class DossierRating(TenantBase):
    """How satisfied the applicant is with the processing of a dossier: ``level`` on the four-level scale
    (``services.LEVELS``: 4 very satisfied … 1 very dissatisfied), a comment, where it was given."""

    __tablename__ = "dossier_ratings"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 4", name="level"),
        CheckConstraint(f"via IN ({', '.join(repr(v) for v in VIA)})", name="via"),
        CheckConstraint("char_length(comment) <= 2000", name="comment_length"),
    )

    dossier_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    via: Mapped[str] = mapped_column(String(10))
    citizen_account_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("citizen_accounts.id", ondelete="SET NULL")
    )
    rated_at: Mapped[dt.datetime] = created_at_column()


class DossierRatingLink(TenantBase):
    """The link sent with a dossier's result message: the SHA-256 (hex) of its token, until when it works."""

    __tablename__ = "dossier_rating_links"

    dossier_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
