"""A state machine over three kiosks sharing one relay, in both modes.

Random interleavings and repetitions of card payments, partial refunds (also of
disputed gifts, and reports of more than was given), disputes (also of refunded
gifts, of all or part of a gift), crypto payments (partly paid, accepted or
refused by staff at any kiosk, topped up, refunded, an accepted part refunded as
it is), repeat deposits heard before their parent, cash
gifts and their voids, kiosk restarts, cursor resets and a kiosk going live on
a relay that carried its rehearsal. Everything goes over real HTTP to a real
relay under uvicorn, and each kiosk keeps its own SQLite file.

Invariants: after every step the kept total of the kiosk in hand equals the sum
of its entries and holds no record of the other mode; whenever the kiosks have
synced, every kiosk of a mode shows the same total, and it is the net the model
expects from what happened.
"""

from __future__ import annotations

import json
import os
import time
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from backend import charter, db, ledger
from backend.db import close_database, open_database
from backend.models import SyncCursor
from backend.relay import tokens
from backend.relay.server import RelayServer
from backend.settings import write_settings
from backend.sync import RelaySync
from backend.webhooks import nowpayments_signature, stripe_signature_header
from tests.conftest import CAMPAIGN
from tests.support.databases import open_fresh_database

STRIPE_SECRET = "whsec_state_machine_0123456789"
IPN = {"test": "ipn-secret-sandbox-account", "live": "ipn-secret-production-account"}
KIOSKS = ("k1", "k2", "k3")
AMOUNTS = st.integers(min_value=100, max_value=90_000)


class Card:
    def __init__(self, sid: str, mode: str, amount: int) -> None:
        self.sid, self.mode, self.amount = sid, mode, amount
        self.refunded = 0  # the most any refund report said, at most the gift
        self.dispute: str | None = None  # withdrawn | won | lost
        self.disputed = 0  # the amount the dispute is for

    @property
    def net(self) -> int:
        """Refunds and a dispute that keeps the funds each take their amount, and together
        never more than the gift."""
        out = self.disputed if self.dispute in ("withdrawn", "lost") else 0
        return max(0, self.amount - self.refunded - out)


class Crypto:
    def __init__(self, pid: int, mode: str, price: int, parent: Crypto | None = None) -> None:
        self.pid, self.mode, self.price, self.parent = pid, mode, price, parent
        self.sent: set[str] = set()  # statuses sent to the relay
        self.accepted: int | None = None
        self.refused = False

    @property
    def known(self) -> bool:
        """Does a kiosk know this payment's campaign? A repeat deposit only through its parent."""
        return bool(self.sent) and (self.parent is None or bool(self.parent.sent))

    @property
    def net(self) -> int:
        if not self.known:
            return 0
        if "refunded" in self.sent:
            return 0
        if "finished" in self.sent:
            return self.price
        return self.accepted or 0


class Cash:
    def __init__(self, ref: str, kiosk: str, mode: str, amount: int) -> None:
        self.ref, self.kiosk, self.mode, self.amount = ref, kiosk, mode, amount
        self.voided = False
        self.donation_ids: dict[str, int] = {}


