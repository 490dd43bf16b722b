"""Case records: every table of the canonical extract (`extract-format.md`), and the derived milestones.

Field names are the extract's column names, and each keyed record's primary key is the source
system's own key, kept as given: a row read from a file and a row read from here (`.values()`) look
alike, references need no look-up, and `export` writes back exactly what `load` read. Every change
is recorded by django-simple-history (who, when, before and after). Write only through
`records.services`; read through `records.selectors`.
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from sendtrack.spreadsheets import schema

KEY_LENGTH = 64


def choices(codes: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(c, c) for c in codes]


class Record(models.Model):
    """Common to every case record: a version for optimistic concurrency and timestamps."""

    version = models.PositiveIntegerField(default=1, help_text="Incremented on every change (conflict detection).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class DataSource(models.Model):
    """The system of record feeding this database: set by the first load, checked by every later one."""

    source_system = models.CharField(max_length=100)
    la_code = models.CharField(max_length=3)
    first_loaded_at = models.DateTimeField(auto_now_add=True)
    latest_extract_date = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.source_system} (LA {self.la_code})"


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Caseworker(Record):
    caseworker_id = models.CharField(max_length=KEY_LENGTH, primary_key=True)
    name = models.CharField(max_length=200, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="caseworkers")
    fte = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    active = models.BooleanField(default=False)
    user = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="caseworker"
    )
    # App only, not an extract column (the extract's `active` is the source system's view): the day the
    # caseworker left. Their history stays; their open work shows as unallocated from this day.
    left_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.caseworker_id


class Person(Record):
    person_id = models.CharField(max_length=KEY_LENGTH, primary_key=True)
    upn = models.CharField(max_length=20, blank=True, null=True)
    uln = models.CharField(max_length=20, blank=True, null=True)
    upn_unknown = models.CharField(max_length=4, blank=True, null=True, choices=choices(schema.UPN_UNKNOWN_CODES))
    surname = models.CharField(max_length=100, blank=True, null=True)
    forename = models.CharField(max_length=100, blank=True, null=True)
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, blank=True, null=True, choices=choices(schema.SEX_CODES))
    ethnicity = models.CharField(max_length=4, blank=True, null=True, choices=choices(schema.ETHNICITY_CODES))
    postcode = models.CharField(max_length=10, blank=True, null=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["surname", "forename", "person_id"]
        indexes = [models.Index(fields=["upn"]), models.Index(fields=["uln"]), models.Index(fields=["birth_date"])]

    def __str__(self) -> str:
        return " ".join(p for p in (self.forename, self.surname) if p) or self.person_id


class Request(Record):
    """A request for an EHC needs assessment (SEN2 module 2). Named `Request` after the extract table;
    code speaks of it as `assessment_request` where an HTTP request is also in scope."""

    request_id = models.CharField(max_length=KEY_LENGTH, primary_key=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="requests")
    received_date = models.DateField()
    request_source = models.CharField(max_length=1, blank=True, null=True, choices=choices(schema.REQUEST_SOURCES))
    rya = models.BooleanField(default=False)
    request_outcome = models.CharField(max_length=1, blank=True, null=True, choices=choices(schema.REQUEST_OUTCOMES))
    request_outcome_date = models.DateField(null=True, blank=True)
    withdrawn_date = models.DateField(null=True, blank=True)
    decision_exception = models.CharField(
        max_length=30, blank=True, null=True, choices=choices(schema.EXCEPTION_GROUNDS)
    )
    request_mediation = models.BooleanField(default=False)
    request_tribunal = models.BooleanField(default=False)
    exported = models.BooleanField(default=False)
    caseworker = models.ForeignKey(Caseworker, null=True, blank=True, on_delete=models.PROTECT, related_name="requests")
    history = HistoricalRecords()

    class Meta:
        ordering = ["received_date", "request_id"]

    def __str__(self) -> str:
        return f"Request {self.request_id} received {self.received_date:%d %b %Y}"


class Assessment(Record):
    assessment_id = models.CharField(max_length=KEY_LENGTH, primary_key=True)
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="assessments")
    assessment_outcome = models.CharField(
        max_length=1, blank=True, null=True, choices=choices(schema.ASSESSMENT_OUTCOMES)
    )
    assessment_outcome_date = models.DateField(null=True, blank=True)
    draft_plan_date = models.DateField(null=True, blank=True)
    issue_decision_date = models.DateField(null=True, blank=True)
    week20_exception = models.BooleanField(default=False)
    exception_reason = models.CharField(max_length=30, blank=True, null=True, choices=choices(schema.EXCEPTION_GROUNDS))
    assessment_mediation = models.BooleanField(default=False)
    assessment_tribunal = models.BooleanField(default=False)
    other_mediation = models.BooleanField(default=False)
    other_tribunal = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment_id"]

    def __str__(self) -> str:
        return f"Assessment {self.assessment_id}"


class Advice(Record):
    advice_id = models.CharField(max_length=KEY_LENGTH, primary_key=True)
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="advice")
    advice_type = models.CharField(max_length=30, blank=True, null=True, choices=choices(schema.ADVICE_TYPES))
    requested_date = models.DateField(null=True, blank=True)
    received_date = models.DateField(null=True, blank=True)
    exception_reason = models.CharField(
        max_length=30, blank=True, null=True, choices=choices(schema.ADVICE_EXCEPTION_GROUNDS)
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["requested_date", "advice_id"]
        verbose_name_plural = "advice"

    def __str__(self) -> str:
        return f"Advice {self.advice_id} ({self.advice_type or 'type not recorded'})"


class Plan(Record):
    plan_id = models.CharField(max_length=KEY_LENGTH, primary_key=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="plans")
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="plans")
    start_date = models.DateField()
    transfer_la = models.CharField(max_length=3, blank=True, null=True)
    transfer_in_date = models.DateField(null=True, blank=True)
    last_review_before_transfer = models.DateField(null=True, blank=True)
    cease_date = models.DateField(null=True, blank=True)
    cease_reason = models.CharField(max_length=1, blank=True, null=True, choices=choices(schema.CEASE_REASONS))
    caseworker = models.ForeignKey(Caseworker, null=True, blank=True, on_delete=models.PROTECT, related_name="plans")
    history = HistoricalRecords()

    class Meta:
        ordering = ["start_date", "plan_id"]

    def __str__(self) -> str:
        return f"EHC plan {self.plan_id}"


class Placement(Record):
    """A setting named in the plan (section I) or attended. Key: plan, kind, rank, entry date."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="placements")
    kind = models.CharField(max_length=8, choices=choices(schema.PLACEMENT_KINDS))
    urn = models.CharField(max_length=10, blank=True, null=True)
    ukprn = models.CharField(max_length=10, blank=True, null=True)
    sen_setting = models.CharField(max_length=4, blank=True, null=True, choices=choices(schema.SEN_SETTINGS))
    placement_rank = models.CharField(max_length=1, choices=choices(schema.RANKS))
    sen_unit = models.BooleanField(default=False)
    resourced_provision = models.BooleanField(default=False)
    entry_date = models.DateField(null=True, blank=True)
    leaving_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan_id", "kind", "placement_rank", "entry_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "kind", "placement_rank", "entry_date"], name="placement_natural_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind.capitalize()} placement (rank {self.placement_rank}) of plan {self.plan_id}"


