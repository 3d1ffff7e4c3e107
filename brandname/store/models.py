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
    LargeBinary,
    MetaData,
    SmallInteger,
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
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # the sign-in generation: each session carries the value it was opened with, and the account
    # refuses every session of an older generation (sign-out, password change)
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # the second factor of a staff account (RFC 6238 TOTP, base32 secret) and the time step of the
    # last code it accepted: a code is good once, so a code seen over a shoulder cannot be replayed
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # who made the account and who last enabled it: dual control refuses a revocation decided by
    # the maker or enabler of the proposer's account (or the other way round)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    enabled_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # when the owner of the email proved it (the sign-up's link, an invitation's link); None: not
    # yet, and the account signs in but files nothing. Accounts made by the operator count as proved
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    # an applicant account's place in its holder: "admin" invites and removes members, "user"
    # files and follows the holder's applications; None once removed (holder_id is None too)
    org_role: Mapped[str | None] = mapped_column(String(20))

    holder: Mapped["Holder | None"] = relationship(foreign_keys=[holder_id])

    @property
    def is_staff(self):
        """Signs in at the officer console (casework or account administration)."""
        return self.role in self.STAFF_ROLES

    @property
    def does_casework(self):
        return self.role in self.CASEWORK_ROLES

    ORG_ROLES = ("admin", "user")

    @property
    def is_org_admin(self):
        return self.role == "applicant" and self.holder_id is not None and self.org_role == "admin"


class LoginThrottle(Base):
    """Failed sign-ins for one email from one client (a known device, or an address), and until
    when that client must wait. The row with client_key "*" counts the failures of every client
    that is not a known device, so the holder's own devices are never held up by strangers."""

    __tablename__ = "login_throttles"
    __table_args__ = (UniqueConstraint("email", "client_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    client_key: Mapped[str] = mapped_column(String(128))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime)


class PasswordReset(Base):
    """A "forgot password" link: only the SHA-256 of its token is kept; good once, until expires_at."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class EmailVerification(Base):
    """A sign-up's "confirm your email" link: only the SHA-256 of its token is kept; good once,
    until expires_at."""

    __tablename__ = "email_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class Invitation(Base):
    """An organization administrator's invitation of a person (by email) to file and follow the
    holder's applications: only the SHA-256 of its link's token is kept; good once, until
    expires_at, unless withdrawn first."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    org_role: Mapped[str] = mapped_column(String(20), default="user")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    # the account that joined through it
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)


class Holder(Base):
    """An organization or individual that holds (or asks for) sender names.

    Identified by kind + id_number: the enterprise code for organizations, the ID card or passport
    number for individuals. Details are updated when a certificate is issued from a Form 01
    received after the one they come from; each filing keeps its own details as filed.
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
    # when the Form 01 whose details the record carries was received: a certificate issued later
    # from an older filing does not bring its older details back
    details_received_at: Mapped[datetime | None] = mapped_column(DateTime)

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
    # the dossier code (mã hồ sơ) given at submission, rules/dossier_code.py
    code: Mapped[str] = mapped_column(String(20), unique=True, index=True)
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
    # an officer's open request for more documents (yêu cầu bổ sung hồ sơ): while it is open the
    # decision deadline stops; the applicant's answer closes it (lifecycle.supplement_documents)
    documents_requested_at: Mapped[datetime | None] = mapped_column(DateTime)
    documents_request: Mapped[str | None] = mapped_column(Text)

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
    # grounds a and đ (Art. 29(1)): the competent state agency and its document, as the notice prints them
    revocation_agency: Mapped[str | None] = mapped_column(String(300))
    revocation_document: Mapped[str | None] = mapped_column(String(100))
    revocation_document_date: Mapped[date | None] = mapped_column(Date)
    expired_at: Mapped[datetime | None] = mapped_column(DateTime)
    blocked_until: Mapped[date | None] = mapped_column(Date)
    released_at: Mapped[datetime | None] = mapped_column(DateTime)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    legacy_source: Mapped[str | None] = mapped_column(String(200))
    # "<salt>:<hmac>" hex: the keyed hash of an individual holder's ID number that carriers
    # compare against (brandname_carrier.rules.holder_check); None for an organization
    holder_check: Mapped[str | None] = mapped_column(String(100))
    # a renewal filed before expiry is undecided or awaits its fee: the name stays in force past
    # its last valid day until the renewal is issued, refused, withdrawn or lapses (Art. 28)
    renewal_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

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
    """A fee payment: the applicant records a reference, an officer confirms it, or refuses a
    wrongly recorded one with the reason the applicant reads."""

    __tablename__ = "payments"
    STATUSES = ("recorded", "confirmed", "refused")
    __table_args__ = (
        # One bank transfer pays one fee: a reference is recorded once among payments not refused.
        Index(
            "uq_payments_live_reference",
            "reference_key",
            unique=True,
            sqlite_where=text("status != 'refused'"),
            postgresql_where=text("status != 'refused'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    amount_vnd: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="recorded")
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # the reference as compared (upper case, no spaces): "ft 123" and "FT123" are one transfer
    reference_key: Mapped[str | None] = mapped_column(String(100))
    refused_at: Mapped[datetime | None] = mapped_column(DateTime)
    refused_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    refusal_reason: Mapped[str | None] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="payments")


class ChargeInvoice(Base):
    """The maintenance charge of one name for one period (Art. 23(8)); one per name and period,
    so a daily run repeated, or two racing, raise it once."""

    __tablename__ = "charge_invoices"
    STATUSES = ("open", "paid")
    __table_args__ = (UniqueConstraint("brandname_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brandname_id: Mapped[int] = mapped_column(ForeignKey("brandnames.id"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    amount_vnd: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)  # the schedule line's legal source
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    raised_at: Mapped[datetime] = mapped_column(DateTime)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime)

    brandname: Mapped["Brandname"] = relationship()
    payments: Mapped[list["ChargePayment"]] = relationship(
        back_populates="invoice", order_by="ChargePayment.id"
    )

    @property
    def number(self):
        """The invoice's number as the holder and the revocation evidence quote it."""
        return f"CP-{self.period_start.year}-{self.id:07d}"


class ChargePayment(Base):
    """A payment of a maintenance charge: the holder records a reference, an officer confirms it
    (or refuses it with a reason), as for fees."""

    __tablename__ = "charge_payments"
    STATUSES = ("recorded", "confirmed", "refused")

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("charge_invoices.id"), index=True)
    amount_vnd: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="recorded", index=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    refusal_reason: Mapped[str | None] = mapped_column(Text)

    invoice: Mapped[ChargeInvoice] = relationship(back_populates="payments")


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


