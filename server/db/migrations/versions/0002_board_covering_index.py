"""covering index for the quota board

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BOARD_COLUMNS = ["staff_id", "started_at", "kind", "method", "outcome", "review_status"]


def upgrade() -> None:
    op.create_index("ix_visits_board", "visits", BOARD_COLUMNS)
    op.drop_index("ix_visits_staff_started", table_name="visits")


def downgrade() -> None:
    op.create_index("ix_visits_staff_started", "visits", ["staff_id", "started_at"])
    op.drop_index("ix_visits_board", table_name="visits")