class Need(Record):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="needs")
    sen_type = models.CharField(max_length=4, blank=True, null=True, choices=choices(schema.SEN_TYPES))
    sen_type_rank = models.CharField(max_length=1, choices=choices(schema.RANKS))
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan_id", "sen_type_rank"]
        constraints = [models.UniqueConstraint(fields=["plan", "sen_type_rank"], name="need_natural_key")]

    def __str__(self) -> str:
        return f"Need {self.sen_type or 'not recorded'} (rank {self.sen_type_rank}) of plan {self.plan_id}"


class Review(Record):
    review_id = models.CharField(max_length=KEY_LENGTH, primary_key=True)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="reviews")
    meeting_date = models.DateField(null=True, blank=True)
    decision_date = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=1, blank=True, null=True, choices=choices(schema.REVIEW_OUTCOMES))
    amendment_notice_date = models.DateField(null=True, blank=True)
    amended_plan_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting_date", "review_id"]

    def __str__(self) -> str:
        return f"Review {self.review_id}"


class PhaseTransfer(Record):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="phase_transfers")
    transfer_date = models.DateField()
    transfer_kind = models.CharField(max_length=6, choices=choices(schema.TRANSFER_KINDS))
    final_plan_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan_id", "transfer_date"]
        constraints = [models.UniqueConstraint(fields=["plan", "transfer_date"], name="phase_transfer_natural_key")]

    def __str__(self) -> str:
        return f"Phase transfer of plan {self.plan_id} on {self.transfer_date:%d %b %Y}"