# --- Transparency log (RFC 9162 Merkle tree over the events) ---


class LogEntry(Base):
    """Leaf `idx` of the public log: the published form of event seq idx + 1. Never changes."""

    __tablename__ = "log_entries"

    idx: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    entry: Mapped[bytes] = mapped_column(LargeBinary)


class LogNode(Base):
    """Hash of the complete subtree of 2**level leaves starting at leaf idx * 2**level
    (level 0: the leaf hashes). Written with the events, in their transaction."""

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


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


class ProtectedVariant(Base):
    """A look-alike variant of a name that its holder asked to protect: once an officer
    approves it, nobody else may register it and carriers treat names resembling it as
    impersonations of the holder's name, while that name lives."""

    __tablename__ = "protected_variants"
    STATUSES = ("requested", "approved", "rejected")

    id: Mapped[int] = mapped_column(primary_key=True)
    brandname_id: Mapped[int] = mapped_column(ForeignKey("brandnames.id"), index=True)
    name: Mapped[str] = mapped_column(String(20))
    name_normal: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(Text, default="")

    brandname: Mapped["Brandname"] = relationship()


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
    # what the mail carries, by reference ([{"kind": "certificate", "serial": ...}]): delivery
    # loads each file when it sends, so the table holds no megabytes
    attachments: Mapped[list | None] = mapped_column(JSON)


# --- Names from before the decree (Art. 36): the review queue ---


class LegacyBatch(Base):
    """One carrier list loaded by `import-legacy`; its rows wait in the review queue."""

    __tablename__ = "legacy_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    carrier: Mapped[str] = mapped_column(String(100), default="")
    file_date: Mapped[date] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    imported_by: Mapped[str] = mapped_column(String(254))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_refused: Mapped[int] = mapped_column(Integer, default=0)
    rows_warned: Mapped[int] = mapped_column(Integer, default=0)


class LegacyRow(Base):
    """One line of a carrier list: refused at import (with its reason), or pending until an
    officer recognizes or refuses it. A recognized row points at the name it became."""

    __tablename__ = "legacy_rows"
    __table_args__ = (UniqueConstraint("batch_id", "line", name="uq_legacy_rows_batch_id_line"),)
    STATUSES = ("pending", "recognized", "refused")

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("legacy_batches.id"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60), default="")
    name_normal: Mapped[str] = mapped_column(String(60), default="", index=True)
    confusable_key: Mapped[str] = mapped_column(String(80), default="", index=True)
    holder: Mapped[dict] = mapped_column(JSON)  # the holder's details as the carrier listed them
    holder_name: Mapped[str] = mapped_column(String(300), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    use_sms: Mapped[bool] = mapped_column(Boolean, default=True)
    use_voice: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from_filed: Mapped[date | None] = mapped_column(Date)
    valid_until_filed: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200), default="")
    extra: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # [{"code": "confusable", "with": "MEKONGGO", "where": "registry" | "file" | "queue", "line": n}]
    warnings: Mapped[list] = mapped_column(JSON)
    refusal_code: Mapped[str | None] = mapped_column(String(40))
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    # the recognized term: from the recognition date, at most 3 years (term_cut when shortened)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    term_cut: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    decided_by_label: Mapped[str | None] = mapped_column(String(254))
    brandname_id: Mapped[int | None] = mapped_column(ForeignKey("brandnames.id"))

    batch: Mapped[LegacyBatch] = relationship()
    brandname: Mapped["Brandname | None"] = relationship()


