"""The kiosk's records. Money is integer minor units; crypto amounts are Decimal text.

SQLite has no exact decimal type (its NUMERIC affinity turns 0.00012345 into a
float), so crypto amounts are stored as their decimal string.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import peewee as pw

from backend.db import database


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_id() -> str:
    return uuid.uuid4().hex


class DecimalText(pw.TextField):
    """A Decimal stored exactly, as text."""

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("crypto amounts are Decimal, never float")
        return str(Decimal(value))

    def python_value(self, value: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


# Intent and payment states, in the order a payment may move through them.
# A state only ever moves to a higher rank, so whatever order events arrive in,
# the highest state reported wins. Paid outranks every failure; refunded is the
# only state above paid. Partially paid outranks the failures: money that
# arrived must stay in front of staff until they accept or refuse it, even if
# the payment expires meanwhile; "refused" (staff's answer) still yields to a
# donor who tops up to paid.
STATUS_RANK: dict[str, int] = {
    "created": 0,
    "awaiting_payment": 1,
    "confirming": 2,
    "expired": 3,
    "cancelled": 4,
    "failed": 5,
    "partially_paid": 6,
    "refused": 7,
    "paid": 8,
    "refunded": 9,
}
OPEN_STATUSES = ("created", "awaiting_payment", "confirming", "partially_paid")
FINAL_STATUSES = ("expired", "cancelled", "failed", "refused", "paid", "refunded")


class ContributionIntent(BaseModel):
    """One tap on a kiosk: the donor chose an amount and a method."""

    id = pw.CharField(primary_key=True, default=new_id)
    campaign_id = pw.CharField(index=True)
    kiosk_id = pw.CharField()
    method = pw.CharField()  # card | crypto | cash
    coin = pw.CharField(null=True)
    amount_minor = pw.BigIntegerField()
    currency = pw.CharField()
    display_name = pw.CharField(null=True)
    status = pw.CharField(default="created", index=True)
    status_rank = pw.IntegerField(default=0)
    livemode = pw.BooleanField(default=False)  # schema 3
    # Schema 4: the part of amount_minor the donor added to cover the processing fee.
    fee_minor = pw.BigIntegerField(default=0)
    recurring = pw.CharField(null=True)  # "month" for a monthly gift
    provider_ref = pw.CharField(null=True, index=True)
    expires_at = pw.BigIntegerField(null=True)  # unix seconds
    needs_staff = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)


class ReconcilerSchedule(BaseModel):
    """The reconciler's bookkeeping on a provider payment (schema 2): when to ask the
    provider next (also its claim on the payment), when it last asked, how often, and how
    many times in a row that failed. Shared by both payment tables; never a table itself.

    (peewee copies a base model's fields into each subclass; a plain mixin class would
    add none.) The columns come from the frozen schema steps, not from here.
    """

    next_check_at = pw.BigIntegerField(null=True)
    last_checked_at = pw.BigIntegerField(null=True)
    checks = pw.IntegerField(default=0)
    failures = pw.IntegerField(default=0)


class StripePayment(ReconcilerSchedule):
    intent_id: str | None
    session_id = pw.CharField(primary_key=True)
    intent = pw.ForeignKeyField(ContributionIntent, null=True, backref="stripe_payments")
    campaign_id = pw.CharField(null=True)
    kiosk_id = pw.CharField(null=True)
    amount_minor = pw.BigIntegerField()
    currency = pw.CharField()
    status = pw.CharField(default="awaiting_payment", index=True)
    status_rank = pw.IntegerField(default=1)
    provider_status = pw.CharField(null=True)
    payment_status = pw.CharField(null=True)
    payment_intent = pw.CharField(null=True, index=True)
    checkout_url = pw.TextField(null=True)
    expires_at = pw.BigIntegerField(null=True)
    livemode = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)


class CryptoPayment(ReconcilerSchedule):
    intent_id: str | None
    payment_id = pw.CharField(primary_key=True)
    intent = pw.ForeignKeyField(ContributionIntent, null=True, backref="crypto_payments")
    parent_payment_id = pw.CharField(null=True)
    campaign_id = pw.CharField(null=True)
    kiosk_id = pw.CharField(null=True)
    price_minor = pw.BigIntegerField()
    price_currency = pw.CharField()
    pay_amount = DecimalText(null=True)
    pay_currency = pw.CharField()
    pay_address = pw.CharField(null=True)
    payin_extra_id = pw.CharField(null=True)
    actually_paid = DecimalText(null=True)
    status = pw.CharField(default="awaiting_payment", index=True)
    status_rank = pw.IntegerField(default=1)
    provider_status = pw.CharField(null=True)
    expires_at = pw.BigIntegerField(null=True)
    livemode = pw.BooleanField(default=False)  # schema 3
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)


# What a ledger entry does to the total. The first entry of a donation is its
# gift (or a partial payment staff accepted); every later one is a correction.
GIFT_KINDS = ("gift", "partial_accepted", "top_up")
CORRECTION_KINDS = ("refund", "dispute_withdrawn", "dispute_reinstated", "void")
ENTRY_KINDS = GIFT_KINDS + CORRECTION_KINDS
# A donation's status is a label worked out from its entries (see ledger._relabel).
DONATION_STATUSES = ("counted", "partially_refunded", "refunded", "disputed", "dispute_lost",
                     "voided")


class Donation(BaseModel):
    """One confirmed gift, counted once: unique on (source, provider_ref).

    Its `amount_minor` is the amount of its first entry and is never edited;
    what it is worth now is the sum of its entries (`LedgerEntry`).
    """

    id = pw.AutoField()
    intent_id: str | None
    source = pw.CharField()  # stripe | nowpayments | cash
    provider_ref = pw.CharField()
    intent = pw.ForeignKeyField(ContributionIntent, null=True, backref="donations")
    campaign_id = pw.CharField(index=True)
    kiosk_id = pw.CharField(null=True)
    method = pw.CharField()  # card | crypto | cash
    coin = pw.CharField(null=True)
    amount_minor = pw.BigIntegerField()
    currency = pw.CharField()
    display_name = pw.CharField(null=True)
    status = pw.CharField(default="counted", index=True)  # one of DONATION_STATUSES
    via = pw.CharField()  # webhook | poller | relay | staff | reconciler
    note = pw.TextField(null=True)
    # Counted after the donor had left the payment screen (schema 2).
    late = pw.BooleanField(default=False)
    livemode = pw.BooleanField(default=False)  # schema 3
    # Schema 4: the fee the donor covered (included in amount_minor); the monthly
    # gift (Stripe subscription) this payment belongs to.
    fee_minor = pw.BigIntegerField(default=0)
    subscription = pw.CharField(null=True, index=True)
    created_at = pw.DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("source", "provider_ref"), True),)


class LedgerEntry(BaseModel):
    """One movement of a campaign's total. The kept total is the sum of these.

    Append only: a refund, a dispute or a void is a new entry, never an edit.
    `key` names the entry by what it records (e.g. `refund:stripe:pi_…:0:1500`, a charge's
    refunds going from 0 to 1500), so an entry reported twice, or by two paths at once, is
    applied once. A kiosk that hears a history in another order may write other entries
    (a cut and a completing one where another wrote one); their sum, and so every kiosk's
    total, is the same.
    """

    id = pw.AutoField()
    key = pw.CharField(unique=True)
    donation = pw.ForeignKeyField(Donation, backref="entries", index=True)
    campaign_id = pw.CharField(index=True)
    kind = pw.CharField()  # one of ENTRY_KINDS
    amount_minor = pw.BigIntegerField()  # signed: corrections are negative (a won dispute +)
    currency = pw.CharField()
    method = pw.CharField()
    livemode = pw.BooleanField()
    recorded_by = pw.CharField(null=True)  # the kiosk whose staff made it (voids, decisions)
    via = pw.CharField()
    reason = pw.TextField(null=True)
    created_at = pw.DateTimeField(default=utcnow, index=True)


class Dispute(BaseModel):
    """Where a card dispute stands, so its events apply once in any order (schema 3)."""

    dispute_id = pw.CharField(primary_key=True)
    payment_ref = pw.CharField(index=True)  # the PaymentIntent
    state = pw.CharField()  # inquiry | withdrawn | won | lost | closed
    state_rank = pw.IntegerField()
    amount_minor = pw.BigIntegerField()
    updated_at = pw.DateTimeField(default=utcnow)


class Subscription(BaseModel):
    """A monthly gift (schema 4): a Stripe subscription of this campaign. Each paid
    invoice is a donation of its own; a cancelled one stops counting."""

    subscription_id = pw.CharField(primary_key=True)
    campaign_id = pw.CharField(index=True)
    kiosk_id = pw.CharField(null=True)
    amount_minor = pw.BigIntegerField()
    currency = pw.CharField()
    status = pw.CharField(default="active")  # active | cancelled
    display_name = pw.CharField(null=True)
    livemode = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)


class InvoicePayment(BaseModel):
    """Which invoice a PaymentIntent paid (schema 6): a monthly gift's month is a donation
    under its invoice's id, but Stripe's refunds and disputes name only the PaymentIntent,
    and no `StripePayment` row knows it (a subscription-mode session has no PaymentIntent;
    a renewal has no session). Since API 2025-03-31 an invoice names its PaymentIntent only
    through Stripe's InvoicePayment: read from a payload that carries it, or asked of
    Stripe by the reconciler. Kept apart from the donation, since it may be learned first.
    """

    payment_intent = pw.CharField(primary_key=True)
    invoice_id = pw.CharField(index=True)
    livemode = pw.BooleanField(default=False)
    via = pw.CharField()  # webhook | relay | poller | reconciler: who learned it
    created_at = pw.DateTimeField(default=utcnow)


class PendingEvent(BaseModel):
    """An event about something this kiosk has not heard of yet (schema 3).

    Events arrive out of order: a refund or a dispute before its payment, a void
    before its cash gift, a repeat deposit before its parent. Each is kept here
    and applied once what it waits for is known.
    """

    key = pw.CharField(primary_key=True)
    waiting_for = pw.CharField(index=True)  # e.g. stripe-pi:pi_…, nowpayments:123, cash:kiosk/…
    provider = pw.CharField()
    event_type = pw.CharField()
    payload = pw.TextField()
    mode = pw.CharField()
    origin = pw.CharField(null=True)
    via = pw.CharField()
    received_at = pw.DateTimeField(default=utcnow)


class Outbox(BaseModel):
    """Staff actions still to be shared with the other kiosks through the relay (schema 3).

    Written in the transaction that applies the action here; removed once the
    relay has it. Sent oldest first, so a void never overtakes its gift.
    """

    id = pw.AutoField()
    event_id = pw.CharField(unique=True)
    body = pw.TextField()
    created_at = pw.DateTimeField(default=utcnow)


class CampaignTotal(BaseModel):
    """The running total, kept in the same transaction as every donation change.

    Reading it is one primary-key lookup however many donations there are;
    `check` compares it against the recomputed sum.
    """

    campaign_id = pw.CharField(primary_key=True)
    currency = pw.CharField()
    total_minor = pw.BigIntegerField(default=0)
    count = pw.IntegerField(default=0)
    card_minor = pw.BigIntegerField(default=0)
    crypto_minor = pw.BigIntegerField(default=0)
    cash_minor = pw.BigIntegerField(default=0)
    # Schema 3: the total split into what was given and what left it again
    # (refunds, disputes, voids; a won dispute brings some back).
    gross_minor = pw.BigIntegerField(default=0)
    corrections_minor = pw.BigIntegerField(default=0)
    revision = pw.BigIntegerField(default=0)
    updated_at = pw.DateTimeField(default=utcnow)


class OrphanRefund(BaseModel):
    """Schema 1-2: a refund heard before its payment. Schema 3 keeps these as
    `PendingEvent`s; the table stays so old files migrate (its rows move over)."""

    source = pw.CharField()
    payment_ref = pw.CharField()  # Stripe payment_intent id
    received_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("source", "payment_ref"), True),)


class SyncCursor(BaseModel):
    relay_url = pw.CharField(primary_key=True)
    last_seq = pw.BigIntegerField(default=0)
    updated_at = pw.DateTimeField(default=utcnow)


class Meta(BaseModel):
    """Small facts worth keeping: last sweep, last reconcile, kiosk start."""

    key = pw.CharField(primary_key=True)
    value = pw.TextField()


ALL_MODELS: list[type[BaseModel]] = [
    ContributionIntent,
    StripePayment,
    CryptoPayment,
    Donation,
    CampaignTotal,
    OrphanRefund,
    SyncCursor,
    Meta,
    LedgerEntry,
    Dispute,
    PendingEvent,
    Outbox,
    Subscription,
    InvoicePayment,
]
