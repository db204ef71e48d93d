"""A fill id is unique per broker account, no longer across all of them.

A KIS notice's fill id is built from the day, order number, second, quantity and price (no
account): one signal trading two accounts can give both the same id, and the second account's
fill was then dropped as a duplicate or failed to store. Fills are now unique on (broker
account, fill id). The ids are kept as they are, not prefixed with the account: a notice
replayed after the upgrade must still meet its stored fill, or it would apply twice.

Every existing row is kept: the old key is stricter than the new one. The downgrade brings the
old key back, and so refuses while two accounts hold the same fill id: dropping or renaming
either fill would make the books disagree with the broker.

Revision ID: 0010_fill_identity_per_account
Revises: 0009_outbox
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_fill_identity_per_account"
down_revision: str | None = "0009_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KEY = "uq_fills_fill_id"
_NEW_KEY = "uq_fills_broker_account_fill_id"
_SHARED_IDS = "SELECT fill_id FROM fills GROUP BY fill_id HAVING count(*) > 1"


def upgrade() -> None:
    with op.batch_alter_table("fills") as batch:
        batch.drop_constraint(_OLD_KEY, type_="unique")
        batch.create_unique_constraint(_NEW_KEY, ["broker_account", "fill_id"])


def downgrade() -> None:
    shared = op.get_bind().execute(sa.text(_SHARED_IDS)).scalars().all()
    if shared:
        raise RuntimeError(
            f"cannot downgrade below 0009: {len(shared)} fill id(s) are stored for more than"
            f" one broker account (e.g. {shared[0]!r}); the old key allows one row per id"
        )
    with op.batch_alter_table("fills") as batch:
        batch.drop_constraint(_NEW_KEY, type_="unique")
        batch.create_unique_constraint(_OLD_KEY, ["fill_id"])
