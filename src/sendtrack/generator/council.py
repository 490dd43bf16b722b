"""The synthetic council: what every person's story shares.

A `Council` holds the fixed parts of a generated extract: the LA number and the as-of date, the
performance profile over time, the working-day calendar, the request seasonality, the register of
(fictional) schools and colleges children attend, the postcode districts and the teams of
caseworkers that hold the cases. It is built once per run from the seed and the size, before any
person, so the streaming and the in-memory paths see the same council.

Caseworker numbers are sized to the active plans the council will hold (about 1:200 per FTE): a
small pilot run of the people model, on its own seed, estimates that count before the caseworkers
exist.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate

from sendtrack.generator import shares
from sendtrack.generator.dates import EARLIEST, MONTH_WEIGHT, DaySampler, WorkingDays
from sendtrack.generator.names import forename, surname
from sendtrack.generator.profiles import PROFILES, Performance, level_at, performance_at
from sendtrack.spreadsheets.extract import Row

__all__ = ["DEFAULT_COUNCIL_NAME", "DEFAULT_LA_CODE", "Caseworker", "Council", "Establishment"]

#: A real LA number (Bexley's, 303, whose 3,267 plans in January 2025 were England's median) so that
#: benchmarking against DfE figures has a plausible home, with a fictional name: the data are not
#: Bexley's, and nothing here describes any real council.
DEFAULT_LA_CODE = "303"
DEFAULT_COUNCIL_NAME = "Sandford Borough Council (synthetic)"

#: Real LA numbers a plan can transfer in from (a spread of London boroughs and nearby counties).
OTHER_LAS = (
    "201", "202", "203", "204", "205", "206", "207", "208", "209", "210", "211", "212", "213", "301", "302",
    "304", "305", "306", "307", "308", "309", "310", "311", "312", "313", "314", "315", "316", "317", "318",
    "319", "320", "886", "887", "825", "826", "850", "855", "860", "867", "868", "869", "870", "871", "872",
    "881", "882", "883", "919", "925", "935", "936", "938",
)  # fmt: skip

#: The first URN and UKPRN of the register: above every real URN (real ones are below 160000) and in
#: a UKPRN block no provider holds, so no synthetic placement points at a real school or college.
FIRST_URN = 900_001
FIRST_UKPRN = 10_990_001


@dataclass(frozen=True, slots=True)
class Establishment:
    """A school or college in the synthetic register."""

    ident: str  # URN (6 digits) or UKPRN (8 digits)
    by_ukprn: bool
    category: str  # mainstream, special, ap, fe, specialist_post16, ukrlp
    subtype: str  # e.g. academy, la_maintained, independent
    phases: frozenset[str]  # stages it serves: early_years, primary, secondary, post16, adult
    dfe_number: str  # 4-digit DfE establishment number, for UPNs ("" for colleges)
    resourced_provision: bool = False
    sen_unit: bool = False


@dataclass(frozen=True, slots=True)
class Caseworker:
    caseworker_id: str
    name: str
    team: str
    fte: Decimal
    active: bool


@dataclass
class Team:
    name: str
    members: list[Caseworker] = field(default_factory=list)
    leavers: list[Caseworker] = field(default_factory=list)
    _cumulative: list[float] = field(default_factory=list)

    def finish(self) -> None:
        self._cumulative = list(accumulate(float(c.fte) for c in self.members))

    def pick(self, rng: random.Random) -> Caseworker:
        """An active member, more often the full-timers (cases are allocated by capacity)."""
        total = self._cumulative[-1]
        return self.members[bisect.bisect_right(self._cumulative, rng.random() * total)]


def _worker_name(rng: random.Random) -> str:
    """A fictional caseworker: most SEND caseworkers are women (assumption)."""
    sex = "F" if rng.random() < 0.8 else "M"
    return f"{forename(rng, sex, shares.ETHNICITY(rng))} {surname(rng)}"


class Council:
    """Everything the people of one generated extract share; see the module docstring."""

    def __init__(
        self,
        *,
        people: int,
        seed: int,
        as_of: dt.date,
        profile: str = "typical",
        la_code: str = DEFAULT_LA_CODE,
        name: str = DEFAULT_COUNCIL_NAME,
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}: use one of {', '.join(PROFILES)}")
        if as_of < EARLIEST:
            raise ValueError(f"the as-of date {as_of} is before the SEND reforms of {EARLIEST}")
        self.people = people
        self.seed = seed
        self.as_of = as_of
        self.profile = profile
        self.la_code = la_code
        self.name = name
        rng = random.Random(f"sendtrack-council/{seed}/{people}/{la_code}")
        self.working = WorkingDays(EARLIEST.year - 1, as_of.year + 3)
        self._performance = self._performance_table()
        self.entries = DaySampler(EARLIEST, as_of, self._request_weight)
        self._build_register(rng)
        self._build_areas(rng)
        self.active_plans_estimate = 0
        self.teams: dict[str, Team] = {}
        self.caseworkers: list[Caseworker] = []
        self._ids: dict[str, int] = {}
        self._upn_serials: dict[tuple[str, str, int], int] = {}

    # --- performance over time -------------------------------------------------------------------

    def _performance_table(self) -> list[Performance]:
        """Parameters for each day back from as-of, shared between days of equal level."""
        cache: dict[float, Performance] = {}
        table = []
        for back in range((self.as_of - EARLIEST).days + 2):
            level = round(level_at(self.profile, back), 3)
            if level not in cache:
                cache[level] = performance_at(level)
            table.append(cache[level])
        return table

    def performance(self, day: dt.date) -> Performance:
        """The council's performance when a case reached `day` (the as-of level for later days)."""
        back = (self.as_of - day).days
        if back <= 0:
            return self._performance[0]
        return self._performance[min(back, len(self._performance) - 1)]

    # --- demand ----------------------------------------------------------------------------------

    def _request_weight(self, day: dt.date) -> float:
        """Relative chance of a request arriving on `day`: year trend x month x working day."""
        year = day.year
        last = max(shares.REQUESTS_BY_YEAR)
        per_year: float
        if year in shares.REQUESTS_BY_YEAR:
            per_year = shares.REQUESTS_BY_YEAR[year]
        else:
            per_year = shares.REQUESTS_BY_YEAR[last] * shares.REQUEST_GROWTH ** (year - last)
        weight = per_year * MONTH_WEIGHT[day.month]
        if day.weekday() >= 5 or day in self.working.bank_holidays:
            return 0.0  # logged on the next working day: the council's date received
        if (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 2):
            return weight * 0.4
        return weight

    # --- establishments --------------------------------------------------------------------------

    def _build_register(self, rng: random.Random) -> None:
        """Fictional schools and colleges, in numbers proportional to the council's size."""
        n = self.people
        self.register: dict[str, list[Establishment]] = {}
        self.by_ident: dict[str, Establishment] = {}
        urn = FIRST_URN
        ukprn = FIRST_UKPRN
        numbers = {"primary": 2000, "secondary": 4000, "special": 7000, "ap": 1100, "independent": 6000}

        def school(category: str, subtype: str, phases: frozenset[str], number_kind: str, **flags: bool) -> None:
            nonlocal urn
            base = numbers[number_kind]
            dfe = f"{base + (len(self.by_ident) % 999):04d}"
            est = Establishment(f"{urn:06d}", False, category, subtype, phases, dfe, **flags)
            urn += 1
            self.register.setdefault(category, []).append(est)
            self.by_ident[est.ident] = est

        def college(category: str, phases: frozenset[str]) -> None:
            nonlocal ukprn
            est = Establishment(f"{ukprn:08d}", True, category, "college", phases, "")
            ukprn += 1
            self.register.setdefault(category, []).append(est)
            self.by_ident[est.ident] = est

        primary = frozenset({"early_years", "primary"})
        secondary = frozenset({"secondary"})
        sixth = frozenset({"secondary", "post16"})
        for _ in range(max(6, round(n / 55))):
            kind = shares.MAINSTREAM_TYPE(rng)
            school("mainstream", kind, primary, "independent" if kind == "independent" else "primary",
                   resourced_provision=rng.random() < shares.HAS_RESOURCED_PROVISION,
                   sen_unit=rng.random() < shares.HAS_SEN_UNIT)  # fmt: skip
        for _ in range(max(3, round(n / 260))):
            kind = shares.MAINSTREAM_TYPE(rng)
            school("mainstream", kind, sixth if rng.random() < 0.6 else secondary,
                   "independent" if kind == "independent" else "secondary",
                   resourced_provision=rng.random() < shares.HAS_RESOURCED_PROVISION,
                   sen_unit=rng.random() < shares.HAS_SEN_UNIT)  # fmt: skip
        all_through = frozenset({"early_years", "primary", "secondary", "post16"})
        for _ in range(max(4, round(n / 320))):
            kind = shares.SPECIAL_TYPE(rng)
            school("special", kind, all_through, "special")
        for _ in range(max(1, round(n / 1500))):
            school("ap", "pupil_referral_unit", frozenset({"primary", "secondary"}), "ap")
        for _ in range(max(2, round(n / 2500))):
            college("fe", frozenset({"post16", "adult"}))
        for _ in range(max(2, round(n / 2000))):
            college("specialist_post16", frozenset({"post16", "adult"}))
        for _ in range(max(2, round(n / 2000))):
            college("ukrlp", frozenset({"post16", "adult"}))
        self._index_register()

    def _index_register(self) -> None:
        """Schools that serve each stage, per category, for a quick choice."""
        self._serving: dict[tuple[str, str], list[Establishment]] = {}
        for category, items in self.register.items():
            for stage in ("early_years", "primary", "secondary", "post16", "adult"):
                serving = [e for e in items if stage in e.phases]
                if serving:
                    self._serving[(category, stage)] = serving

    def establishment(self, rng: random.Random, category: str, stage: str) -> Establishment | None:
        """A school or college of `category` serving `stage`, or None if the register has none."""
        serving = self._serving.get((category, stage)) or self.register.get(category)
        if not serving:
            return None
        return serving[int(rng.random() * len(serving))]

    # --- places and people ------------------------------------------------------------------------

    def _build_areas(self, rng: random.Random) -> None:
        """Area teams (3 to 6 teams in all, counting Preparing for Adulthood) and their postcode districts."""
        if self.people < 1500:
            areas = ["North", "South"]
        elif self.people < 6000:
            areas = ["North", "South", "East"]
        elif self.people < 20000:
            areas = ["North", "South", "East", "West"]
        else:
            areas = ["North", "South", "East", "West", "Central"]
        self.area_names = areas
        districts_per_area = 4
        self.districts = [(d + 1, areas[d // districts_per_area]) for d in range(len(areas) * districts_per_area)]
        self.pfa_team = "Preparing for Adulthood"

    def team_for(self, area: str, age: int) -> str:
        return self.pfa_team if age >= 16 else area

    def upn_serial(self, la_code: str, dfe_number: str, year: int) -> tuple[str, int]:
        """A serial unique within (LA, establishment, year), moving to the next number when one fills."""
        number = dfe_number
        while True:
            key = (la_code, number, year)
            serial = self._upn_serials.get(key, 0) + 1
            if serial <= 999:
                self._upn_serials[key] = serial
                return number, serial
            number = f"{(int(number) + 1) % 10000:04d}"

    def next_id(self, prefix: str, width: int = 7) -> str:
        n = self._ids.get(prefix, 0) + 1
        self._ids[prefix] = n
        return f"{prefix}{n:0{width}d}"

    # --- caseworkers -----------------------------------------------------------------------------

    def build_caseworkers(self, active_plans: int, active_16_plus: int) -> None:
        """Teams sized so that active plans per FTE are near the profile's caseload."""
        rng = random.Random(f"sendtrack-caseworkers/{self.seed}/{self.people}/{self.la_code}")
        self.active_plans_estimate = active_plans
        ratio = shares.CASELOAD_PER_FTE[self.profile]
        under_16 = max(active_plans - active_16_plus, 0)
        need = {area: under_16 / len(self.area_names) / ratio for area in self.area_names}
        need[self.pfa_team] = active_16_plus / ratio
        number = 0
        for team_name, fte_needed in need.items():
            team = Team(name=team_name)
            total = 0.0
            while True:  # hire while the next person brings the team nearer its need than without them
                fte = Decimal(shares.CASEWORKER_FTE(rng))
                if team.members and fte_needed - total <= float(fte) / 2:
                    break
                number += 1
                team.members.append(Caseworker(f"CW{number:04d}", _worker_name(rng), team_name, fte, True))
                total += float(fte)
            self.teams[team_name] = team
        # A few leavers (at least one): inactive, kept because closed cases still name them.
        members = sum(len(t.members) for t in self.teams.values())
        ordered = sorted(self.teams.values(), key=lambda t: (-len(t.members), t.name))
        for i in range(max(1, round(members * shares.LEAVER_SHARE))):
            team = ordered[i % len(ordered)]
            number += 1
            fte = Decimal(shares.CASEWORKER_FTE(rng))
            team.leavers.append(Caseworker(f"CW{number:04d}", _worker_name(rng), team.name, fte, False))
        for team in self.teams.values():
            team.finish()
        self.caseworkers = sorted(
            (c for t in self.teams.values() for c in (*t.members, *t.leavers)), key=lambda c: c.caseworker_id
        )

    def caseworker_for(self, rng: random.Random, team: str, *, closed_before: dt.date | None = None) -> str:
        """A caseworker of `team`. A case closed more than six months before as-of may sit with a leaver."""
        t = self.teams[team]
        if closed_before is not None and t.leavers and (self.as_of - closed_before).days > 183 and rng.random() < 0.3:
            return t.leavers[int(rng.random() * len(t.leavers))].caseworker_id
        return t.pick(rng).caseworker_id

    def caseworker_rows(self) -> list[Row]:
        return [
            {"caseworker_id": c.caseworker_id, "name": c.name, "team": c.team, "fte": c.fte, "active": c.active}
            for c in self.caseworkers
        ]