def machine_for(root: Path) -> type[RuleBasedStateMachine]:
    class FleetMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.dir = root / f"run-{time.monotonic_ns()}"
            self.dir.mkdir(parents=True)
            self.db_url = f"sqlite:///{self.dir / 'relay.sqlite3'}"
            self.relay = RelayServer(self.db_url, stripe_secrets=[STRIPE_SECRET],
                                     nowpayments_secrets={m: [s] for m, s in IPN.items()})
            self.relay.start()
            os.environ["CHARTER_RELAY_URL"] = self.relay.url
            self.modes = {"k1": "live", "k2": "live", "k3": "test"}
            self.tokens = {k: tokens.add_kiosk(self.db_url, k, m) for k, m in self.modes.items()}
            # Each kiosk is a process of its own in the field, with its own data directory,
            # its database open all day and one RelaySync: so here too (closing and opening
            # the file and rewriting the settings at every turn cost about a sixth of the test's
            # CPU). `restart` and `k3_goes_live` close and reopen them as a real restart does.
            for kiosk in KIOSKS:
                self.write_kiosk_settings(kiosk)
            self.databases: dict[str, Any] = {}
            self.syncs: dict[str, RelaySync] = {}
            self.sessions: list[requests.Session] = []
            self.http = requests.Session()  # the providers' webhooks, kept alive as theirs are
            self.cards: list[Card] = []
            self.cryptos: list[Crypto] = []
            self.cash: list[Cash] = []
            self.sent_stripe: list[tuple[str, dict[str, Any], bool]] = []
            self.current: str | None = None
            self.synced = True
            self.counter = 0

        def teardown(self) -> None:
            close_database()
            for database in self.databases.values():
                database.close()
            for session in [*self.sessions, self.http]:
                session.close()
            self.relay.stop()

        # --- plumbing ------------------------------------------------------------

        def write_kiosk_settings(self, kiosk: str) -> None:
            home = self.dir / kiosk
            home.mkdir(exist_ok=True)
            write_settings({"campaign": CAMPAIGN, "kiosk": {"id": kiosk, "mode": self.modes[kiosk]},
                            "endpoints": {"relay_url": self.relay.url}}, home / "kiosk.toml")

        def be(self, kiosk: str) -> None:
            if self.current == kiosk:
                return
            mode = self.modes[kiosk]
            os.environ["CHARTER_KIOSK_HOME"] = str(self.dir / kiosk)
            os.environ["CHARTER_KIOSK_MODE"] = mode
            os.environ["RELAY_TOKEN"] = self.tokens[kiosk]
            database = self.databases.get(kiosk)
            if database is not None:
                db.database.initialize(database)  # its file, still open
            else:
                db.database.initialize(None)  # the kiosk in hand keeps its file open
                path = self.dir / f"{kiosk}-{mode}.sqlite3"
                if path.exists():
                    open_database(path)
                else:  # a new kiosk, or k3 gone live: an empty file at today's schema
                    open_fresh_database(path)
                self.databases[kiosk] = db.database.obj
            self.current = kiosk

        def forget(self, kiosk: str) -> None:
            """The kiosk's process ends: its database closed, its RelaySync gone."""
            self.be(kiosk)
            close_database()
            self.databases.pop(kiosk)
            self.syncs.pop(kiosk, None)
            self.current = None

        def next_id(self) -> int:
            self.counter += 1
            return self.counter

        def stripe(self, event_type: str, obj: dict[str, Any], live: bool) -> None:
            body = {"id": f"evt_{self.next_id()}", "object": "event", "type": event_type,
                    "livemode": live, "data": {"object": obj}}
            raw = json.dumps(body).encode()
            answer = self.http.post(
                f"{self.relay.url}/v1/webhooks/stripe", data=raw, timeout=10,
                headers={"Stripe-Signature": stripe_signature_header(raw, STRIPE_SECRET,
                                                                     int(time.time()))})
            assert answer.status_code == 200, answer.text
            self.sent_stripe.append((event_type, obj, live))
            self.synced = False

        def ipn(self, payment: Crypto, status: str, paid: str | None = None) -> None:
            body: dict[str, Any] = {
                "payment_id": payment.pid, "payment_status": status,
                "price_amount": str(Decimal(payment.price) / 100), "price_currency": "usd",
                "pay_amount": "0.001", "pay_currency": "btc", "actually_paid": paid,
                "pay_address": "bc1qexample", "updated_at": f"2026-11-30T10:00:{status[:3]}",
                "parent_payment_id": payment.parent.pid if payment.parent else None,
                "order_id": None if payment.parent else f"gala/web/i{payment.pid}"}
            raw = json.dumps(body).encode()
            answer = self.http.post(
                f"{self.relay.url}/v1/webhooks/nowpayments", data=raw, timeout=10,
                headers={"x-nowpayments-sig": nowpayments_signature(raw, IPN[payment.mode])})
            assert answer.status_code == 200, answer.text
            payment.sent.add(status)
            self.synced = False

        def sync(self, kiosk: str) -> None:
            self.be(kiosk)
            sync = self.syncs.get(kiosk)
            if sync is None:
                self.sessions.append(requests.Session())
                sync = self.syncs[kiosk] = RelaySync(self.relay.url, self.tokens[kiosk],
                                                     session=self.sessions[-1])
            while sync.poll_once(wait=0):
                pass

        # --- providers --------------------------------------------------------------

        @rule(mode=st.sampled_from(("test", "live")), amount=AMOUNTS)
        def card_paid(self, mode: str, amount: int) -> None:
            card = Card(f"cs_{mode}_{self.next_id()}", mode, amount)
            self.cards.append(card)
            self.stripe("checkout.session.completed", {
                "id": card.sid, "object": "checkout.session", "amount_total": amount,
                "currency": "usd", "status": "complete", "payment_status": "paid",
                "payment_intent": f"pi_{card.sid}", "livemode": mode == "live",
                "metadata": {"campaign_id": "gala", "kiosk_id": "web"}}, mode == "live")

        @precondition(lambda self: any(c.refunded < c.amount for c in self.cards))
        @rule(data=st.data(), share=st.integers(1, 150))
        def card_refund(self, data: st.DataObject, share: int) -> None:
            """A refund, of a gift perhaps disputed (won, lost or still open): the report
            says how much of the charge is refunded so far, at times more than it."""
            card = data.draw(st.sampled_from([c for c in self.cards if c.refunded < c.amount]))
            self.refund(card, share)

        def refund(self, card: Card, share: int) -> None:
            level = card.refunded + max(1, card.amount * share // 100)
            card.refunded = min(level, card.amount)
            self.stripe("charge.refunded", {
                "id": f"ch_{card.sid}", "object": "charge", "payment_intent": f"pi_{card.sid}",
                "amount": card.amount, "amount_refunded": level, "refunded": level >= card.amount,
                "livemode": card.mode == "live"}, card.mode == "live")

        @precondition(lambda self: any(c.dispute in (None, "withdrawn") for c in self.cards))
        @rule(data=st.data(), outcome=st.sampled_from(("created", "won", "lost")),
              share=st.sampled_from((100, 100, 60, 25)),
              refund=st.sampled_from((None, 30, 80, 100, 150)))
        def card_dispute(self, data: st.DataObject, outcome: str, share: int,
                         refund: int | None) -> None:
            """A dispute of all or part of a gift, perhaps already refunded in part or in full,
            and perhaps a refund's report heard after it (more than the dispute left)."""
            card = data.draw(st.sampled_from([c for c in self.cards
                                              if c.dispute in (None, "withdrawn")]))
            if card.dispute is None:
                card.disputed = max(1, card.amount * share // 100)
            if outcome == "created" and card.dispute is None:
                event, status, card.dispute = "charge.dispute.created", "needs_response", "withdrawn"
            elif outcome != "created":
                event, status, card.dispute = "charge.dispute.closed", outcome, outcome
            else:
                return
            self.stripe(event, {"id": f"dp_{card.sid}", "object": "dispute",
                                "payment_intent": f"pi_{card.sid}", "amount": card.disputed,
                                "status": status, "livemode": card.mode == "live"},
                        card.mode == "live")
            if refund is not None and card.refunded < card.amount and card.dispute != "won":
                self.refund(card, refund)

        @precondition(lambda self: bool(self.sent_stripe))
        @rule(data=st.data())
        def stripe_event_again(self, data: st.DataObject) -> None:
            """A late or repeated delivery of something already said: changes nothing."""
            event_type, obj, live = data.draw(st.sampled_from(self.sent_stripe))
            self.stripe(event_type, obj, live)

        @rule(mode=st.sampled_from(("test", "live")), amount=AMOUNTS,
              status=st.sampled_from(("finished", "partially_paid", "partially_paid", "waiting")))
        def crypto_payment(self, mode: str, amount: int, status: str) -> None:
            payment = Crypto(1000 + self.next_id(), mode, amount)
            self.cryptos.append(payment)
            self.ipn(payment, status, "0.0005" if status == "partially_paid" else None)

        @precondition(lambda self: any(p.parent is None for p in self.cryptos))
        @rule(data=st.data(), amount=AMOUNTS)
        def repeat_deposit(self, data: st.DataObject, amount: int) -> None:
            parent = data.draw(st.sampled_from([p for p in self.cryptos if p.parent is None]))
            child = Crypto(1000 + self.next_id(), parent.mode, amount, parent)
            self.cryptos.append(child)
            self.ipn(child, "finished")

        @precondition(lambda self: any(p.parent is None and not p.sent for p in self.cryptos))
        @rule(data=st.data())
        def parent_heard_late(self, data: st.DataObject) -> None:
            parent = data.draw(st.sampled_from([p for p in self.cryptos
                                                if p.parent is None and not p.sent]))
            self.ipn(parent, "waiting")

        @precondition(lambda self: any(p.sent and "refunded" not in p.sent and p.parent is None
                                       for p in self.cryptos))
        @rule(data=st.data(), status=st.sampled_from(("finished", "refunded")))
        def crypto_later(self, data: st.DataObject, status: str) -> None:
            payment = data.draw(st.sampled_from([p for p in self.cryptos if p.sent and p.parent
                                                 is None and "refunded" not in p.sent]))
            if status == "refunded" and "finished" not in payment.sent and payment.accepted is None:
                status = "finished"  # (what staff accepted of a partial payment can be refunded)
            self.ipn(payment, status)

        # --- staff ------------------------------------------------------------------

        def kiosks_of(self, mode: str) -> list[str]:
            return [k for k in KIOSKS if self.modes[k] == mode]

        @rule(kiosk=st.sampled_from(KIOSKS), amount=AMOUNTS)
        def cash_gift(self, kiosk: str, amount: int) -> None:
            self.be(kiosk)
            result = charter.record_cash_gift(str(Decimal(amount) / 100))
            assert result["success"] and result["data"]["shared"], result
            gift = Cash(f"{kiosk}-{len(self.cash)}", kiosk, self.modes[kiosk], amount)
            gift.donation_ids[kiosk] = result["data"]["donation_id"]
            self.cash.append(gift)
            self.synced = False

        @precondition(lambda self: any(not g.voided and g.mode == self.modes[g.kiosk]
                                       for g in self.cash))
        @rule(data=st.data())
        def void_cash(self, data: st.DataObject) -> None:
            gift = data.draw(st.sampled_from([g for g in self.cash if not g.voided
                                              and g.mode == self.modes[g.kiosk]]))
            self.be(gift.kiosk)
            result = charter.void_cash_gift(gift.donation_ids[gift.kiosk], "mistyped")
            assert result["success"] and result["data"]["shared"], result
            gift.voided = True
            self.synced = False

        @precondition(lambda self: any(
            p.parent is None and p.sent == {"partially_paid"} and p.accepted is None
            and not p.refused and self.kiosks_of(p.mode) for p in self.cryptos))
        @rule(data=st.data(), accept=st.booleans(), then_paid=st.booleans())
        def staff_decide(self, data: st.DataObject, accept: bool, then_paid: bool) -> None:
            payment = data.draw(st.sampled_from([
                p for p in self.cryptos if p.parent is None and p.sent == {"partially_paid"}
                and p.accepted is None and not p.refused and self.kiosks_of(p.mode)]))
            kiosk = data.draw(st.sampled_from(self.kiosks_of(payment.mode)))
            self.sync(kiosk)  # staff see it on their screen first
            result = charter.resolve_partial_payment(str(payment.pid), accept)
            assert result["success"], result
            if accept:
                payment.accepted = int((Decimal(payment.price) / 2).to_integral_value(ROUND_DOWN))
            else:
                payment.refused = True
            self.synced = False
            if then_paid:  # the donor sends the rest before the other kiosks have heard
                self.ipn(payment, "finished")

        # --- kiosks -----------------------------------------------------------------

        @rule(kiosk=st.sampled_from(KIOSKS))
        def sync_one(self, kiosk: str) -> None:
            self.sync(kiosk)

        @rule(kiosk=st.sampled_from(KIOSKS), forget_cursor=st.booleans())
        def restart(self, kiosk: str, forget_cursor: bool) -> None:
            """The kiosk restarts; perhaps it also forgets where it was in the feed and
            hears everything again."""
            self.be(kiosk)
            if forget_cursor:
                SyncCursor.delete().execute()
            self.forget(kiosk)
            self.be(kiosk)

        @precondition(lambda self: self.modes["k3"] == "test")
        @rule()
        def k3_goes_live(self) -> None:
            self.sync("k3")
            self.forget("k3")
            tokens.revoke_kiosk(self.db_url, "k3")
            self.tokens["k3"] = tokens.add_kiosk(self.db_url, "k3", "live")
            self.modes["k3"] = "live"
            self.write_kiosk_settings("k3")
            self.be("k3")  # a new, live database file; its cursor starts at 0
            self.synced = False

        @rule()
        def everyone_syncs(self) -> None:
            for kiosk in KIOSKS:
                self.sync(kiosk)
            self.synced = True
            self.check_fleet()

        # --- invariants ---------------------------------------------------------------

        def expected(self, mode: str) -> int:
            return (sum(c.net for c in self.cards if c.mode == mode)
                    + sum(p.net for p in self.cryptos if p.mode == mode)
                    + sum(g.amount for g in self.cash if g.mode == mode and not g.voided))

        def check_fleet(self) -> None:
            for kiosk in KIOSKS:
                self.be(kiosk)
                mode = self.modes[kiosk]
                shown = ledger.totals()["total_minor"]
                assert shown == self.expected(mode), (kiosk, mode, shown, self.expected(mode))

        @invariant()
        def kept_total_is_the_sum_of_entries_and_of_one_mode(self) -> None:
            if self.current is None:
                return
            kept, summed = ledger.totals(), ledger.recomputed_totals()
            for key in ("total_minor", "gross_minor", "corrections_minor", "count",
                        "by_method"):
                assert kept[key] == summed[key], (key, kept, summed)
            assert not any(ledger.mode_mismatches().values())

        @initialize()
        def start(self) -> None:
            self.be("k1")

    return FleetMachine


@pytest.mark.slow
def test_every_kiosk_of_a_mode_agrees_and_matches_the_expected_net(
        kiosk_env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CHARTER_RELAY_URL", "CHARTER_KIOSK_MODE", "RELAY_TOKEN", "CHARTER_KIOSK_HOME"):
        monkeypatch.setenv(name, os.environ.get(name, ""))  # restored after the test
    machine = machine_for(tmp_path)

    class Final(machine):  # type: ignore[misc, valid-type]
        def teardown(self) -> None:
            try:
                self.everyone_syncs()  # every run ends with the fleet in agreement
            finally:
                super().teardown()

    # 8 runs of 30 steps in the suite (each run starts its own relay and three kiosks);
    # FLEET_EXAMPLES=100 for a longer search before changing the ledger, the sync or the relay.
    run_state_machine_as_test(Final, settings=settings(
        max_examples=int(os.environ.get("FLEET_EXAMPLES", "8")), stateful_step_count=30,
        deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                              HealthCheck.function_scoped_fixture]))
