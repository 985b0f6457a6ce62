"""The collector's workspace: database, content and identity, and the operations the
screens run in worker threads. No terminal code here, so it is tested directly."""

from __future__ import annotations

import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from callassist.core.account import AccountSnapshot, build_context
from callassist.core.call import DRAFTED_BY, Call, Event, utc_now
from callassist.core.calls import CallFilter, CallSummary, UnfinishedCall
from callassist.core.compliance import SUPERVISOR, ContactRules, Hold, Viewer, release_refused
from callassist.core.errors import CallOpen, StoreError
from callassist.core.figures import Figures, Judge, figures_from
from callassist.core.flow import LoadedFlow
from callassist.core.forbidden import ForbiddenLanguage
from callassist.core.i18n import label
from callassist.core.judge import judge_of
from callassist.core.ledger_csv import PaymentIn
from callassist.core.lint import check_content, forbidden_list
from callassist.core.objections import Catalog
from callassist.core.personas import PERSONAS_DIR, Persona, load_personas
from callassist.core.practice import Rehearsal
from callassist.core.preflight import sample_snapshot
from callassist.core.priority import ACCOUNT_FACTS, parse_flags
from callassist.core.problems import ContentError, Problem
from callassist.core.redact import display_url
from callassist.core.scorecard import ScoreLine, same_day_contacts, scorecard
from callassist.settings import Settings
from callassist.store import browse, claims, db, holds, ledger, queries, team
from callassist.store.drafts import Drafts
from callassist.store.events import ChainBreak, kept_offline
from callassist.store.models import Account as AccountRow
from callassist.store.models import Call as CallRow
from callassist.store.models import Review
from callassist.store.open_calls import Here, OpenCalls
from callassist.store.outbox import Batch, Outbox, OutboxError
from callassist.store.sql import Worklist

# How far back the contact rules look: a week, and a day for the debtors' zones.
CONTACT_LOOKBACK = timedelta(days=8)
# The next call's account when the list on screen has none left: the first still to be
# called of the best few now, tried again after these seconds while others hold them.
CLAIM_CANDIDATES = 20
CLAIM_WAITS = (0.05, 0.2)