# --- The applicant's own working state: drafts and the in-portal notifications ---


class Draft(Base):
    """A Form 01 the applicant saved to finish later. Not an application: no dossier code, no
    receipt, no officer sees it. `form` holds what was typed, checked only for length
    ({"applicant": {...}, "names": [{...}], "commitments": bool}); files are never kept."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    form: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Notification(Base):
    """One mail an account received, as it reads it inside the portal: written with the mail
    (notifications/outbox.py), so the list and the mailbox never disagree. The body is kept
    with any one-time link taken out (a reset or verification link works from the mailbox only)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_account_id_read_at", "account_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    # the mail may be cleared from the outbox once sent; its notification stays
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    brandname_id: Mapped[int | None] = mapped_column(ForeignKey("brandnames.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)


# --- Periodic reports to the authority (Art. 30–31; Forms 04, 05, 06) ---


class ReportRequest(Base):
    """An officer's ad-hoc request that one holder or carrier report, by its own due date."""

    __tablename__ = "report_requests"
    STATUSES = ("open", "filed")

    id: Mapped[int] = mapped_column(primary_key=True)
    filer: Mapped[str] = mapped_column(String(10))  # holder | carrier
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("holders.id"), index=True)
    carrier_key_id: Mapped[int | None] = mapped_column(ForeignKey("carrier_keys.id"), index=True)
    form: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(Text)  # what the authority asks about, in its words
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    holder: Mapped["Holder | None"] = relationship()
    carrier: Mapped["CarrierKey | None"] = relationship()


class PeriodicReport(Base):
    """One report filed: for a period of the reporting calendar or for an ad-hoc request, either
    a signed form uploaded (the file under DATA_DIR/uploads) or the figures of the online form.
    One per filer, form and obligation, so a second filing of the same report is refused."""

    __tablename__ = "periodic_reports"
    __table_args__ = (UniqueConstraint("filer_key", "form", "obligation", name="uq_periodic_reports_filing"),)
    WAYS = ("online", "document")

    id: Mapped[int] = mapped_column(primary_key=True)
    filer: Mapped[str] = mapped_column(String(10))  # holder | carrier
    # "holder:<id>" or "carrier:<carrier key id>": one key for the uniqueness of a filing
    filer_key: Mapped[str] = mapped_column(String(40), index=True)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("holders.id"), index=True)
    carrier_key_id: Mapped[int | None] = mapped_column(ForeignKey("carrier_keys.id"), index=True)
    form: Mapped[str] = mapped_column(String(2))
    # "period:<label>" for the calendar's report, "request:<id>" for an ad-hoc one
    obligation: Mapped[str] = mapped_column(String(40))
    period_label: Mapped[str | None] = mapped_column(String(10), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("report_requests.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    way: Mapped[str] = mapped_column(String(10))
    figures: Mapped[dict | None] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text, default="")
    original_filename: Mapped[str | None] = mapped_column(String(255))
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(60))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    filed_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    filed_by_label: Mapped[str] = mapped_column(String(254))
    late: Mapped[bool] = mapped_column(Boolean, default=False)

    holder: Mapped["Holder | None"] = relationship()
    carrier: Mapped["CarrierKey | None"] = relationship()
    request: Mapped["ReportRequest | None"] = relationship()


class Claim(Base):
    """A business asks to take charge of a holder already in the registry (its names came from a
    paper filing or a legacy import, no portal account is linked to it). It proves control with a
    one-time code mailed to the email on the holder's record, or with an uploaded authorization an
    officer approves. Only a salted hash of the code is kept."""

    __tablename__ = "claims"
    # open: started, a code may be sent or tried; review: an authorization waits for an officer;
    # granted: the account now administers the holder; rejected: an officer refused it
    STATUSES = ("open", "review", "granted", "rejected")
    __table_args__ = (
        # one holder is claimed once: of two claims racing for it, the database lets one win
        Index(
            "uq_claims_granted_holder",
            "holder_id",
            unique=True,
            sqlite_where=text("status = 'granted'"),
            postgresql_where=text("status = 'granted'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # the live code: HMAC-SHA256 keyed with its own salt, until when it works, wrong tries so far
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_salt: Mapped[str | None] = mapped_column(String(32))
    code_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    code_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # when each code was sent (ISO times, the last hour's are enough for the resend limit)
    code_sends: Mapped[list] = mapped_column(JSON, default=list)
    # the uploaded authorization: original_filename, stored_name, content_type, size, sha256
    document: Mapped[dict | None] = mapped_column(JSON)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    # how it was granted: "code" or "authorization"
    method: Mapped[str | None] = mapped_column(String(20))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    holder: Mapped[Holder] = relationship()
    account: Mapped[Account] = relationship(foreign_keys=[account_id])
