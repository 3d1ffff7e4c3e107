"""Tables of the registry. Plain SQLAlchemy: no Flask here, so services and tools can use it alone."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from brandname.rules import names as name_rules

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BigInteger is not an autoincrementing rowid on SQLite; this keeps both backends happy.
BigId = BigInteger().with_variant(Integer, "sqlite")


def _key_from_name(fold):
    """A column default that folds the row's own name, for inserts that do not give the key."""

    def default(context):
        return fold(context.get_current_parameters()["name"])

    return default


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Account(Base):
    """A person who signs in: an applicant (holder's user), an officer, a supervisor, or an
    administrator (who makes and enables staff accounts and does no casework)."""

    __tablename__ = "accounts"
    ROLES = ("applicant", "officer", "supervisor", "admin")
    # the roles that sign in at the officer console; only the first two do casework
    CASEWORK_ROLES = ("officer", "supervisor")
    STAFF_ROLES = (*CASEWORK_ROLES, "admin")

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="applicant")
    full_name: Mapped[str] = mapped_column(String(200), default="")
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("holders.id"))
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # who made the account and who last enabled it: dual control refuses a revocation decided by
    # the maker or enabler of the proposer's account (or the other way round)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    enabled_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    holder: Mapped["Holder | None"] = relationship()

    @property
    def is_staff(self):
        """Signs in at the officer console (casework or account administration)."""
        return self.role in self.STAFF_ROLES

    @property
    def does_casework(self):
        return self.role in self.CASEWORK_ROLES


class Holder(Base):
    """An organization or individual that holds (or asks for) sender names.

    Identified by kind + id_number: the enterprise code for organizations, the ID card or passport
    number for individuals. Details are updated when a certificate is issued from a newer Form 01.
    """

    __tablename__ = "holders"
    __table_args__ = (UniqueConstraint("kind", "id_number", name="uq_holders_kind_id_number"),)
    KINDS = ("organization", "individual")

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    # the name folded for search (no diacritics, lower case), kept in step with `name`
    name_folded: Mapped[str] = mapped_column(String(300), default="", server_default="")
    id_number: Mapped[str] = mapped_column(String(40))
    tax_code: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(500), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    legal_representative: Mapped[str | None] = mapped_column(String(200))
    contact_person: Mapped[str | None] = mapped_column(String(200))
    business_registration: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    def public_id_number(self):
        """Individuals' ID numbers are personal data and never leave the registry."""
        return self.id_number if self.kind == "organization" else None


@event.listens_for(Holder, "before_insert")
@event.listens_for(Holder, "before_update")
def _fold_holder_name(mapper, connection, holder):
    from brandname.rules.text import fold

    holder.name_folded = fold(holder.name)


