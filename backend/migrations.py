"""The kiosk database's schema steps, frozen: step N takes a file from version N-1 to N.

Each step is written out here (fixed SQL, or a migrator step whose fields are spelled out)
and never reads the model classes: a model says what a table looks like today, and a
step must do on an old kiosk next year exactly what it did the day it shipped. (Reading
the models is how schema 3 came to select schema-4 columns from a schema-2 file.)

`backend.db` runs them, one transaction each; tests/test_db.py checks that a file
brought here from schema 1 has exactly the tables, columns and indexes the models declare.
Append only: change the schema with a new step, never by editing one that shipped.

A brand-new file skips the steps: `backend.db` creates `SCHEMA_SNAPSHOT`, the schema the
steps leave, in one transaction (the steps rebuild whole tables to add NOT NULL columns).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence

import peewee as pw

from backend.settings import get_settings

# Schema 1 as the first kiosks created it: peewee's DDL for the models of that day.
SCHEMA_1: tuple[str, ...] = (
    'CREATE TABLE IF NOT EXISTS "campaign_total" ("campaign_id" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"currency" VARCHAR(255) NOT NULL, "total_minor" INTEGER NOT NULL, "count" INTEGER NOT NULL, '
    '"card_minor" INTEGER NOT NULL, "crypto_minor" INTEGER NOT NULL, "cash_minor" INTEGER NOT NULL, '
    '"revision" INTEGER NOT NULL, "updated_at" DATETIME NOT NULL)',
    'CREATE TABLE IF NOT EXISTS "contribution_intent" ("id" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"campaign_id" VARCHAR(255) NOT NULL, "kiosk_id" VARCHAR(255) NOT NULL, '
    '"method" VARCHAR(255) NOT NULL, "coin" VARCHAR(255), "amount_minor" INTEGER NOT NULL, '
    '"currency" VARCHAR(255) NOT NULL, "display_name" VARCHAR(255), "status" VARCHAR(255) NOT NULL, '
    '"status_rank" INTEGER NOT NULL, "provider_ref" VARCHAR(255), "expires_at" INTEGER, '
    '"needs_staff" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL)',
    'CREATE INDEX IF NOT EXISTS "contribution_intent_campaign_id" ON "contribution_intent" '
    '("campaign_id")',
    'CREATE INDEX IF NOT EXISTS "contribution_intent_status" ON "contribution_intent" ("status")',
    'CREATE INDEX IF NOT EXISTS "contribution_intent_provider_ref" ON "contribution_intent" '
    '("provider_ref")',
    'CREATE TABLE IF NOT EXISTS "crypto_payment" ("payment_id" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"intent_id" VARCHAR(255), "parent_payment_id" VARCHAR(255), "campaign_id" VARCHAR(255), '
    '"kiosk_id" VARCHAR(255), "price_minor" INTEGER NOT NULL, "price_currency" VARCHAR(255) NOT NULL, '
    '"pay_amount" TEXT, "pay_currency" VARCHAR(255) NOT NULL, "pay_address" VARCHAR(255), '
    '"payin_extra_id" VARCHAR(255), "actually_paid" TEXT, "status" VARCHAR(255) NOT NULL, '
    '"status_rank" INTEGER NOT NULL, "provider_status" VARCHAR(255), "expires_at" INTEGER, '
    '"created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, '
    'FOREIGN KEY ("intent_id") REFERENCES "contribution_intent" ("id"))',
    'CREATE INDEX IF NOT EXISTS "crypto_payment_intent_id" ON "crypto_payment" ("intent_id")',
    'CREATE INDEX IF NOT EXISTS "crypto_payment_status" ON "crypto_payment" ("status")',
    'CREATE TABLE IF NOT EXISTS "donation" ("id" INTEGER NOT NULL PRIMARY KEY, '
    '"source" VARCHAR(255) NOT NULL, "provider_ref" VARCHAR(255) NOT NULL, "intent_id" VARCHAR(255), '
    '"campaign_id" VARCHAR(255) NOT NULL, "kiosk_id" VARCHAR(255), "method" VARCHAR(255) NOT NULL, '
    '"coin" VARCHAR(255), "amount_minor" INTEGER NOT NULL, "currency" VARCHAR(255) NOT NULL, '
    '"display_name" VARCHAR(255), "status" VARCHAR(255) NOT NULL, "via" VARCHAR(255) NOT NULL, '
    '"note" TEXT, "created_at" DATETIME NOT NULL, '
    'FOREIGN KEY ("intent_id") REFERENCES "contribution_intent" ("id"))',
    'CREATE INDEX IF NOT EXISTS "donation_intent_id" ON "donation" ("intent_id")',
    'CREATE INDEX IF NOT EXISTS "donation_campaign_id" ON "donation" ("campaign_id")',
    'CREATE INDEX IF NOT EXISTS "donation_status" ON "donation" ("status")',
    'CREATE INDEX IF NOT EXISTS "donation_created_at" ON "donation" ("created_at")',
    'CREATE UNIQUE INDEX IF NOT EXISTS "donation_source_provider_ref" ON "donation" '
    '("source", "provider_ref")',
    'CREATE TABLE IF NOT EXISTS "meta" ("key" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"value" TEXT NOT NULL)',
    'CREATE TABLE IF NOT EXISTS "orphan_refund" ("id" INTEGER NOT NULL PRIMARY KEY, '
    '"source" VARCHAR(255) NOT NULL, "payment_ref" VARCHAR(255) NOT NULL, '
    '"received_at" DATETIME NOT NULL)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "orphan_refund_source_payment_ref" ON "orphan_refund" '
    '("source", "payment_ref")',
    'CREATE TABLE IF NOT EXISTS "stripe_payment" ("session_id" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"intent_id" VARCHAR(255), "campaign_id" VARCHAR(255), "kiosk_id" VARCHAR(255), '
    '"amount_minor" INTEGER NOT NULL, "currency" VARCHAR(255) NOT NULL, '
    '"status" VARCHAR(255) NOT NULL, "status_rank" INTEGER NOT NULL, "provider_status" VARCHAR(255), '
    '"payment_status" VARCHAR(255), "payment_intent" VARCHAR(255), "checkout_url" TEXT, '
    '"expires_at" INTEGER, "livemode" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, '
    '"updated_at" DATETIME NOT NULL, '
    'FOREIGN KEY ("intent_id") REFERENCES "contribution_intent" ("id"))',
    'CREATE INDEX IF NOT EXISTS "stripe_payment_intent_id" ON "stripe_payment" ("intent_id")',
    'CREATE INDEX IF NOT EXISTS "stripe_payment_status" ON "stripe_payment" ("status")',
    'CREATE INDEX IF NOT EXISTS "stripe_payment_payment_intent" ON "stripe_payment" '
    '("payment_intent")',
    'CREATE TABLE IF NOT EXISTS "sync_cursor" ("relay_url" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"last_seq" INTEGER NOT NULL, "updated_at" DATETIME NOT NULL)',
)

# The tables schema 3 added: the ledger of entries, disputes, pending events, the outbox.
SCHEMA_3_TABLES: tuple[str, ...] = (
    'CREATE TABLE IF NOT EXISTS "dispute" ("dispute_id" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"payment_ref" VARCHAR(255) NOT NULL, "state" VARCHAR(255) NOT NULL, '
    '"state_rank" INTEGER NOT NULL, "amount_minor" INTEGER NOT NULL, "updated_at" DATETIME NOT NULL)',
    'CREATE INDEX IF NOT EXISTS "dispute_payment_ref" ON "dispute" ("payment_ref")',
    'CREATE TABLE IF NOT EXISTS "ledger_entry" ("id" INTEGER NOT NULL PRIMARY KEY, '
    '"key" VARCHAR(255) NOT NULL, "donation_id" INTEGER NOT NULL, '
    '"campaign_id" VARCHAR(255) NOT NULL, "kind" VARCHAR(255) NOT NULL, '
    '"amount_minor" INTEGER NOT NULL, "currency" VARCHAR(255) NOT NULL, '
    '"method" VARCHAR(255) NOT NULL, "livemode" INTEGER NOT NULL, "recorded_by" VARCHAR(255), '
    '"via" VARCHAR(255) NOT NULL, "reason" TEXT, "created_at" DATETIME NOT NULL, '
    'FOREIGN KEY ("donation_id") REFERENCES "donation" ("id"))',
    'CREATE UNIQUE INDEX IF NOT EXISTS "ledger_entry_key" ON "ledger_entry" ("key")',
    'CREATE INDEX IF NOT EXISTS "ledger_entry_donation_id" ON "ledger_entry" ("donation_id")',
    'CREATE INDEX IF NOT EXISTS "ledger_entry_campaign_id" ON "ledger_entry" ("campaign_id")',
    'CREATE INDEX IF NOT EXISTS "ledger_entry_created_at" ON "ledger_entry" ("created_at")',
    'CREATE TABLE IF NOT EXISTS "outbox" ("id" INTEGER NOT NULL PRIMARY KEY, '
    '"event_id" VARCHAR(255) NOT NULL, "body" TEXT NOT NULL, "created_at" DATETIME NOT NULL)',
    'CREATE UNIQUE INDEX IF NOT EXISTS "outbox_event_id" ON "outbox" ("event_id")',
    'CREATE TABLE IF NOT EXISTS "pending_event" ("key" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"waiting_for" VARCHAR(255) NOT NULL, "provider" VARCHAR(255) NOT NULL, '
    '"event_type" VARCHAR(255) NOT NULL, "payload" TEXT NOT NULL, "mode" VARCHAR(255) NOT NULL, '
    '"origin" VARCHAR(255), "via" VARCHAR(255) NOT NULL, "received_at" DATETIME NOT NULL)',
    'CREATE INDEX IF NOT EXISTS "pending_event_waiting_for" ON "pending_event" ("waiting_for")',
)

# The table schema 4 added: monthly gifts.
SCHEMA_4_TABLES: tuple[str, ...] = (
    'CREATE TABLE IF NOT EXISTS "subscription" ("subscription_id" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"campaign_id" VARCHAR(255) NOT NULL, "kiosk_id" VARCHAR(255), "amount_minor" INTEGER NOT NULL, '
    '"currency" VARCHAR(255) NOT NULL, "status" VARCHAR(255) NOT NULL, "display_name" VARCHAR(255), '
    '"livemode" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL)',
    'CREATE INDEX IF NOT EXISTS "subscription_campaign_id" ON "subscription" ("campaign_id")',
)


# Schema 6: which invoice a PaymentIntent paid, so a monthly gift's refunds and disputes
# (which name only the PaymentIntent) find the month they take from.
SCHEMA_6_TABLES: tuple[str, ...] = (
    'CREATE TABLE IF NOT EXISTS "invoice_payment" ("payment_intent" VARCHAR(255) NOT NULL '
    'PRIMARY KEY, "invoice_id" VARCHAR(255) NOT NULL, "livemode" INTEGER NOT NULL, '
    '"via" VARCHAR(255) NOT NULL, "created_at" DATETIME NOT NULL)',
    'CREATE INDEX IF NOT EXISTS "invoice_payment_invoice_id" ON "invoice_payment" ("invoice_id")',
)


def _run(db: pw.Database, statements: Sequence[str]) -> None:
    for sql in statements:
        db.execute_sql(sql)


def _columns(db: pw.Database, table: str) -> set[str]:
    return {c.name for c in db.get_columns(table)}


def _add_columns(db: pw.Database, wanted: dict[str, tuple[tuple[str, pw.Field], ...]]) -> None:
    """Add the columns a table lacks (a file another process half-upgraded may have some)."""
    # On first use: the migrator is needed only on the day a kiosk upgrades.
    from playhouse.migrate import SqliteMigrator, migrate

    migrator = SqliteMigrator(db)
    steps = []
    for table, columns in wanted.items():
        existing = _columns(db, table)
        steps += [migrator.add_column(table, name, field) for name, field in columns
                  if name not in existing]
    # A NOT NULL column makes the migrator rebuild its table (copy, drop, rename), which
    # is why backend.db runs the steps with foreign keys off and checks them after.
    migrate(*steps)


def _now_text() -> str:
    """A DATETIME column's text, as peewee writes `models.utcnow()` through sqlite3."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(" ")