class Milestone(models.Model):
    """A derived row: one statutory duty on one case (`timescales.md`, "Storing milestones").

    Rebuilt by `records.services` in the same transaction as every write to the case, and in bulk by
    `sendtrack rebuild-milestones`. Status is never stored: `records.selectors` computes it from the
    row and an as-of date, in SQL for lists.
    """

    # Derived rows, rebuilt with their case in one transaction: no database-level foreign keys (they
    # doubled the cost of a rebuild); the ORM still cascades deletes.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="milestones", db_constraint=False)
    record_type = models.CharField(max_length=20)
    record_id = models.CharField(max_length=KEY_LENGTH)
    kind = models.CharField(max_length=30)
    rule = models.CharField(max_length=10)
    start_date = models.DateField()
    due_date = models.DateField()
    done_date = models.DateField(null=True, blank=True)
    exception = models.BooleanField(default=False)
    exists_from = models.DateField()
    exists_until = models.DateField(null=True, blank=True)
    lapses_on = models.DateField(null=True, blank=True)
    start_event = models.CharField(max_length=30)
    seq = models.PositiveIntegerField(default=0)
    # The records that decide the owner: the request's caseworker, or the plan's.
    # Indexed with the done date (below): a worklist reads a team's undone duties through these.
    request = models.ForeignKey(
        Request,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="milestones",
        db_constraint=False,
        db_index=False,
    )
    plan = models.ForeignKey(
        Plan,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="milestones",
        db_constraint=False,
        db_index=False,
    )
    # Who owns the duty (`timescales.md`, "Who owns a milestone"): the request's caseworker, else the plan's,
    # copied onto the row when it is built. Every write to a request or a plan rebuilds its case's milestones
    # in the same transaction (reallocation included), so the copy never falls behind its record; a test
    # holds every stored row to the join it replaces. Stored so that a team's worklist finds its undone
    # duties through one index (owner, done date) instead of joining every milestone to its record.
    owner = models.ForeignKey(
        Caseworker,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,  # a caseworker who holds a request or a plan cannot be deleted (PROTECT)
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["due_date"]),
            models.Index(fields=["kind", "due_date"]),
            models.Index(fields=["request", "done_date"]),
            models.Index(fields=["plan", "done_date"]),
            models.Index(fields=["owner", "done_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.record_type} {self.record_id} due {self.due_date:%d %b %Y}"


class Finding(models.Model):
    """A data-quality finding (`data-quality.md`) stored with its owner and its life: first seen, resolved.

    Kept beside the records it is about (not in the `quality` app) so that every app that shows a figure
    can read data confidence through `records.selectors` without depending on the quality app. The
    quality app runs the rules and writes these rows through `records` services.
    """

    code = models.CharField(max_length=10)
    severity = models.CharField(max_length=10)
    table = models.CharField(max_length=20)
    record_id = models.CharField(max_length=200)
    fields = models.CharField(max_length=300, blank=True)
    message = models.TextField()
    person_id = models.CharField(max_length=KEY_LENGTH, blank=True, null=True)
    caseworker_id = models.CharField(max_length=KEY_LENGTH, blank=True, null=True)
    team = models.CharField(max_length=100, blank=True, null=True)
    first_seen = models.DateField()
    last_seen = models.DateField()
    resolved_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["code", "table", "record_id"]
        indexes = [
            models.Index(fields=["table", "record_id"]),
            models.Index(fields=["person_id"]),
            models.Index(fields=["caseworker_id"]),
            models.Index(fields=["resolved_on", "severity"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} on {self.table} {self.record_id}"


# --- added by the case-work issue (web forms): not part of the extract format ---------------------------


class KeySequence(models.Model):
    """The last number handed out for one prefix of web-made keys (`WEB-REQ-000123`).

    Records typed in the web app need keys like those a source system makes; `casework.key_allocate`
    takes the next number under a row lock and skips any key already in use (for example, one that
    came back in through an export and a reload).
    """

    prefix = models.CharField(max_length=20, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix} (last {self.last})"


class StatutoryException(models.Model):
    """An exception to a statutory time limit, with its legal ground and dates (`timescales.md`, "Exceptions").

    The extract carries only the ground (and, for assessments, the `week20_exception` flag), which is
    what moves a late milestone to `done_late_exception`. The dates the circumstance began and ended,
    and a note of what happened, are what an auditor or a tribunal asks for, so they are kept here beside
    the record. An exception never moves a due date.
    """

    table = models.CharField(max_length=20, help_text="requests, assessments or advice")
    record_id = models.CharField(max_length=KEY_LENGTH)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="statutory_exceptions")
    ground = models.CharField(max_length=30)
    begins_on = models.DateField(help_text="The day the circumstance began")
    ends_on = models.DateField(null=True, blank=True, help_text="The day it ended; blank if it continues")
    detail = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["begins_on", "id"]
        indexes = [models.Index(fields=["table", "record_id"])]

    def __str__(self) -> str:
        return f"Exception ({self.ground}) on {self.table} {self.record_id} from {self.begins_on:%d %b %Y}"


class PersonPageView(models.Model):
    """Who read which child's records, and when: the read log an auditor reviews.

    Written on every person page and record-history page a user opens. The username is copied so the
    log still reads correctly if the account is later renamed; users are never deleted.
    """

    user = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150)
    person_id = models.CharField(max_length=KEY_LENGTH)
    page = models.CharField(max_length=20, help_text="person or history")
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-viewed_at", "-id"]
        indexes = [models.Index(fields=["person_id", "viewed_at"]), models.Index(fields=["viewed_at"])]

    def __str__(self) -> str:
        return f"{self.username} read {self.person_id} ({self.page}) at {self.viewed_at:%d %b %Y %H:%M}"


# --- added by the running-the-service issue: merging duplicate people, the export log, leaving dates -------


class PersonMerge(models.Model):
    """Two records of one child made one (`records.merge.person_merge`), kept so the merge can be undone.

    Holds everything the undo needs: the field choices, the survivor's values before, the merged-away
    person's whole row, and the keys of what moved. Keys are kept as text (not foreign keys) so that no
    later load or merge is blocked by this record.
    """

    survivor_id = models.CharField(max_length=KEY_LENGTH, db_index=True)
    merged_id = models.CharField(max_length=KEY_LENGTH, db_index=True)
    choices = models.JSONField(default=dict, help_text="field -> 'survivor' or 'merged'")
    survivor_before = models.JSONField(default=dict, help_text="The survivor's person row before the merge")
    merged_row = models.JSONField(default=dict, help_text="The merged-away person's row, to recreate it on undo")
    moved = models.JSONField(default=dict, help_text="table -> keys of the records moved to the survivor")
    note = models.TextField(blank=True, help_text="Why the two records are the same child")
    by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(max_length=150)
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    undone_by_name = models.CharField(max_length=150, blank=True)
    undo_notes = models.JSONField(default=list, blank=True, help_text="What the undo could not put back, and why")

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"Merge {self.pk}: {self.merged_id} into {self.survivor_id}"


class PersonAlias(models.Model):
    """A merged-away person key and the survivor it now means: a later extract that still carries the key
    is loaded against the survivor (`records.merge.extract_aliases_apply`)."""

    merged_id = models.CharField(max_length=KEY_LENGTH, unique=True)
    survivor_id = models.CharField(max_length=KEY_LENGTH, db_index=True)
    merge = models.ForeignKey(PersonMerge, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        ordering = ["merged_id"]
        verbose_name_plural = "person aliases"

    def __str__(self) -> str:
        return f"{self.merged_id} -> {self.survivor_id}"


class ExportLog(models.Model):
    """Every export and download of data: who, when, what, how many rows, with which filters.

    Written through `records.audit.export_log_record` by every app that lets data leave the service
    (worklists, tracker, quality, reconciliation, the audit viewer's own CSVs), and read by the auditor.
    """

    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150)
    what = models.CharField(max_length=200)
    rows = models.PositiveIntegerField()
    filters = models.JSONField(default=dict, blank=True)
    exported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-exported_at", "-id"]
        indexes = [models.Index(fields=["exported_at"]), models.Index(fields=["username", "exported_at"])]

    def __str__(self) -> str:
        return f"{self.username} exported {self.what} ({self.rows} rows) at {self.exported_at:%d %b %Y %H:%M}"
