"""Typed answers in the outbox and in the offered choices (bot.kernel.answer).

``notifications`` gets ``answer`` (the whole typed answer, ``Answer.to_dict()``) in place of
``buttons`` and ``image_url``; ``channel_contacts.choices`` hold ``Choice.to_dict()``
(``{"title", "target"}``) in place of ``{"title", "payload"}``. Rows written before are
rewritten; the gateway also still reads old choices, so nothing offered is lost.

Revision ID: 0004_typed_answers
Revises: 0003_channels
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from bot.app.channels.contacts import read_choices  # old and typed choices alike
from bot.kernel.answer import Answer, Image, numbered_text

revision = "0004_typed_answers"
down_revision = "0003_channels"
branch_labels = None
depends_on = None

NOTES = sa.table("notifications", sa.column("id", sa.Integer), sa.column("text", sa.Text),
                 sa.column("buttons", sa.JSON), sa.column("image_url", sa.String),
                 sa.column("answer", sa.JSON))
CONTACTS = sa.table("channel_contacts", sa.column("sender_id", sa.String),
                    sa.column("choices", sa.JSON))


def upgrade() -> None:
    op.add_column("notifications", sa.Column("answer", sa.JSON(), nullable=True))
    conn = op.get_bind()
    for note_id, text, buttons, image_url in conn.execute(
            sa.select(NOTES.c.id, NOTES.c.text, NOTES.c.buttons, NOTES.c.image_url)).all():
        if not (text or "").strip():
            continue  # never written (enqueue refuses an empty text); read as its text alone
        choices = read_choices(buttons)
        answer = Answer(text, choices=choices, image=Image(image_url, text) if image_url else None)
        conn.execute(NOTES.update().where(NOTES.c.id == note_id).values(
            answer=answer.to_dict(), text=numbered_text(text, choices)))
    op.drop_column("notifications", "buttons")
    op.drop_column("notifications", "image_url")
    for sender_id, choices in conn.execute(sa.select(CONTACTS.c.sender_id,
                                                     CONTACTS.c.choices)).all():
        typed = [c.to_dict() for c in read_choices(choices)]
        if typed != choices:
            conn.execute(CONTACTS.update().where(CONTACTS.c.sender_id == sender_id)
                         .values(choices=typed))


def downgrade() -> None:
    op.add_column("notifications", sa.Column("buttons", sa.JSON(), nullable=True))
    op.add_column("notifications", sa.Column("image_url", sa.String(500), nullable=True))
    conn = op.get_bind()
    for note_id, raw in conn.execute(sa.select(NOTES.c.id, NOTES.c.answer)).all():
        answer = Answer.from_dict(raw) if raw else None
        conn.execute(NOTES.update().where(NOTES.c.id == note_id).values(
            buttons=[{"title": c.title, "payload": c.target.message()}
                     for c in (answer.choices if answer else ())],
            image_url=answer.image.url if answer and answer.image else None))
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("buttons", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("answer")
    for sender_id, choices in conn.execute(sa.select(CONTACTS.c.sender_id,
                                                     CONTACTS.c.choices)).all():
        conn.execute(CONTACTS.update().where(CONTACTS.c.sender_id == sender_id).values(
            choices=[{"title": c.title, "payload": c.target.message()}
                     for c in read_choices(choices)]))
