"""The analyst's view of migration artefacts: placeholder dates and date spikes grouped by field and date with
their counts (a spike beside the median it stands out from), day/month swaps with the date both ways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from sendtrack.quality import selectors
from sendtrack.records.services import extract_apply
from tests.factories.extracts import example_extract, row
from tests.quality.conftest import links, text

pytestmark = pytest.mark.django_db
D = dt.date
SPIKE = D(2025, 3, 3)


@pytest.fixture
def migrated(db):
    """The example council as a careless migration leaves it: 25 extra advice records all received on the
    migration's run date (a spike: > 20 records and > 10 times the median of 1 a day), a placeholder
    withdrawn date (1900-01-01), and a review decision whose day and month were swapped."""
    extract = example_extract()
    for n in range(25):
        extract.tables["advice"].append(
            {"advice_id": f"MIG{n:03d}", "assessment_id": "A002", "advice_type": "health",
             "requested_date": D(2025, 2, 3), "received_date": SPIKE, "exception_reason": None}
        )  # fmt: skip
    row(extract, "requests", request_id="R006").update(request_outcome="W", withdrawn_date=D(1900, 1, 1))
    row(extract, "reviews", review_id="RV003").update(decision_date=D(2025, 1, 5))  # meeting 1 May: 5 Jan < 1 May
    extract_apply(extract=extract, by=None, reason="migration")
    return extract


def test_spikes_and_placeholders_are_grouped_by_field_and_date(migrated):
    artefacts = selectors.migration_artefacts(as_of=D(2026, 1, 22))
    spike = artefacts.spikes[0]
    assert (spike.table, spike.field, spike.day, spike.count) == ("advice", "received_date", SPIKE, 25)
    assert artefacts.field_medians[("advice", "received_date")] == 1.0
    placeholder = next(g for g in artefacts.placeholders if g.table == "requests")
    assert (placeholder.field, placeholder.day, placeholder.count) == ("withdrawn_date", D(1900, 1, 1), 1)
    swap = artefacts.swaps[0]
    assert (swap.finding.record_id, swap.recorded, swap.swapped) == ("RV003", D(2025, 1, 5), D(2025, 5, 1))


def test_the_analyst_page_shows_each_artefact_and_links_to_its_records(client, migrated, sign_in):
    sign_in("performance_analyst")
    response = client.get(reverse("quality:migration"))
    page = text(response)
    assert "Date spikes (DQ602): 25" in page
    assert "3 March 2025 Advice: received date 25 1.0" in page
    assert "1 January 1900 Request for assessment: withdrawn date 1" in page
    assert "Review RV003 Decision date 5 January 2025 1 May 2025" in page
    spike_list = client.get(links(response)["25"])
    assert "25 findings open" in text(spike_list)


def test_a_council_with_no_artefacts_says_none_were_found(client, council, sign_in):
    sign_in("auditor")
    assert text(client.get(reverse("quality:migration"))).count("None found.") == 3
