"""ledger append-only: the database refuses UPDATE and DELETE of ballots, paper entries,
their confirmations and voting links

Every fact of the ledger is written once. The only UPDATE the code ever made on these
tables (a paper confirmation's outcome set to "duplicate" after casting, in the same
transaction) now writes the row once with its final outcome (voting.ballots.paper), so
no column is exempt. A reissued link is a new row; a link's liveness is derived (the
newest row of its household). TRUNCATE is refused too on PostgreSQL.

Revision ID: 3f6d2b8e1c07
Revises: e5b7c2d41f08
Create Date: 2026-12-02 10:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3f6d2b8e1c07'
down_revision = 'e5b7c2d41f08'
branch_labels = None
depends_on = None

TABLES = ("ballots", "paper_entries", "paper_confirmations", "voting_tokens")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
            END $$;
        """)
        for table in TABLES:
            op.execute(f"""
                CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
            """)
            op.execute(f"""
                CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
            """)
    else:
        for table in TABLES:
            for statement in ("UPDATE", "DELETE"):
                op.execute(f"""
                    CREATE TRIGGER {table}_no_{statement.lower()} BEFORE {statement} ON {table}
                    BEGIN SELECT RAISE(ABORT, '{table} is append-only: {statement} refused'); END;
                """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_update_delete ON {table}")
        op.execute("DROP FUNCTION ledger_append_only()")
    else:
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")