@contextmanager
def database_errors(doing: str):
    """Database failures become StoreError: the interface says what failed, never a traceback."""
    try:
        yield
    except (SQLAlchemyError, OSError) as exc:
        raise StoreError(f"{doing}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@dataclass
class ActiveCall:
    """A call on screen: its id, the machine-driven Call and the account as it was loaded."""

    call_id: str
    call: Call
    snapshot: AccountSnapshot
    started_at: datetime
    resumed: bool = False
    drafts: dict[str, dict] = field(default_factory=dict)  # forms half filled in when the call stopped
    rehearsal: Rehearsal | None = None  # a practice call: the persona on the other end


@dataclass(frozen=True)
class StoredCall:
    call_id: str
    debtor: str
    collector: str
    started_at: datetime
    practice: bool
    events: list[Event]
    broken: ChainBreak | None  # where the stored events stop being what was written
    reviews: list[Review] = field(default_factory=list)
    same_day: tuple[int, int] | None = None  # earlier calls to the debtor that day: (conversations, unanswered)
    promise_now: tuple[str, date | None] | None = None  # the call's promise as the ledger holds it today


@dataclass
class Workspace:
    settings: Settings
    engine: Engine
    locale: str
    collector: str
    collector_id: int
    flow: LoadedFlow | None
    catalog: Catalog | None
    problems: list[Problem] = field(default_factory=list)
    clock: callable = utc_now
    personas: dict[str, Persona] = field(default_factory=dict)
    persona_problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.drafts = Drafts(self.settings.drafts_dir)
        self._content_lock = threading.Lock()
        self._content_loaded = False
        self.forbidden: ForbiddenLanguage | None = None  # the trainers' list, once the content has loaded (None: it does not parse)
        # Calls this workspace began: never offered to resume as left over, though the
        # list of unfinished calls may be read after the first of them began.
        self._begun: set[str] = set()
        # Where events wait while the database is out of reach (store/outbox.py), how many
        # events of each call on screen are stored, there or in the database, and where
        # the call's chain ends in the database when this program's last store put it there.
        self.outbox = Outbox(self.settings.data_dir / "outbox")
        # The calls this program has on screen, locked against another window's resuming them.
        self.open_calls = OpenCalls(self.settings.data_dir / "open")
        self.offline = False  # some events wait in the outbox
        self._stored_seq: dict[str, int] = {}
        self._chain_end: dict[str, tuple[int, str]] = {}
        self._flush_lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings, url: str, locale: str) -> Workspace:
        """Open the database (migrating it if needed); content loads later, see ensure_content.

        StoreError, with the URL and the reason, when the database cannot be opened.
        """
        engine = db.open_engine(url, settings.contact_rules.retention_years, settings.judge)
        with database_errors(f"cannot open the database {display_url(url)}"), db.session(engine) as session:
            member = team.identity(session)
            if member is not None:
                # A team's database says who this is and what they may do (store/team.py).
                settings = replace(settings, collector=member[0], role=member[1])
            collector = queries.collector_by_name(settings.collector, session=session, create=member is None)
            if collector is None:
                raise StoreError(f"{settings.collector} may log in to {display_url(url)} but is not in its team: a supervisor runs callassist db grant {settings.collector} --role {settings.role}")
            offset = team.clock_offset(session) if member is not None else None
        workspace = cls(settings, engine, locale, settings.collector, collector.id, None, None)
        if offset is not None:
            # The server stamps a team's events: the contact rules go by its clock, so a
            # desk whose clock is wrong neither dials out of hours nor blocks in hours.
            workspace.clock = lambda: utc_now() + offset
        # Events left waiting by a program that lost the database and then stopped: stored
        # before anything is read, so a call to resume is whole.
        workspace.flush_outbox()
        return workspace

    def ensure_content(self) -> list[Problem]:
        """Load and check the script and the catalog once; returns the problems found."""
        with self._content_lock:
            if not self._content_loaded:
                self._use(*load_content(self.settings))
            return self.problems

    def _use(self, flow: LoadedFlow | None, catalog: Catalog | None, problems: list[Problem]) -> None:
        self._content_loaded = True
        # Read here, in the worker that loads the content: the note forms check against it
        # on the UI thread, which must never wait for a file.
        self.forbidden = forbidden_list(self.settings.scripts_dir)[0]
        if not problems:
            self.flow, self.catalog = flow, catalog
            self.personas, self.persona_problems = load_personas(self.settings.objections_dir / PERSONAS_DIR, flow.flow, catalog)
        self.problems = problems

    def reload_content(self) -> list[Problem]:
        """Check the script and the catalog again, as edited. A version with problems is
        refused and the last good one stays in use (calls under way keep their own);
        returns the problems of the new version."""
        loaded = load_content(self.settings)
        with self._content_lock:
            self._use(*loaded)
        return self.problems

    @property
    def checkpoint_file(self):
        return self.settings.checkpoint_file(str(self.engine.url))

    def checkpoint(self, *, daily: bool):
        """Sign the log's head (audit checkpoint) with this desk's key, made (mode 0600) the
        first time, into its checkpoint file. With `daily`, only when none was taken today.
        None when there is nothing to sign, or this login may not (a team's collectors and
        trainers: the team's supervisors sign); LogRefused when the log no longer extends
        a checkpoint; CheckpointError for a key that cannot be used."""
        from callassist.core.checkpoints import own_key
        from callassist.store import auditlog

        if self.engine.dialect.name != "sqlite" and not self.viewer.reads_team:
            return None
        now = self.clock()
        with database_errors("cannot take a checkpoint of the log"), db.session(self.engine) as session:
            if daily and any(kept.taken_at.astimezone().date() == now.astimezone().date() for kept in auditlog.recorded_checkpoints(session=session)):
                return None
            return auditlog.take_checkpoint(own_key(self.settings.signing_key, make=True), self.collector, self.checkpoint_file, session=session, floor_years=max(db.retention_years(session), self.settings.contact_rules.retention_years), now=now)

    @property
    def viewer(self) -> Viewer:
        """Who runs the app, and so which stored calls they may read."""
        return Viewer(self.collector, self.settings.role)

    @property
    def fee_allowance(self) -> Decimal:
        return self.settings.promise_fee_allowance

    def worklist(self) -> Worklist:
        """The best calls now, after settling any account whose standing is stale (none
        for a trainer, who works with content and practice calls)."""
        if not self.viewer.sees_personal_data:
            return Worklist([], 0)
        now = self.clock()

        def read(session) -> Worklist:
            # The team's queue too: a call by anyone leaves its account's standing stale.
            owners = queries.worklist_owners(self.collector_id, session=session)
            if sum(ledger.refresh_standing(owner, today=now.date(), class_days=self.settings.class_days, session=session) for owner in owners):
                session.commit()
            listed = queries.worklist(self.collector_id, now, session=session, class_days=self.settings.class_days, window=self.settings.contact_rules.window)
            return replace(listed, held=queries.held_accounts(self.collector_id, session=session))

        # Collectors settling the same accounts of the queue at once may deadlock; one is run again.
        with database_errors("cannot read the worklist"):
            return db.run_retrying(self.engine, read)

    def follow_up_promises(self) -> dict[str, int]:
        """Judge every open promise as of today (start-up and on demand): how many became
        kept, partly kept and broken."""
        with database_errors("cannot evaluate promises"), db.session(self.engine) as session:
            counts = ledger.evaluate_promises(today=date.max, now=self.clock(), grace_days=self.settings.promise_grace_days, class_days=self.settings.class_days, session=session)
            session.commit()
        return counts

    def record_payment(self, account_id: int, amount: Decimal, paid_on: date, method: str, reference: str) -> dict[str, int]:
        """Store a payment typed in by the collector, matched to the account's open promises;
        how many promises it settled as kept, partly kept or broken."""
        with database_errors("cannot store the payment"), db.session(self.engine) as session:
            queries.check_account_access(account_id, self.viewer, self.collector_id, session=session)
            external = session.get(AccountRow, account_id).external_id
            payment = PaymentIn(0, f"entered-{uuid.uuid4()}", external, paid_on, amount, None, method, reference.strip())
            result = ledger.import_payments([payment], path="entered", source="entered", today=self.clock().date(), grace_days=self.settings.promise_grace_days, class_days=self.settings.class_days, session=session)
            session.commit()
        return result.details

    def unfinished(self) -> list[UnfinishedCall]:
        """The collector's calls left unfinished, by a crash or a closed terminal."""
        with database_errors("cannot read unfinished calls"), db.session(self.engine) as session:
            return [call for call in queries.unfinished_calls(self.collector_id, session=session) if call.call_id not in self._begun]

    def open_elsewhere(self, call_id: str) -> CallOpen | None:
        """Whether another program has this unfinished call on screen (see resume_call)."""
        here = self.open_calls.peek(call_id)
        if here is Here.OPEN:
            return CallOpen(call_id, same_desk=True)
        if here is Here.LEFT:
            return None
        with database_errors("cannot read the call's hold"), db.session(self.engine) as session:
            live = claims.live_hold(call_id, self.clock(), session=session)
        return CallOpen(call_id, False, *live) if live else None

    def _new_call(self, snapshot: AccountSnapshot, locale: str) -> Call:
        self.ensure_content()
        if self.flow is None or self.catalog is None:
            raise ContentError(self.problems)
        now = self.clock()
        context = build_context(snapshot, locale=locale, collector=self.collector, creditor=self.settings.creditor(locale), now=now, class_days=self.settings.class_days)
        return Call(self.flow, self.catalog, context, snapshot.money, clock=self.clock)

    def _contact_rules(self, snapshot: AccountSnapshot, now: datetime, session, excluding: str | None = None) -> ContactRules:
        """The rules in force for dialling this account, with the debtor's calls of the
        last days (a day more than the longest rule looks back)."""
        attempts = queries.contact_attempts(snapshot.account_id, now - CONTACT_LOOKBACK, session=session, excluding=excluding)
        return ContactRules(self.settings.contact_rules, snapshot.timezone, snapshot.account_id, snapshot.phone, tuple(attempts), snapshot.contact_stop, snapshot.holds, snapshot.debtor_kind)

    def begin_call(self, account_id: int) -> ActiveCall:
        """Open a call on an account, held for this call (AccountBusy if another open call
        holds it), and store its first events before anything is shown."""

        def attempt(session) -> ActiveCall:
            queries.check_account_access(account_id, self.viewer, self.collector_id, session=session)
            call_id = str(uuid.uuid4())
            claims.claim_account(account_id, self.collector_id, call_id, self.clock(), session=session)
            return self._open_call(account_id, call_id, session)

        with database_errors("cannot start the call"):
            return db.run_retrying(self.engine, attempt)

    def begin_next_call(self, listed: list[int] | None = None, listed_at: datetime | None = None) -> ActiveCall | None:
        """Open a call on the first account of the worklist that is still to be called
        (store/claims.py), claimed in the same transaction; None when there is none.

        `listed` is the worklist as read at `listed_at` (the one on screen): claiming from
        it is one statement. Once none of it is left, the worklist is read again."""
        if not self.viewer.sees_personal_data:
            return None

        def attempt(session) -> ActiveCall | None:
            call_id = str(uuid.uuid4())
            account_id = claims.claim_first(listed, self.collector_id, call_id, listed_at, session=session) if listed else None
            # None of the list is left: the best now, read again. Accounts another program is
            # writing that moment (settling their standing) are passed over, so a few tries.
            for wait in (0.0,) + CLAIM_WAITS:
                if account_id is not None:
                    break
                time.sleep(wait)
                now = self.clock()
                best = queries.next_calls(self.collector_id, now, session=session, class_days=self.settings.class_days, limit=CLAIM_CANDIDATES, window=self.settings.contact_rules.window)
                account_id = claims.claim_first([row.account_id for row in best], self.collector_id, call_id, now, session=session)
            return None if account_id is None else self._open_call(account_id, call_id, session)

        # Many collectors claiming at once can deadlock one another now and then; the
        # database undoes one of them, which is simply run again.
        with database_errors("cannot start the call"):
            return db.run_retrying(self.engine, attempt)

    def _open_call(self, account_id: int, call_id: str, session) -> ActiveCall:
        snapshot = queries.account_snapshot(account_id, session=session)
        call = self._new_call(snapshot, self.locale)
        self._begun.add(call_id)
        started = self.clock()
        call.contact_rules = self._contact_rules(snapshot, started, session)
        card = {"account_id": account_id, **snapshot.card(self.collector, started), "contact_rules": call.contact_rules.budget(started).as_payload()}
        row = CallRow(id=call_id, account_id=account_id, collector_id=self.collector_id, script=call.loaded.name, script_hash=call.loaded.content_hash, locale=self.locale, started_at=started, state=call.state)
        events = call.start(card)
        self._chain_end[call_id] = queries.start_call(row, events, session=session)
        self._stored_seq[call_id] = len(events)
        self.open_calls.hold(call_id)
        return ActiveCall(call_id, call, snapshot, started)

    def begin_practice(self, persona_id: str) -> ActiveCall:
        """A practice call against a persona, on the sample account that fits it (overdue,
        nothing due yet or a promise open; a company or a consumer, as its `account` says):
        stored, marked as practice, and tied to no real account."""
        persona = self.personas[persona_id]
        snapshot = sample_snapshot(standing=persona.account.standing, debtor=persona.account.debtor, now=self.clock())
        with database_errors("cannot start the practice call"), db.session(self.engine) as session:
            call = self._new_call(snapshot, self.locale)
            call_id = str(uuid.uuid4())
            started = self.clock()
            card = {"practice": True, "persona": persona_id, **snapshot.card(self.collector, started)}
            row = CallRow(id=call_id, account_id=None, collector_id=self.collector_id, script=call.loaded.name, script_hash=call.loaded.content_hash, locale=self.locale, started_at=started, state=call.state, practice=True, persona=persona_id)
            events = call.start(card)
            self._chain_end[call_id] = queries.start_call(row, events, session=session)
            self._stored_seq[call_id] = len(events)
        self.open_calls.hold(call_id)
        rehearsal = Rehearsal(persona, self.locale)
        rehearsal.observe(events)
        return ActiveCall(call_id, call, snapshot, started, rehearsal=rehearsal)

    def resume_call(self, call_id: str) -> ActiveCall:
        """Fold an unfinished call's stored events back into a Call, and note the resumption.
        CallOpen while another program has the call on screen: another window of this desk,
        or, until its account's hold lapses, a program elsewhere."""
        here = self.open_calls.hold(call_id)
        if here is Here.OPEN:
            raise CallOpen(call_id, same_desk=True)
        try:
            return self._resume(call_id, here)
        except BaseException:
            self.open_calls.release(call_id)
            raise

    def _resume(self, call_id: str, here: Here) -> ActiveCall:
        with database_errors("cannot resume the call"), db.session(self.engine) as session:
            row = session.get(CallRow, call_id)
            # A hold that is still live was left by a program of this desk that is gone (its
            # lock let go), or is kept by one on another desk.
            if here is Here.UNKNOWN and (live := claims.live_hold(call_id, self.clock(), session=session)):
                raise CallOpen(call_id, False, *live)
            claims.claim_account(row.account_id, self.collector_id, call_id, self.clock(), session=session)
            snapshot = queries.account_snapshot(row.account_id, session=session)
            events = queries.call_events(call_id, session=session)
            call = self._new_call(snapshot, row.locale)
            call.contact_rules = self._contact_rules(snapshot, self.clock(), session, excluding=call_id)
            try:
                call.resume(events)
            except (ValueError, KeyError, TypeError) as exc:  # steps the script in use does not have
                raise StoreError(f"call {call_id} cannot be resumed: its stored steps do not fit the script in use ({exc}); a supervisor can still replay it") from exc
            self._chain_end[call_id] = queries.append_events(call_id, [Event("call_resumed", {"state": call.state, "after_seq": len(events)}, call.clock())], session=session, after_seq=len(events))
            self._stored_seq[call_id] = len(events) + 1
        return ActiveCall(call_id, call, snapshot, row.started_at, resumed=True, drafts=self.drafts.load_all(call_id))

    def replay(self, call_id: str) -> StoredCall:
        """A stored call for replay: its events, checked against their hash chain first.
        When the chain is broken, only the events before the break are given. A trainer
        reads it without personal data.

        LookupError when there is no such call; AccessDenied for another collector's call."""
        with database_errors("cannot read the call"), db.session(self.engine) as session:
            row = session.get(CallRow, call_id)
            if row is None:
                raise LookupError(call_id)
            events = queries.readable_call(call_id, self.viewer, session=session)
            broken = queries.verify_call(call_id, session=session)
            reviews = queries.reviews(call_id, session=session)
            siblings = queries.sibling_events(call_id, session=session)
            promise_now = ledger.call_promise_status(call_id, session=session)
        if broken is not None:
            events = events[: broken.seq - 1]
        card = events[0].payload if events else {}
        same_day = same_day_contacts(events, siblings) if siblings is not None and events else None
        return StoredCall(call_id, card.get("debtor", ""), card.get("collector", ""), row.started_at, row.practice, events, broken, reviews, same_day, promise_now)

    def account_facts(self, account_id: int) -> frozenset[str]:
        """What the account records having been done (core/priority.py ACCOUNT_FACTS)."""
        with database_errors("cannot read the account"), db.session(self.engine) as session:
            queries.check_account_access(account_id, self.viewer, self.collector_id, session=session)
            return frozenset(flag for flag in parse_flags(session.get(AccountRow, account_id).flags) if flag in ACCOUNT_FACTS)

    def set_account_facts(self, account_id: int, facts: frozenset[str]) -> None:
        """Record what has been done on the account (a supervisor's); its warning signs stay."""
        if self.settings.role != SUPERVISOR:
            raise StoreError(f"only a supervisor records what has been done on an account; this session's role is {self.settings.role}")
        with database_errors("cannot store the account's facts"), db.session(self.engine) as session:
            account = session.get(AccountRow, account_id)
            signs = [flag for flag in parse_flags(account.flags) if flag not in ACCOUNT_FACTS]
            account.flags = ",".join(signs + [fact for fact in ACCOUNT_FACTS if fact in facts])
            session.add(account)
            session.commit()

    def holds_now(self, active: ActiveCall) -> tuple[Hold, ...]:
        """The holds in force on the call's account at this moment (another collector may
        have placed one since the call opened); the call's rules and card follow them."""
        with database_errors("cannot read the account's holds"), db.session(self.engine) as session:
            found = holds.holds_in_force(active.snapshot.account_id, session=session)
        if found != active.snapshot.holds:
            active.snapshot = replace(active.snapshot, holds=found)
            if active.call.contact_rules is not None:
                active.call.contact_rules = active.call.contact_rules._replace(holds=found)
        return found

    def release_holds(self, active: ActiveCall, reason: str) -> None:
        """A supervisor releases the holds that block the call's account (each stored with
        who, when and `reason`); the call may then be dialled."""
        if release_refused(active.snapshot.holds, active.call.dialled, self.settings.role) == "release_supervisor_only":
            raise StoreError(f"only a supervisor releases a hold; this session's role is {self.settings.role}")
        with database_errors("cannot release the hold"), db.session(self.engine) as session:
            for hold in active.snapshot.holds:
                holds.release_hold(hold.id, self.collector, reason, self.clock(), session=session)
            session.commit()
        active.snapshot = replace(active.snapshot, holds=())
        if active.call.contact_rules is not None:
            active.call.contact_rules = active.call.contact_rules._replace(holds=())

    def add_review(self, call_id: str, score: int, comment: str) -> list[Review]:
        """Store a supervisor's score (1-5) and comment, by whoever runs the app; the call's reviews."""
        with database_errors("cannot store the review"), db.session(self.engine) as session:
            queries.add_review(Review(call_id=call_id, reviewer=self.collector, score=score, comment=comment.strip(), created_at=self.clock()), session=session)
            return queries.reviews(call_id, session=session)

    def calls_count(self, wanted: CallFilter) -> int:
        """How many stored calls the login may read pass the calls browser's filters."""
        with database_errors("cannot read the calls"), db.session(self.engine) as session:
            return browse.count(session.connection(), wanted, self.viewer)

    def calls_page(self, wanted: CallFilter, offset: int, limit: int, total: int | None = None) -> list[CallSummary]:
        """One screen of the calls browser: the calls from `offset` on (store/browse.py)."""
        with database_errors("cannot read the calls"), db.session(self.engine) as session:
            return browse.page(session.connection(), wanted, self.viewer, offset, limit, total)

    def calls_position(self, wanted: CallFilter, call_id: str) -> int | None:
        """Where a call now is in the calls browser's list (store/browse.py position)."""
        with database_errors("cannot read the calls"), db.session(self.engine) as session:
            return browse.position(session.connection(), wanted, self.viewer, call_id)

    def call_collectors(self) -> list[str]:
        """The collectors whose calls the login may read, for the browser's filter."""
        with database_errors("cannot read the calls"), db.session(self.engine) as session:
            return browse.collectors(session.connection(), self.viewer)

    def figures_stamp(self) -> tuple:
        """A stamp that changes when the team's figures may have (store/browse.py figures_stamp)."""
        with database_errors("cannot read the calls"), db.session(self.engine) as session:
            return browse.figures_stamp(session.connection())

    def calls_stamp(self) -> tuple:
        """A stamp that changes when calls are stored, end or are purged (store/browse.py stamp)."""
        with database_errors("cannot read the calls"), db.session(self.engine) as session:
            return browse.stamp(session.connection())

    def excuse_names(self, locale: str) -> dict[str, str]:
        """The names of the six excuses and their cases' ladders in `locale` (empty until a catalog has loaded)."""
        return self.catalog.ladder_names(locale) if self.catalog else {}

    def calls_in_progress(self) -> list[tuple[str, str, str, str, datetime]]:
        """The team's calls on screen now: (call id, collector, debtor, step, started)."""
        with database_errors("cannot read the calls in progress"), db.session(self.engine) as session:
            return queries.calls_in_progress(self.clock(), self.viewer, session=session)

    def team_figures(self) -> Figures:
        """The figures of every real call, as of today."""
        with database_errors("cannot read the calls"), db.session(self.engine) as session:
            return figures_from(queries.team_totals(session=session, viewer=self.viewer, today=self.clock().date()))

    def scorecard(self, stored: StoredCall, locale: str) -> list[ScoreLine]:
        """The automatic scorecard of a stored call, against the script in use."""
        self.ensure_content()
        if self.flow is None:
            return []
        return scorecard(stored.events, self.flow.flow, locale, self.forbidden, stored.same_day, self.settings.contact_rules)

    def renew_claim(self, active: ActiveCall) -> str | None:
        """Keep holding the account of the call on screen; None while it is held, else who
        holds it now (the claim lapsed while this program could not renew it)."""
        with database_errors("cannot renew the call's hold on its account"), db.session(self.engine) as session:
            if claims.renew(active.call_id, self.clock(), session=session):
                session.commit()
                return None
            return claims.busy(active.snapshot.account_id, session=session).holder or "?"

    def store(self, call_id: str, events: list[Event]) -> bool:
        """Commit events durably: in the database, or, while it is out of reach, in the
        outbox on this computer, to be sent in order later (flush_outbox). True when they
        are in the database; StoreError if neither can take them now.

        Only once a form's event is stored is its draft discarded: until then the
        draft is the only copy of what was typed.
        """
        after = self._stored_seq[call_id]
        known = self._chain_end.pop(call_id, None)  # kept again only once these are in the database
        in_database = False
        if not self.outbox.has(call_id):  # else behind the events already waiting
            try:
                self._chain_end[call_id] = db.run_retrying(self.engine, lambda session: queries.append_events(call_id, events, session=session, after_seq=after, chain_end=known if known and known[0] == after else None, judge=self._judge(events)))
                in_database = True
            except (SQLAlchemyError, OSError) as exc:
                if not db.out_of_reach(exc):
                    raise StoreError(f"storing events: {_first_line(exc)}") from exc
        if not in_database:
            try:
                self.outbox.add(call_id, Batch(after, events))
            except OSError as exc:
                raise StoreError(f"the database is out of reach and the events cannot be kept on this computer either: {exc}") from exc
            self.offline = True
        self._stored_seq[call_id] = after + len(events)
        for event in events:
            form = DRAFTED_BY.get(event.kind)
            if form:
                self.drafts.discard(call_id, form)
            if event.kind == "call_ended":  # what was typed and never saved ends with the call
                self.drafts.discard_all(call_id)
                self.open_calls.release(call_id)
        return in_database

    def _judge(self, events: list[Event]) -> Judge:
        """What reads an ending call for its summary (core/figures.py Judge): nothing for
        events that do not end a call, or before the content has loaded."""
        if self.catalog is None or self.flow is None or not any(event.kind == "call_ended" for event in events):
            return Judge()
        return judge_of(self.flow.flow, self.catalog, self.forbidden, self.settings.contact_rules)

    def flush_outbox(self) -> int:
        """Send the events waiting in the outbox, each call's in order; how many were
        stored. StoreError while the database is still out of reach (those sent stay sent)."""
        sent = 0
        with self._flush_lock:
            for call_id in self.outbox.calls():
                done = 0
                try:
                    for batch in self.outbox.batches(call_id):
                        # Stored at the time it arrives, as a team's database stamps it (and
                        # as the log expects of what enters it after a checkpoint): when it
                        # happened is kept in the event.
                        arrived = self.clock()
                        events = [Event(event.kind, kept_offline(event.payload, event.at), arrived) for event in batch.events]
                        with database_errors("sending the events kept on this computer"):
                            db.run_retrying(self.engine, lambda session: queries.append_events(call_id, events, session=session, after_seq=batch.after_seq, judge=self._judge(events)))  # noqa: B023 (run at once)
                        done += 1
                        sent += len(batch.events)
                except OutboxError as exc:
                    raise StoreError(str(exc)) from exc
                finally:
                    if done:
                        self.outbox.sent(call_id, done)
            self.offline = bool(self.outbox.calls())
        return sent

    def note_warnings(self, text: str, locale: str) -> list[str]:
        """What in a note a collector must not write (the trainers' forbidden list), each
        with what to say instead; shown before the note is saved."""
        if self.forbidden is None:
            return []
        return [label("note_forbidden", locale, phrase=hit.phrase, what=label(f"forbidden_{hit.category}", locale), instead=label(f"forbidden_{hit.category}_instead", locale)) for hit in self.forbidden.find(text, locale)]

    def debtor_today(self, snapshot: AccountSnapshot) -> date:
        return snapshot.local_now(self.clock()).date()


def load_content(settings: Settings) -> tuple[LoadedFlow | None, Catalog | None, list[Problem]]:
    """Load the script and the catalog with every lint check; problems are returned, never
    raised, so the app can list them."""
    return check_content(settings.scripts_dir, settings.script, settings.objections_dir)
