"""Alembic migrations, shipped inside the package (see alembic.ini)."""