class Application(Base):
    """A Form 01 filing: issue of new names, or reissue / renewal of one held name."""

    __tablename__ = "applications"
    KINDS = ("issue", "reissue", "renewal")
    STATUSES = ("submitted", "approved", "rejected", "withdrawn", "lapsed", "issued")

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="submitted", index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    # use_alter breaks the applications <-> brandnames cycle when the schema is created.
    brandname_id: Mapped[int | None] = mapped_column(
        ForeignKey("brandnames.id", use_alter=True, name="fk_applications_brandname_id_brandnames")
    )
    resubmission_of_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    applicant: Mapped[dict] = mapped_column(JSON)  # Form 01 applicant section, as filed
    reissue_reason: Mapped[str | None] = mapped_column(String(40))
    commitments_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    decision_due_at: Mapped[datetime] = mapped_column(DateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    reasons: Mapped[str | None] = mapped_column(Text)
    fee_vnd: Mapped[int | None] = mapped_column(Integer)
    fee_source: Mapped[str | None] = mapped_column(String(300))
    payment_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # the officer who holds the dossier ("nhận xử lý"), and since when
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime)
    # filed on paper: received_at is the real receipt time, entered later by an officer
    on_paper: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    holder: Mapped[Holder] = relationship()
    assigned_to: Mapped["Account | None"] = relationship(foreign_keys=[assigned_to_id])
    names: Mapped[list["RequestedName"]] = relationship(
        back_populates="application", order_by="RequestedName.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list["Payment"]] = relationship(back_populates="application", order_by="Payment.id")
    brandname: Mapped["Brandname | None"] = relationship(foreign_keys=[brandname_id])


class RequestedName(Base):
    """One name inside an application, with its own purpose (Form 01, section II)."""

    __tablename__ = "requested_names"
    STATUSES = ("pending", "approved", "rejected", "withdrawn", "lapsed", "issued")

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    name: Mapped[str] = mapped_column(String(11))
    name_normal: Mapped[str] = mapped_column(String(11), index=True)
    # what a reader could mistake for the name, by sight or by sound (rules/names.py)
    confusable_key: Mapped[str] = mapped_column(
        String(40), index=True, default=_key_from_name(name_rules.confusable_key)
    )
    # by sight only: kept apart because a Q that looks like O cannot also sound like K
    lookalike_key: Mapped[str] = mapped_column(
        String(40), index=True, default=_key_from_name(name_rules.lookalike_key)
    )
    purpose: Mapped[str] = mapped_column(Text)
    use_sms: Mapped[bool] = mapped_column(Boolean, default=True)
    use_voice: Mapped[bool] = mapped_column(Boolean, default=False)
    products: Mapped[str] = mapped_column(Text, default="")
    sectors: Mapped[str] = mapped_column(Text, default="")
    carriers: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    brandname_id: Mapped[int | None] = mapped_column(ForeignKey("brandnames.id"))

    application: Mapped[Application] = relationship(back_populates="names")

    @property
    def forms_of_use(self):
        return [f for f, on in (("sms", self.use_sms), ("voice", self.use_voice)) if on]


class Brandname(Base):
    """A sender name in the registry, from reservation at approval until its release."""

    __tablename__ = "brandnames"
    STATUSES = ("reserved", "active", "expired", "revoked", "released")
    LIVE = ("reserved", "active", "expired", "revoked")
    __table_args__ = (
        # One holder per name: the normal form is unique among rows that are not released.
        Index(
            "uq_brandnames_live_name",
            "name_normal",
            unique=True,
            sqlite_where=text("status != 'released'"),
            postgresql_where=text("status != 'released'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(11))
    # collation "C" on PostgreSQL: byte order, so LIKE 'ABC%' uses the btree (search.py)
    name_normal: Mapped[str] = mapped_column(
        String(11).with_variant(String(11, collation="C"), "postgresql"), index=True
    )
    # what a reader could mistake for the name, by sight or by sound (rules/names.py)
    confusable_key: Mapped[str] = mapped_column(
        String(40), index=True, default=_key_from_name(name_rules.confusable_key)
    )
    # by sight only: kept apart because a Q that looks like O cannot also sound like K
    lookalike_key: Mapped[str] = mapped_column(
        String(40), index=True, default=_key_from_name(name_rules.lookalike_key)
    )
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    use_sms: Mapped[bool] = mapped_column(Boolean, default=True)
    use_voice: Mapped[bool] = mapped_column(Boolean, default=False)
    purpose: Mapped[str] = mapped_column(Text, default="")
    reserved_at: Mapped[datetime] = mapped_column(DateTime)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revocation_ground: Mapped[str | None] = mapped_column(String(30))
    revocation_note: Mapped[str | None] = mapped_column(Text)
    expired_at: Mapped[datetime | None] = mapped_column(DateTime)
    blocked_until: Mapped[date | None] = mapped_column(Date)
    released_at: Mapped[datetime | None] = mapped_column(DateTime)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    legacy_source: Mapped[str | None] = mapped_column(String(200))
    # "<salt>:<hmac>" hex: the keyed hash of an individual holder's ID number that carriers
    # compare against (brandname_carrier.rules.holder_check); None for an organization
    holder_check: Mapped[str | None] = mapped_column(String(100))

    holder: Mapped[Holder] = relationship()
    certificates: Mapped[list["Certificate"]] = relationship(
        back_populates="brandname", order_by="Certificate.id"
    )

    @property
    def current_certificate(self):
        for cert in reversed(self.certificates):
            if cert.status == "current":
                return cert
        return None


def _new_verification_code():
    from brandname.rules.privacy import new_verification_code

    return new_verification_code()


class Certificate(Base):
    """One issued certificate: a signed canonical record. Each issue, reissue or renewal adds one."""

    __tablename__ = "certificates"
    KINDS = ("issue", "reissue", "renewal", "legacy")
    STATUSES = ("current", "superseded")

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    brandname_id: Mapped[int] = mapped_column(ForeignKey("brandnames.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="current")
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    previous_serial: Mapped[str | None] = mapped_column(String(40))
    superseded_by_serial: Mapped[str | None] = mapped_column(String(40))
    record: Mapped[str] = mapped_column(Text)  # canonical JSON, exactly the signed bytes
    signature: Mapped[str] = mapped_column(Text)  # compact JWS (ES256) over `record`
    kid: Mapped[str] = mapped_column(String(64))
    # printed next to the serial and in the QR code; the public page of the certificate opens
    # only with it, so serials (sequential) cannot be walked. Not part of the signed record.
    verification_code: Mapped[str] = mapped_column(String(16), default=_new_verification_code)

    brandname: Mapped[Brandname] = relationship(back_populates="certificates")


class Payment(Base):
    """A fee payment: the applicant records a reference, an officer confirms it."""

    __tablename__ = "payments"
    STATUSES = ("recorded", "confirmed", "refused")

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    amount_vnd: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="recorded")
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    application: Mapped[Application] = relationship(back_populates="payments")


class Authorization(Base):
    """A party the holder allows to send under a name (Art. 23.6), e.g. an agency or aggregator."""

    __tablename__ = "authorizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    brandname_id: Mapped[int] = mapped_column(ForeignKey("brandnames.id"), index=True)
    party_id_number: Mapped[str] = mapped_column(String(40))
    party_name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)


class RevocationProposal(Base):
    """Grounds a, b and đ need two officers: one proposes, a supervisor confirms or declines."""

    __tablename__ = "revocation_proposals"
    STATUSES = ("proposed", "confirmed", "declined")

    id: Mapped[int] = mapped_column(primary_key=True)
    brandname_id: Mapped[int] = mapped_column(ForeignKey("brandnames.id"), index=True)
    ground: Mapped[str] = mapped_column(String(30))
    evidence: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    brandname: Mapped[Brandname] = relationship()


class Counter(Base):
    """Gap-free counters (event sequence, certificate serials), incremented under a row lock."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigId, default=0)


class Event(Base):
    """The append-only log: one row per act, never updated or deleted."""

    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_kind: Mapped[str] = mapped_column(
        String(20)
    )  # system, operator, officer, supervisor, admin, applicant, carrier
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(254))
    act: Mapped[str] = mapped_column(String(40), index=True)
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    name_normal: Mapped[str | None] = mapped_column(String(11), index=True)
    application_id: Mapped[int | None] = mapped_column(Integer, index=True)
    details: Mapped[dict] = mapped_column(JSON)


class WatchEntry(Base):
    """A name the registry watches for impersonation: a state body, bank or carrier, a name its
    holder asked to protect, or a sensitive or offensive word (written without diacritics)."""

    __tablename__ = "watch_entries"
    CATEGORIES = ("state", "bank", "carrier", "protected", "sensitive")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    name_normal: Mapped[str] = mapped_column(String(40), unique=True)
    confusable_key: Mapped[str] = mapped_column(String(60), index=True)
    lookalike_key: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(20), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


# --- Carrier verification ---


class CarrierKey(Base):
    """A carrier's API key. Only the SHA-256 of the key is kept; the key is shown once."""

    __tablename__ = "carrier_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(20))  # shown in lists and logs, not secret
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the whole key
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


# --- Production footing: search indexes ---

from sqlalchemy import event as _sa_event  # noqa: E402

# Substring search: a pg_trgm GIN index on PostgreSQL (migration 0004 creates the extension).
# On SQLite the index is deliberately empty (WHERE 0): SQLite has no trigram index, and keeping
# the same index name on both backends keeps the schema comparison of migrations and models clean.
Index(
    "ix_brandnames_name_normal_trgm",
    Brandname.name_normal,
    postgresql_using="gin",
    postgresql_ops={"name_normal": "gin_trgm_ops"},
    sqlite_where=text("0"),
)


# Substring search on SQLite: an FTS5 trigram index over brandnames.name_normal (external
# content, kept in step by triggers). Not a SQLAlchemy table: migration 0004 and the
# after_create hook below make it, and alembic_include_name keeps autogenerate away from it.
SQLITE_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS brandnames_fts USING fts5("
    "name_normal, content='brandnames', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS brandnames_fts_ai AFTER INSERT ON brandnames BEGIN "
    "INSERT INTO brandnames_fts(rowid, name_normal) VALUES (new.id, new.name_normal); END",
    "CREATE TRIGGER IF NOT EXISTS brandnames_fts_ad AFTER DELETE ON brandnames BEGIN "
    "INSERT INTO brandnames_fts(brandnames_fts, rowid, name_normal) VALUES ('delete', old.id, old.name_normal); END",
    "CREATE TRIGGER IF NOT EXISTS brandnames_fts_au AFTER UPDATE OF name_normal ON brandnames BEGIN "
    "INSERT INTO brandnames_fts(brandnames_fts, rowid, name_normal) VALUES ('delete', old.id, old.name_normal); "
    "INSERT INTO brandnames_fts(rowid, name_normal) VALUES (new.id, new.name_normal); END",
)


def alembic_include_name(name, type_, parent_names):
    """Autogenerate ignores the SQLite search index (brandnames_fts and its shadow tables)."""
    return not (type_ == "table" and name.startswith("brandnames_fts"))


@_sa_event.listens_for(Base.metadata, "before_create")
def _pg_trgm_extension(target, connection, **kw):
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")


@_sa_event.listens_for(Base.metadata, "after_create")
def _sqlite_search_index(target, connection, **kw):
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_SEARCH_DDL:
            connection.exec_driver_sql(statement)


@_sa_event.listens_for(Base.metadata, "before_drop")
def _drop_sqlite_search_index(target, connection, **kw):
    if connection.dialect.name == "sqlite":
        for trigger in ("brandnames_fts_ai", "brandnames_fts_ad", "brandnames_fts_au"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        connection.exec_driver_sql("DROP TABLE IF EXISTS brandnames_fts")


# --- Web portals for applicants, officers and the public ---


class Document(Base):
    """A dossier document uploaded with an application; the bytes live under DATA_DIR/uploads."""

    __tablename__ = "documents"
    KINDS = (
        "enterprise_registration",
        "id_document",
        "trademark",
        "authorization_letter",
        "business_registration",
        "other",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    original_filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(60))  # detected from the magic bytes
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    application: Mapped[Application] = relationship()


class Outbox(Base):
    """A notification waiting to be mailed (or already mailed). Written in the transaction of the
    act whose event it announces (`event_seq`; none for reminders); `key` makes each fact's mail unique."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    event_seq: Mapped[int | None] = mapped_column(Integer, index=True)