def migration_1(db: pw.Database) -> None:
    """The first schema: intents, payments, donations, the kept total, the sync cursor."""
    _run(db, SCHEMA_1)


def migration_2(db: pw.Database) -> None:
    """Reconciler scheduling on both payment tables; `late` on donations."""
    schedule = (("next_check_at", pw.BigIntegerField(null=True)),
                ("last_checked_at", pw.BigIntegerField(null=True)),
                ("checks", pw.IntegerField(default=0)),
                ("failures", pw.IntegerField(default=0)))
    _add_columns(db, {"stripe_payment": schedule, "crypto_payment": schedule,
                      "donation": (("late", pw.BooleanField(default=False)),)})


def migration_3(db: pw.Database) -> None:
    """The ledger of entries: every donation becomes a gift entry (and a refund
    entry if refunded), so the kept total is a sum of entries from here on; modes
    on every record; pending events, disputes and the outbox of staff actions."""
    settings = get_settings()
    live = settings.mode == "live"  # each mode has its own file (db.default_path)
    mode = (("livemode", pw.BooleanField(default=live)),)
    _add_columns(db, {
        "contribution_intent": mode, "crypto_payment": mode, "donation": mode,
        "campaign_total": (("gross_minor", pw.BigIntegerField(default=0)),
                           ("corrections_minor", pw.BigIntegerField(default=0))),
    })
    _run(db, SCHEMA_3_TABLES)
    now = _now_text()

    # Cash gifts not yet shared get ids in their kiosk's namespace (no other kiosk
    # has seen them, so renaming them here is safe).
    unsent = db.execute_sql("SELECT key, value FROM meta WHERE substr(key, 1, 12) = 'cash_unsent:'")
    for key, value in list(unsent):
        body = json.loads(value)
        old = str(body["id"])
        new = old if "/" in old else f"{body.get('kiosk_id') or settings.kiosk_id}/{old}"
        db.execute_sql("UPDATE donation SET provider_ref = ? WHERE source = 'cash' AND provider_ref = ?",
                       (new, old))
        body.update(id=new, type="cash.recorded", livemode=live)
        db.execute_sql("INSERT OR IGNORE INTO outbox (event_id, body, created_at) VALUES (?, ?, ?)",
                       (new, json.dumps(body), now))
        db.execute_sql("DELETE FROM meta WHERE key = ?", (key,))

    donations = db.execute_sql(
        "SELECT id, source, provider_ref, campaign_id, currency, method, amount_minor, status, "
        "created_at FROM donation WHERE id NOT IN (SELECT donation_id FROM ledger_entry)")
    for (donation_id, source, ref, campaign_id, currency, method, amount, status,
         created_at) in list(donations):
        entries = [(f"gift:{source}:{ref}", "gift", amount)]
        if status == "refunded":
            entries.append((f"refund:{source}:{ref}:migrated", "refund", -amount))
        for entry_key, kind, entry_minor in entries:
            db.execute_sql(
                "INSERT INTO ledger_entry (key, donation_id, campaign_id, kind, amount_minor, "
                "currency, method, livemode, via, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'migration', ?)",
                (entry_key, donation_id, campaign_id, kind, entry_minor, currency, method,
                 int(live), created_at))

    for (payment_ref,) in list(db.execute_sql("SELECT payment_ref FROM orphan_refund")):
        # Kept as the full refund event it stood for, applied when its payment is counted.
        charge = {"object": "charge", "payment_intent": payment_ref, "refunded": True,
                  "livemode": live}
        event = {"id": f"orphan-refund-{payment_ref}", "type": "charge.refunded",
                 "livemode": live, "data": {"object": charge}}
        db.execute_sql(
            "INSERT OR IGNORE INTO pending_event (key, waiting_for, provider, event_type, payload, "
            "mode, via, received_at) VALUES (?, ?, 'stripe', 'charge.refunded', ?, ?, "
            "'migration', ?)",
            (f"stripe:{event['id']}", f"stripe-pi:{payment_ref}", json.dumps(event),
             settings.mode, now))
    db.execute_sql("DELETE FROM orphan_refund")

    # The kept totals, recomputed from the entries they must now equal.
    campaigns = dict(db.execute_sql("SELECT DISTINCT campaign_id, currency FROM ledger_entry"))
    for campaign_id, currency in campaigns.items():
        nets: dict[int, int] = {}
        by_method = {"card": 0, "crypto": 0, "cash": 0}
        gross = 0
        for owner, method, kind, amount in db.execute_sql(
                "SELECT donation_id, method, kind, amount_minor FROM ledger_entry "
                "WHERE campaign_id = ?", (campaign_id,)):
            nets[owner] = nets.get(owner, 0) + amount
            by_method[method] = by_method.get(method, 0) + amount
            gross += amount if kind == "gift" else 0
        total = sum(nets.values())
        db.execute_sql(
            "INSERT OR IGNORE INTO campaign_total (campaign_id, currency, total_minor, count, "
            "card_minor, crypto_minor, cash_minor, gross_minor, corrections_minor, revision, "
            "updated_at) VALUES (?, ?, 0, 0, 0, 0, 0, 0, 0, 0, ?)", (campaign_id, currency, now))
        db.execute_sql(
            "UPDATE campaign_total SET total_minor = ?, count = ?, card_minor = ?, "
            "crypto_minor = ?, cash_minor = ?, gross_minor = ?, corrections_minor = ? "
            "WHERE campaign_id = ?",
            (total, sum(1 for n in nets.values() if n > 0), by_method["card"],
             by_method["crypto"], by_method["cash"], gross, total - gross, campaign_id))


