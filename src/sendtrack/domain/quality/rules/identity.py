"""Identity rules (DQ1xx): who the person is.

A person whose identifiers are wrong cannot be matched to the school census, to another council's
records or to last year's return, and DfE's COLLECT rejects a SEN2 person without a UPN, a ULN or a
reason neither is known.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sendtrack.domain.names import normalise_name
from sendtrack.domain.quality.dataset import Dataset
from sendtrack.domain.quality.engine import Context, Hit, Scope, Severity, rule
from sendtrack.domain.quality.identifiers import is_valid_postcode, is_valid_uln, is_valid_upn
from sendtrack.domain.quality.values import Row, age_on, date_of, text_of

#: The widest age range a person in an EHC process can have: 0 to 25 (SEND Code of Practice: 0 to 25 years).
MIN_AGE = 0
MAX_AGE = 25


@rule(
    "DQ101",
    Severity.ERROR,
    title="UPN malformed",
    reference="DfE UPN guidance (check letter, modulus 23); SEN2 person module: UPN",
    message=(
        "The UPN is not a valid Unique Pupil Number: it must be 13 characters, a check letter followed by "
        "12 digits (or 11 digits and a letter for a temporary UPN), and the check letter must match the "
        "DfE algorithm. Copy the UPN again from the school census or the school; if it is not known, "
        "blank it and record a UPN-unknown reason."
    ),
    table="people",
    fields=("upn",),
)
def dq101_upn_malformed(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for person in ds.rows("people"):
        upn = text_of(person, "upn")
        if upn is not None and not is_valid_upn(upn):
            yield Hit("people", person, ("upn",))


@rule(
    "DQ102",
    Severity.ERROR,
    title="No UPN, ULN or UPN-unknown reason",
    reference="SEN2 guide: every person has a UPN, a ULN or a UPNunknown reason (sen2-schema.md G-03)",
    message=(
        "The person has no UPN, no ULN and no reason why neither is known. Record the UPN (or, for a "
        "young person past school, the ULN); if neither can be found, record the UPN-unknown code that "
        "says why (UN1 to UN10)."
    ),
    table="people",
    fields=("upn", "uln", "upn_unknown"),
)
def dq102_no_identifier(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for person in ds.rows("people"):
        if text_of(person, "upn") is None and text_of(person, "uln") is None and text_of(person, "upn_unknown") is None:
            yield Hit("people", person, ("upn", "uln", "upn_unknown"))


@rule(
    "DQ103",
    Severity.WARNING,
    title="Same UPN on two or more people",
    reference="DfE UPN guidance: a UPN identifies one pupil",
    message=(
        "Another person has the same UPN. Either the two records are the same child (merge them) or one "
        "UPN was keyed wrongly (correct it from the school census)."
    ),
    table="people",
    fields=("upn",),
    scope=Scope.CROSS_CASE,
)
def dq103_shared_upn(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    by_upn: defaultdict[str, list[Row]] = defaultdict(list)
    for person in ds.rows("people"):
        upn = text_of(person, "upn")
        if upn is not None:
            by_upn[upn.upper()].append(person)
    for people in by_upn.values():
        if len({text_of(p, "person_id") for p in people}) > 1:
            for person in people:
                yield Hit("people", person, ("upn",))


@rule(
    "DQ104",
    Severity.WARNING,
    title="Probable duplicate person",
    reference="data-quality.md DQ104; reconciliation.md matching rule 3",
    message=(
        "Another person has the same birth date and the same surname and forename (ignoring case, spaces, "
        "hyphens and apostrophes). If they are the same child, merge the records; if not, check both "
        "names and birth dates are right."
    ),
    table="people",
    fields=("surname", "forename", "birth_date"),
    scope=Scope.CROSS_CASE,
)
def dq104_probable_duplicate(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    groups: defaultdict[tuple[object, str, str], list[Row]] = defaultdict(list)
    for person in ds.rows("people"):
        birth = date_of(person, "birth_date")
        surname = normalise_name(text_of(person, "surname"))
        forename = normalise_name(text_of(person, "forename"))
        if birth is not None and surname and forename:
            groups[(birth, surname, forename)].append(person)
    for people in groups.values():
        if len({text_of(p, "person_id") for p in people}) > 1:
            for person in people:
                yield Hit("people", person, ("surname", "forename", "birth_date"))


@rule(
    "DQ105",
    Severity.ERROR,
    title="Birth date missing or impossible",
    reference="Children and Families Act 2014 s.83 (children and young people 0 to 25); SEN2 D-02",
    message=(
        "The birth date is missing, in the future, or makes the person younger than 0 or older than 25 "
        "when a request was received or a plan started. Check the birth date against the birth "
        "certificate or school record and correct it (or correct the request or plan date if that is wrong)."
    ),
    table="people",
    fields=("birth_date", "requests.received_date", "plans.start_date"),
)
def dq105_birth_date(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for person in ds.rows("people"):
        birth = date_of(person, "birth_date")
        if birth is None or birth > ctx.as_of:
            yield Hit("people", person, ("birth_date",))
            continue
        person_key = text_of(person, "person_id") or ""
        events = [date_of(r, "received_date") for r in ds.requests_by_person.get(person_key, ())]
        events += [date_of(p, "start_date") for p in ds.plans_by_person.get(person_key, ())]
        if any(day is not None and not MIN_AGE <= age_on(birth, day) <= MAX_AGE for day in events):
            yield Hit("people", person, ("birth_date",))


@rule(
    "DQ106",
    Severity.WARNING,
    title="Postcode format",
    reference="UK postcode format (Royal Mail / ONS)",
    message=(
        "The postcode is not in a UK postcode format (for example SW1A 1AA). Check it with the family or "
        "the school and correct it; leave it blank if it is not known."
    ),
    table="people",
    fields=("postcode",),
)
def dq106_postcode_format(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for person in ds.rows("people"):
        postcode = text_of(person, "postcode")
        if postcode is not None and not is_valid_postcode(postcode):
            yield Hit("people", person, ("postcode",))


@rule(
    "DQ107",
    Severity.ERROR,
    title="ULN not 10 digits",
    reference="Learning Records Service: the ULN is 10 digits",
    message=(
        "The ULN is not a Unique Learner Number: it must be exactly 10 digits. Copy it again from the "
        "college or the Learning Records Service; if it is not known, leave it blank."
    ),
    table="people",
    fields=("uln",),
)
def dq107_uln_format(ds: Dataset, ctx: Context) -> Iterator[Hit]:
    for person in ds.rows("people"):
        uln = text_of(person, "uln")
        if uln is not None and not is_valid_uln(uln):
            yield Hit("people", person, ("uln",))