def migration_4(db: pw.Database) -> None:
    """Cover the fee and monthly gifts: the fee part of an intent and a donation, an
    intent's recurrence, a donation's subscription, and the subscriptions."""
    _add_columns(db, {
        "contribution_intent": (("fee_minor", pw.BigIntegerField(default=0)),
                                ("recurring", pw.CharField(null=True))),
        "donation": (("fee_minor", pw.BigIntegerField(default=0)),
                     ("subscription", pw.CharField(null=True))),
    })
    _run(db, SCHEMA_4_TABLES)


def migration_5(db: pw.Database) -> None:
    """The index on a donation's subscription, which step 4 added to the column but not to
    files it upgraded (a fresh file had it from the models): monthly gifts are looked up by it."""
    db.execute_sql('CREATE INDEX IF NOT EXISTS "donation_subscription" ON "donation" '
                   '("subscription")')


def migration_6(db: pw.Database) -> None:
    """Which invoice each PaymentIntent paid: a monthly gift's refunds and disputes name
    only the PaymentIntent (issue 14). The links are learned from here on; refunds and
    disputes kept waiting before this step are released once their link is learned."""
    _run(db, SCHEMA_6_TABLES)


# The schema steps 1..SNAPSHOT_VERSION leave, which `backend.db.migrate` creates at once in a
# brand-new file. Made by tools/schema_snapshot.py: an empty file brought through every step
# (in either kiosk mode: step 3 reads the mode, and the schema comes out the same), then its
# sqlite_master as SQLite holds it, referenced tables first and then by name, each followed
# by its indexes by name. When a step is appended, run the tool and paste its output here;
# tests/unit/test_migrations.py fails until the snapshot is that of the last step again.
# Never edited by hand.
SNAPSHOT_VERSION = 6
SCHEMA_SNAPSHOT: tuple[str, ...] = (
    'CREATE TABLE "campaign_total" ("campaign_id" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"currency" VARCHAR(255) NOT NULL, "total_minor" INTEGER NOT NULL, "count" INTEGER NOT NULL, '
    '"card_minor" INTEGER NOT NULL, "crypto_minor" INTEGER NOT NULL, "cash_minor" INTEGER NOT NULL, '
    '"revision" INTEGER NOT NULL, "updated_at" DATETIME NOT NULL, "gross_minor" INTEGER NOT NULL, '
    '"corrections_minor" INTEGER NOT NULL)',
    'CREATE TABLE "contribution_intent" ("id" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"campaign_id" VARCHAR(255) NOT NULL, "kiosk_id" VARCHAR(255) NOT NULL, '
    '"method" VARCHAR(255) NOT NULL, "coin" VARCHAR(255), "amount_minor" INTEGER NOT NULL, '
    '"currency" VARCHAR(255) NOT NULL, "display_name" VARCHAR(255), "status" VARCHAR(255) NOT NULL, '
    '"status_rank" INTEGER NOT NULL, "provider_ref" VARCHAR(255), "expires_at" INTEGER, '
    '"needs_staff" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, '
    '"livemode" INTEGER NOT NULL, "fee_minor" INTEGER NOT NULL, "recurring" VARCHAR(255))',
    'CREATE INDEX "contribution_intent_campaign_id" ON "contribution_intent" ("campaign_id")',
    'CREATE INDEX "contribution_intent_provider_ref" ON "contribution_intent" ("provider_ref")',
    'CREATE INDEX "contribution_intent_status" ON "contribution_intent" ("status")',
    'CREATE TABLE "crypto_payment" ("payment_id" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"intent_id" VARCHAR(255), "parent_payment_id" VARCHAR(255), "campaign_id" VARCHAR(255), '
    '"kiosk_id" VARCHAR(255), "price_minor" INTEGER NOT NULL, "price_currency" VARCHAR(255) NOT NULL, '
    '"pay_amount" TEXT, "pay_currency" VARCHAR(255) NOT NULL, "pay_address" VARCHAR(255), '
    '"payin_extra_id" VARCHAR(255), "actually_paid" TEXT, "status" VARCHAR(255) NOT NULL, '
    '"status_rank" INTEGER NOT NULL, "provider_status" VARCHAR(255), "expires_at" INTEGER, '
    '"created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, "next_check_at" INTEGER, '
    '"last_checked_at" INTEGER, "checks" INTEGER NOT NULL, "failures" INTEGER NOT NULL, '
    '"livemode" INTEGER NOT NULL, FOREIGN KEY ("intent_id") REFERENCES "contribution_intent" ("id"))',
    'CREATE INDEX "crypto_payment_intent_id" ON "crypto_payment" ("intent_id")',
    'CREATE INDEX "crypto_payment_status" ON "crypto_payment" ("status")',
    'CREATE TABLE "dispute" ("dispute_id" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"payment_ref" VARCHAR(255) NOT NULL, "state" VARCHAR(255) NOT NULL, '
    '"state_rank" INTEGER NOT NULL, "amount_minor" INTEGER NOT NULL, "updated_at" DATETIME NOT NULL)',
    'CREATE INDEX "dispute_payment_ref" ON "dispute" ("payment_ref")',
    'CREATE TABLE "donation" ("id" INTEGER NOT NULL PRIMARY KEY, "source" VARCHAR(255) NOT NULL, '
    '"provider_ref" VARCHAR(255) NOT NULL, "intent_id" VARCHAR(255), '
    '"campaign_id" VARCHAR(255) NOT NULL, "kiosk_id" VARCHAR(255), "method" VARCHAR(255) NOT NULL, '
    '"coin" VARCHAR(255), "amount_minor" INTEGER NOT NULL, "currency" VARCHAR(255) NOT NULL, '
    '"display_name" VARCHAR(255), "status" VARCHAR(255) NOT NULL, "via" VARCHAR(255) NOT NULL, '
    '"note" TEXT, "created_at" DATETIME NOT NULL, "late" INTEGER NOT NULL, '
    '"livemode" INTEGER NOT NULL, "fee_minor" INTEGER NOT NULL, "subscription" VARCHAR(255), '
    'FOREIGN KEY ("intent_id") REFERENCES "contribution_intent" ("id"))',
    'CREATE INDEX "donation_campaign_id" ON "donation" ("campaign_id")',
    'CREATE INDEX "donation_created_at" ON "donation" ("created_at")',
    'CREATE INDEX "donation_intent_id" ON "donation" ("intent_id")',
    'CREATE UNIQUE INDEX "donation_source_provider_ref" ON "donation" ("source", "provider_ref")',
    'CREATE INDEX "donation_status" ON "donation" ("status")',
    'CREATE INDEX "donation_subscription" ON "donation" ("subscription")',
    'CREATE TABLE "invoice_payment" ("payment_intent" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"invoice_id" VARCHAR(255) NOT NULL, "livemode" INTEGER NOT NULL, "via" VARCHAR(255) NOT NULL, '
    '"created_at" DATETIME NOT NULL)',
    'CREATE INDEX "invoice_payment_invoice_id" ON "invoice_payment" ("invoice_id")',
    'CREATE TABLE "ledger_entry" ("id" INTEGER NOT NULL PRIMARY KEY, "key" VARCHAR(255) NOT NULL, '
    '"donation_id" INTEGER NOT NULL, "campaign_id" VARCHAR(255) NOT NULL, '
    '"kind" VARCHAR(255) NOT NULL, "amount_minor" INTEGER NOT NULL, "currency" VARCHAR(255) NOT NULL, '
    '"method" VARCHAR(255) NOT NULL, "livemode" INTEGER NOT NULL, "recorded_by" VARCHAR(255), '
    '"via" VARCHAR(255) NOT NULL, "reason" TEXT, "created_at" DATETIME NOT NULL, '
    'FOREIGN KEY ("donation_id") REFERENCES "donation" ("id"))',
    'CREATE INDEX "ledger_entry_campaign_id" ON "ledger_entry" ("campaign_id")',
    'CREATE INDEX "ledger_entry_created_at" ON "ledger_entry" ("created_at")',
    'CREATE INDEX "ledger_entry_donation_id" ON "ledger_entry" ("donation_id")',
    'CREATE UNIQUE INDEX "ledger_entry_key" ON "ledger_entry" ("key")',
    'CREATE TABLE "meta" ("key" VARCHAR(255) NOT NULL PRIMARY KEY, "value" TEXT NOT NULL)',
    'CREATE TABLE "orphan_refund" ("id" INTEGER NOT NULL PRIMARY KEY, "source" VARCHAR(255) NOT NULL, '
    '"payment_ref" VARCHAR(255) NOT NULL, "received_at" DATETIME NOT NULL)',
    'CREATE UNIQUE INDEX "orphan_refund_source_payment_ref" ON "orphan_refund" ("source", '
    '"payment_ref")',
    'CREATE TABLE "outbox" ("id" INTEGER NOT NULL PRIMARY KEY, "event_id" VARCHAR(255) NOT NULL, '
    '"body" TEXT NOT NULL, "created_at" DATETIME NOT NULL)',
    'CREATE UNIQUE INDEX "outbox_event_id" ON "outbox" ("event_id")',
    'CREATE TABLE "pending_event" ("key" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"waiting_for" VARCHAR(255) NOT NULL, "provider" VARCHAR(255) NOT NULL, '
    '"event_type" VARCHAR(255) NOT NULL, "payload" TEXT NOT NULL, "mode" VARCHAR(255) NOT NULL, '
    '"origin" VARCHAR(255), "via" VARCHAR(255) NOT NULL, "received_at" DATETIME NOT NULL)',
    'CREATE INDEX "pending_event_waiting_for" ON "pending_event" ("waiting_for")',
    'CREATE TABLE "stripe_payment" ("session_id" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"intent_id" VARCHAR(255), "campaign_id" VARCHAR(255), "kiosk_id" VARCHAR(255), '
    '"amount_minor" INTEGER NOT NULL, "currency" VARCHAR(255) NOT NULL, '
    '"status" VARCHAR(255) NOT NULL, "status_rank" INTEGER NOT NULL, "provider_status" VARCHAR(255), '
    '"payment_status" VARCHAR(255), "payment_intent" VARCHAR(255), "checkout_url" TEXT, '
    '"expires_at" INTEGER, "livemode" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, '
    '"updated_at" DATETIME NOT NULL, "next_check_at" INTEGER, "last_checked_at" INTEGER, '
    '"checks" INTEGER NOT NULL, "failures" INTEGER NOT NULL, '
    'FOREIGN KEY ("intent_id") REFERENCES "contribution_intent" ("id"))',
    'CREATE INDEX "stripe_payment_intent_id" ON "stripe_payment" ("intent_id")',
    'CREATE INDEX "stripe_payment_payment_intent" ON "stripe_payment" ("payment_intent")',
    'CREATE INDEX "stripe_payment_status" ON "stripe_payment" ("status")',
    'CREATE TABLE "subscription" ("subscription_id" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"campaign_id" VARCHAR(255) NOT NULL, "kiosk_id" VARCHAR(255), "amount_minor" INTEGER NOT NULL, '
    '"currency" VARCHAR(255) NOT NULL, "status" VARCHAR(255) NOT NULL, "display_name" VARCHAR(255), '
    '"livemode" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL)',
    'CREATE INDEX "subscription_campaign_id" ON "subscription" ("campaign_id")',
    'CREATE TABLE "sync_cursor" ("relay_url" VARCHAR(255) NOT NULL PRIMARY KEY, '
    '"last_seq" INTEGER NOT NULL, "updated_at" DATETIME NOT NULL)',
)


# Append only; `backend.db` numbers them from 1.
STEPS: tuple[Callable[[pw.Database], None], ...] = (migration_1, migration_2, migration_3,
                                                     migration_4, migration_5, migration_6)
