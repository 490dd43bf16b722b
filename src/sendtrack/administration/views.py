"""Running the service at /service/: users and roles, teams and caseworkers, settings, merges, the audit viewer.

Views are thin: they read through selectors (`records.audit`, `records.merge.merge_preview`, querysets with
a fixed number of queries per page), write through services (`accounts.services`, `administration.services`,
`records.merge`, `administration.twofactor`), and turn the services' refusals into GOV.UK error summaries.
Every view states its roles; every action is a confirmation page (GET) and a POST; every CSV download is
logged in the export log.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from sendtrack.accounts import services as account_services
from sendtrack.accounts.access import public, roles_required, user_may
from sendtrack.accounts.models import AccountEvent, Role, User
from sendtrack.accounts.roles import (
    AUDIT_READERS,
    PERSON_MERGERS,
    SERVICE_ADMINS,
    SETTINGS_MANAGERS,
    SIGNED_IN,
    USER_MANAGERS,
)
from sendtrack.administration import forms, services, twofactor
from sendtrack.core.models import service_settings
from sendtrack.domain.names import normalise_name
from sendtrack.records import audit, merge, selectors
from sendtrack.records.models import Caseworker, Finding, Person, PersonAlias, PersonMerge, Team
from sendtrack.records.views import page_numbers

PER_PAGE = 50
OPEN_STATUSES = ("overdue", "due_soon", "open")


def _page(request: HttpRequest, items: Any, per_page: int = PER_PAGE) -> dict[str, Any]:
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    return {"page": page, "page_numbers": page_numbers(page)}


def _add_errors(form: Any, errors: dict[str, list[str]]) -> None:
    """A service's refusal onto the form: each message on its field, the rest form-wide."""
    for field, messages_ in errors.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


# --- the index --------------------------------------------------------------------------------------------------


@roles_required(SERVICE_ADMINS)
def index(request: HttpRequest) -> HttpResponse:
    """What the signed-in user can do to run the service, in one place."""
    user = request.user
    context = {
        "may_users": user_may(user, USER_MANAGERS),
        "may_settings": user_may(user, SETTINGS_MANAGERS),
        "may_merge": user_may(user, PERSON_MERGERS),
        "may_audit": user_may(user, AUDIT_READERS),
        "counts": {
            "users": User.objects.filter(is_active=True).count(),
            "teams": Team.objects.count(),
            "caseworkers": Caseworker.objects.filter(active=True).count(),
        },
    }
    return render(request, "administration/index.html", context)


# --- users ------------------------------------------------------------------------------------------------------


@roles_required(USER_MANAGERS)
def user_list(request: HttpRequest) -> HttpResponse:
    """Every account, active first, filtered by name, role or status; three queries a page."""
    status = request.GET.get("status", "active")
    role = request.GET.get("role", "")
    text = request.GET.get("q", "").strip()
    users = User.objects.select_related("caseworker").prefetch_related("roles")
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "inactive":
        users = users.filter(is_active=False)
    if role:
        users = users.filter(roles__code=role)
    if text:
        users = users.filter(Q(username__icontains=text) | Q(first_name__icontains=text) | Q(last_name__icontains=text))
    users = users.distinct().order_by("-is_active", "last_name", "first_name", "username")
    context = {
        "status": status,
        "role": role,
        "q": text,
        "roles": Role.objects.order_by("name"),
        **_page(request, users),
    }
    return render(request, "administration/users/list.html", context)


def _caseworker_or_none(pk: str | None) -> Caseworker | None:
    return Caseworker.objects.filter(pk=pk).first() if pk else None


@roles_required(USER_MANAGERS)
def user_add(request: HttpRequest) -> HttpResponse:
    """Add a user with their roles; then show the link with which they choose their password."""
    form = forms.UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # the account and its caseworker link together, or neither
                user = account_services.user_create(
                    username=data["username"], first_name=data["first_name"], last_name=data["last_name"],
                    email=data["email"], roles=data["roles"], by=request.user,
                )  # fmt: skip
                caseworker = _caseworker_or_none(data["caseworker"])
                if caseworker is not None:
                    services.caseworker_user_link(caseworker=caseworker, user=user, by=request.user)
        except (account_services.AccountRefused, services.Refused) as refused:
            _add_errors(form, refused.errors)
        else:
            link = account_services.user_password_reset_link(user=user, by=request.user, base_url=_base(request))
            return render(request, "administration/users/link.html", {"account": user, "link": link, "new": True})
    return render(request, "administration/users/form.html", {"form": form, "account": None})


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _account(username: str) -> User:
    account = User.objects.prefetch_related("roles").select_related("caseworker").filter(username=username).first()
    if account is None:
        raise Http404("No user with this username")
    return account


@roles_required(USER_MANAGERS)
def user_detail(request: HttpRequest, username: str) -> HttpResponse:
    account = _account(username)
    events = AccountEvent.objects.filter(Q(user=account) | Q(by=account)).select_related("user")[:20]
    context = {
        "account": account,
        "caseworker": getattr(account, "caseworker", None),
        "events": events,
        "has_app": twofactor.device_of(account) is not None,
    }
    return render(request, "administration/users/detail.html", context)


@roles_required(USER_MANAGERS)
def user_edit(request: HttpRequest, username: str) -> HttpResponse:
    account = _account(username)
    current = getattr(account, "caseworker", None)
    initial = {
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.email,
        "roles": sorted(account.role_codes()),
        "caseworker": current.pk if current else "",
    }
    form = forms.UserForm(request.POST or None, initial=initial, user=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # every change on the form, or none
                account_services.user_roles_set(user=account, roles=data["roles"], by=request.user)
                names = {k: data[k] for k in ("first_name", "last_name", "email")}
                account_services.user_update(user=account, **names, by=request.user)
                chosen = _caseworker_or_none(data["caseworker"])
                if current is not None and (chosen is None or chosen.pk != current.pk):
                    services.caseworker_user_link(caseworker=current, user=None, by=request.user)
                if chosen is not None and (current is None or chosen.pk != current.pk):
                    services.caseworker_user_link(caseworker=chosen, user=account, by=request.user)
        except (account_services.AccountRefused, services.Refused) as refused:
            _add_errors(form, refused.errors)
        else:
            messages.success(request, f"Saved the changes to {account.get_full_name() or account.username}.")
            return redirect("administration:user-detail", username=account.username)
    return render(request, "administration/users/form.html", {"form": form, "account": account})


def _confirm(request: HttpRequest, account: User, *, action: str, template_vars: dict[str, Any]) -> HttpResponse:
    form = forms.ConfirmForm()
    return render(request, "administration/users/confirm.html",
                  {"account": account, "form": form, "action": action, **template_vars})  # fmt: skip


@roles_required(USER_MANAGERS)
def user_deactivate(request: HttpRequest, username: str) -> HttpResponse:
    """Stop a user signing in; refused for the last administrator and for yourself."""
    account = _account(username)
    vars_ = {"title": f"Deactivate {account.get_full_name() or account.username}?", "button": "Deactivate",
             "warning": True,
             "explanation": "They will not be able to sign in. Everything they did stays in the history under "
                            "their name. You can reactivate the account later."}  # fmt: skip
    if request.method == "POST":
        try:
            account_services.user_deactivate(user=account, by=request.user)
        except account_services.AccountRefused as refused:
            form = forms.ConfirmForm(data={})
            form.is_valid()
            _add_errors(form, refused.errors)
            return render(request, "administration/users/confirm.html",
                          {"account": account, "form": form, "action": "deactivate", **vars_})  # fmt: skip
        messages.success(request, f"{account.get_full_name() or account.username} has been deactivated.")
        return redirect("administration:user-detail", username=account.username)
    return _confirm(request, account, action="deactivate", template_vars=vars_)


@roles_required(USER_MANAGERS)
def user_reactivate(request: HttpRequest, username: str) -> HttpResponse:
    account = _account(username)
    vars_ = {"title": f"Reactivate {account.get_full_name() or account.username}?", "button": "Reactivate",
             "explanation": "They will be able to sign in again with the roles they had. If they have "
                            "forgotten their password, issue them a sign-in link."}  # fmt: skip
    if request.method == "POST":
        try:
            account_services.user_reactivate(user=account, by=request.user)
        except account_services.AccountRefused as refused:
            messages.info(request, refused.errors["__all__"][0])
        else:
            messages.success(request, f"{account.get_full_name() or account.username} has been reactivated.")
        return redirect("administration:user-detail", username=account.username)
    return _confirm(request, account, action="reactivate", template_vars=vars_)


@roles_required(USER_MANAGERS)
def user_sign_in_link(request: HttpRequest, username: str) -> HttpResponse:
    """Issue a one-time link with which the user chooses a new password (shown here to pass on)."""
    account = _account(username)
    vars_ = {"title": f"Issue a sign-in link for {account.get_full_name() or account.username}?",
             "button": "Issue a sign-in link",
             "explanation": "The link lets them choose a new password. It works once, and for 3 days. Their "
                            "current password stops working when they use it. Any sign-in lockout on the account "
                            "is cleared."}  # fmt: skip
    if request.method == "POST":
        try:
            link = account_services.user_password_reset_link(user=account, by=request.user, base_url=_base(request))
        except account_services.AccountRefused as refused:
            messages.info(request, refused.errors["__all__"][0])
            return redirect("administration:user-detail", username=account.username)
        return render(request, "administration/users/link.html", {"account": account, "link": link, "new": False})
    return _confirm(request, account, action="sign-in-link", template_vars=vars_)


@roles_required(USER_MANAGERS)
def user_two_factor_reset(request: HttpRequest, username: str) -> HttpResponse:
    account = _account(username)
    vars_ = {"title": f"Remove {account.get_full_name() or account.username}’s authenticator app?",
             "button": "Remove the app", "warning": True,
             "explanation": "Do this if they have lost or replaced their phone. If the service requires an "
                            "app for their role, they will set up a new one when they next sign in."}  # fmt: skip
    if request.method == "POST":
        removed = twofactor.two_factor_reset(user=account, by=request.user)
        messages.success(request, "Their authenticator app has been removed." if removed else "They had no app.")
        return redirect("administration:user-detail", username=account.username)
    return _confirm(request, account, action="two-factor-reset", template_vars=vars_)


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """Choosing a password with a sign-in link (Django's one-time tokens); logged for the account audit."""

    template_name = "administration/password_set.html"
    form_class = forms.PasswordSetForm
    success_url = reverse_lazy("accounts:sign-in")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        account_services.user_password_set_log(user=form.user)
        messages.success(self.request, "Your password has been set. Sign in with your username and new password.")
        return response


password_set = public(PasswordSetView.as_view())


# --- second factor ------------------------------------------------------------------------------------------------


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("core:home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return reverse("core:home")
    return target


@twofactor.exempt
@roles_required(SIGNED_IN)
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the code (or type the key), then enter the code it shows."""
    has_app = twofactor.device_of(request.user) is not None
    if has_app and not request.user.is_verified():
        return HttpResponseRedirect(f"{reverse('administration:two-factor-verify')}?next={_next(request)}")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.device_confirm(request=request, code=form.cleaned_data["code"]):
            messages.success(
                request, "Your authenticator app is set up. You will be asked for a code when you sign in."
            )
            return redirect(_next(request))
        form.add_error("code", twofactor.ERR_WRONG_CODE)
    key = twofactor.pending_key(request)
    uri = twofactor.otpauth_uri(key=key, username=request.user.get_username(), issuer=service_settings().council_name)
    context = {
        "form": form,
        "qr": twofactor.qr_data_uri(uri),
        "secret": twofactor.secret_text(key),
        "has_app": has_app,
        "next": _next(request),
        "required": twofactor.required_for(request.user),
    }
    return render(request, "administration/two_factor_setup.html", context)


@twofactor.exempt
@roles_required(SIGNED_IN)
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Enter the code from your app (after signing in, when the service requires it)."""
    if twofactor.device_of(request.user) is None and twofactor.required_for(request.user):
        return HttpResponseRedirect(f"{reverse('administration:two-factor-setup')}?next={_next(request)}")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        problem = twofactor.verify(request=request, code=form.cleaned_data["code"])
        if problem is None:
            return redirect(_next(request))
        form.add_error("code", problem)
    context = {"form": form, "next": _next(request), "has_app": twofactor.device_of(request.user) is not None}
    return render(request, "administration/two_factor_verify.html", context)


# --- teams and caseworkers ------------------------------------------------------------------------------------------


def _open_work_by_owner(as_of: dt.date) -> dict[str, int]:
    """Duties still to do at `as_of`, counted by owner (one query)."""
    rows = (
        selectors.milestones_at(as_of=as_of, statuses=OPEN_STATUSES)
        .values("owner_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["owner_id"]: r["n"] for r in rows if r["owner_id"]}


def _as_of() -> dt.date:
    return selectors.working_as_of()


@roles_required(USER_MANAGERS)
def team_list(request: HttpRequest) -> HttpResponse:
    """Teams with their caseworkers, FTE and open duties; and the duties nobody holds."""
    as_of = _as_of()
    teams = Team.objects.annotate(
        caseworkers_active=Count("caseworkers", filter=Q(caseworkers__active=True)),
        caseworkers_all=Count("caseworkers"),
        fte=Sum("caseworkers__fte", filter=Q(caseworkers__active=True)),
    ).order_by("name")
    work = _open_work_by_owner(as_of)
    team_of = dict(Caseworker.objects.values_list("pk", "team_id"))
    by_team: dict[Any, int] = defaultdict(int)
    for owner, n in work.items():
        by_team[team_of.get(owner)] += n
    context = {
        "teams": [{"team": t, "open_work": by_team.get(t.pk, 0)} for t in teams],
        "no_team": Caseworker.objects.filter(team__isnull=True).count(),
        "unallocated": selectors.milestones_unallocated(as_of=as_of).count(),
        "as_of": as_of,
        "form": forms.TeamForm(),
    }
    return render(request, "administration/teams/list.html", context)


@roles_required(USER_MANAGERS)
def team_add(request: HttpRequest) -> HttpResponse:
    form = forms.TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(name=form.cleaned_data["name"], by=request.user)
        except services.Refused as refused:
            _add_errors(form, refused.errors)
        else:
            messages.success(request, f"Team {team.name} has been added. Add its caseworkers next.")
            return redirect("administration:team-detail", team_id=team.pk)
    return render(request, "administration/teams/add.html", {"form": form})


def _team(team_id: int) -> Team:
    return get_object_or_404(Team, pk=team_id)


@roles_required(USER_MANAGERS)
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _team(team_id)
    as_of = _as_of()
    work = _open_work_by_owner(as_of)
    caseworkers = list(team.caseworkers.select_related("user").order_by("-active", "name"))
    context = {
        "team": team,
        "caseworkers": [{"cw": c, "open_work": work.get(c.pk, 0)} for c in caseworkers],
        "fte": sum((c.fte or 0) for c in caseworkers if c.active),
        "as_of": as_of,
        "rename_form": forms.TeamForm(initial={"name": team.name}),
    }
    return render(request, "administration/teams/detail.html", context)


@roles_required(USER_MANAGERS)
def team_rename(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _team(team_id)
    form = forms.TeamForm(request.POST or None, initial={"name": team.name})
    if request.method == "POST" and form.is_valid():
        old = team.name
        try:
            services.team_rename(team=team, name=form.cleaned_data["name"], by=request.user)
        except services.Refused as refused:
            _add_errors(form, refused.errors)
        else:
            messages.success(request, f"Team {old} is now called {team.name}.")
            return redirect("administration:team-detail", team_id=team.pk)
    return render(request, "administration/teams/rename.html", {"form": form, "team": team})


@roles_required(USER_MANAGERS)
def team_merge(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _team(team_id)
    form = forms.TeamMergeForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        into = get_object_or_404(Team, pk=form.cleaned_data["into"])
        name = team.name
        try:
            moved = services.team_merge(team=team, into=into, by=request.user)
        except services.Refused as refused:
            _add_errors(form, refused.errors)
        else:
            messages.success(request, f"Team {name} has been merged into {into.name}: {moved} caseworker"
                                      f"{'' if moved == 1 else 's'} moved.")  # fmt: skip
            return redirect("administration:team-detail", team_id=into.pk)
    count = team.caseworkers.count()
    return render(request, "administration/teams/merge.html", {"form": form, "team": team, "count": count})


@roles_required(USER_MANAGERS)
def caseworker_list(request: HttpRequest) -> HttpResponse:
    """Every caseworker with their team, FTE, sign-in and open duties; filter by team or status."""
    as_of = _as_of()
    status = request.GET.get("status", "active")
    team = request.GET.get("team", "")
    qs = Caseworker.objects.select_related("team", "user")
    if status == "active":
        qs = qs.filter(active=True)
    elif status == "inactive":
        qs = qs.filter(active=False)
    if team == "none":
        qs = qs.filter(team__isnull=True)
    elif team.isdigit():
        qs = qs.filter(team_id=int(team))
    qs = qs.order_by("team__name", "name", "caseworker_id")
    context = {
        **_page(request, qs, 100),
        "work": _open_work_by_owner(as_of),
        "unallocated": selectors.milestones_unallocated(as_of=as_of).count(),
        "teams": Team.objects.order_by("name"),
        "status": status,
        "team": team,
        "as_of": as_of,
    }
    return render(request, "administration/caseworkers/list.html", context)


def _fte_text(value: Any) -> str:
    return "" if value is None else f"{value.normalize():f}"


@roles_required(USER_MANAGERS)
def caseworker_add(request: HttpRequest) -> HttpResponse:
    initial = {"team": request.GET.get("team", "")}
    form = forms.CaseworkerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cw = services.caseworker_create(
                name=data["name"], team=Team.objects.filter(pk=data["team"] or None).first(), fte=data["fte"],
                caseworker_id=data["caseworker_id"], user=User.objects.filter(pk=data["user"] or None).first(),
                by=request.user,
            )  # fmt: skip
        except services.Refused as refused:
            _add_errors(form, refused.errors)
        else:
            messages.success(request, f"{cw.name} has been added as a caseworker ({cw.pk}).")
            if cw.team_id:
                return redirect("administration:team-detail", team_id=cw.team_id)
            return redirect("administration:caseworker-list")
    return render(request, "administration/caseworkers/form.html", {"form": form, "caseworker": None})


def _caseworker(caseworker_id: str) -> Caseworker:
    return get_object_or_404(Caseworker.objects.select_related("team", "user"), pk=caseworker_id)


@roles_required(USER_MANAGERS)
def caseworker_edit(request: HttpRequest, caseworker_id: str) -> HttpResponse:
    cw = _caseworker(caseworker_id)
    initial = {"name": cw.name, "team": str(cw.team_id or ""), "fte": _fte_text(cw.fte), "active": cw.active,
               "left_on": cw.left_on, "user": str(cw.user_id or "")}  # fmt: skip
    form = forms.CaseworkerForm(request.POST or None, initial=initial, caseworker=cw)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.caseworker_update(
                caseworker=cw, name=data["name"], team=Team.objects.filter(pk=data["team"] or None).first(),
                fte=data["fte"], active=data["active"], left_on=data["left_on"],
                user=User.objects.filter(pk=data["user"] or None).first(), by=request.user,
            )  # fmt: skip
        except services.Refused as refused:
            _add_errors(form, refused.errors)
        else:
            messages.success(request, f"Saved the changes to {data['name']}.")
            return redirect("administration:caseworker-list")
    open_work = services.caseworker_open_work(caseworker_id=cw.pk, as_of=_as_of())
    return render(request, "administration/caseworkers/form.html",
                  {"form": form, "caseworker": cw, "open_work": open_work})  # fmt: skip


@roles_required(USER_MANAGERS)
def caseworker_leave(request: HttpRequest, caseworker_id: str) -> HttpResponse:
    """Record that a caseworker left: inactive, history kept, open work shown as unallocated."""
    cw = _caseworker(caseworker_id)
    form = forms.LeaveForm(request.POST or None, initial={"left_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            count = services.caseworker_leave(caseworker=cw, left_on=form.cleaned_data["left_on"], by=request.user)
        except services.Refused as refused:
            _add_errors(form, refused.errors)
        else:
            text = f"{cw.name} has been recorded as having left."
            if count:
                text += f" {count} duties they held are now unallocated: ask their team manager to reallocate them."
            messages.success(request, text)
            return redirect("administration:caseworker-list")
    open_work = services.caseworker_open_work(caseworker_id=cw.pk, as_of=_as_of())
    return render(request, "administration/caseworkers/leave.html",
                  {"form": form, "caseworker": cw, "open_work": open_work})  # fmt: skip


# --- settings ---------------------------------------------------------------------------------------------------


@roles_required(SETTINGS_MANAGERS)
def settings_edit(request: HttpRequest) -> HttpResponse:
    """The head of service's settings: council, targets for each headline measure, windows, closures."""
    current = service_settings()
    form = forms.SettingsForm(request.POST or None, initial=forms.SettingsForm.initial_from(current))
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            changed = services.service_settings_update(by=request.user, **values)
        except services.Refused as refused:
            _add_errors(form, refused.errors)
        else:
            if changed:
                messages.success(request, "Settings saved. Dashboards, worklists and board packs use them from now on.")
            else:
                messages.info(request, "Nothing was changed.")
            return redirect("administration:settings")
    return render(request, "administration/settings.html", {"form": form, "current": current})


@roles_required(SETTINGS_MANAGERS | AUDIT_READERS)
def settings_history(request: HttpRequest) -> HttpResponse:
    return render(request, "administration/settings_history.html", {"entries": services.settings_history()})


# --- merging duplicate children ----------------------------------------------------------------------------------


def probable_duplicates(limit: int = 100) -> list[list[Person]]:
    """Groups of people that open DQ103 (same UPN) or DQ104 (same name and birth date) findings flag, as the
    data-quality checks last stored them. Two queries."""
    ids = (
        Finding.objects.filter(code__in=("DQ103", "DQ104"), table="people", resolved_on__isnull=True)
        .values_list("record_id", flat=True)
        .distinct()
    )
    people = list(Person.objects.filter(pk__in=ids).order_by("pk")[: limit * 4])
    groups: dict[tuple[Any, ...], list[Person]] = defaultdict(list)
    for p in people:
        if p.upn:
            groups[("upn", p.upn.upper())].append(p)
        if p.birth_date and p.surname and p.forename:
            groups[("name", p.birth_date, normalise_name(p.surname), normalise_name(p.forename))].append(p)
    seen: set[tuple[str, ...]] = set()
    out = []
    for members in groups.values():
        key = tuple(p.pk for p in members)
        if len(members) > 1 and key not in seen:
            seen.add(key)
            out.append(members)
    return out[:limit]


@roles_required(PERSON_MERGERS | AUDIT_READERS)
def merge_list(request: HttpRequest) -> HttpResponse:
    """Probable duplicates to merge, a form to choose any two records, and every merge so far."""
    may_merge = user_may(request.user, PERSON_MERGERS)
    form = forms.MergeChooseForm(request.GET or None) if may_merge and "survivor" in request.GET else None
    if form is not None and form.is_valid():
        url = reverse("administration:merge-compare")
        return HttpResponseRedirect(f"{url}?survivor={form.cleaned_data['survivor'].strip()}"
                                    f"&merged={form.cleaned_data['merged'].strip()}")  # fmt: skip
    merges = PersonMerge.objects.all()
    context = {
        "form": form or forms.MergeChooseForm(),
        "may_merge": may_merge,
        "duplicates": probable_duplicates() if may_merge else [],
        **_page(request, merges),
    }
    return render(request, "administration/merges/list.html", context)


def _resolve_person(text: str) -> str:
    person = Person.objects.filter(pk__iexact=text.strip()).values_list("pk", flat=True).first()
    return person or text.strip()


@roles_required(PERSON_MERGERS)
def merge_compare(request: HttpRequest) -> HttpResponse:
    """The two records side by side; pick the surviving value of each field that differs; merge."""
    survivor_id = _resolve_person(request.GET.get("survivor", ""))
    merged_id = _resolve_person(request.GET.get("merged", ""))
    try:
        preview = merge.merge_preview(survivor_id=survivor_id, merged_id=merged_id)
    except merge.MergeRefused as refused:
        return render(request, "administration/merges/refused.html", {"errors": refused.errors}, status=200)
    form = forms.MergeForm(request.POST or None, preview=preview)
    errors: list[str] = []
    if request.method == "POST" and not preview.conflicts and form.is_valid():
        try:
            done = merge.person_merge(survivor_id=survivor_id, merged_id=merged_id, choices=form.choices(),
                                      by=request.user, note=form.cleaned_data["note"])  # fmt: skip
        except merge.MergeRefused as refused:
            errors = refused.errors
        else:
            messages.success(request, f"{merged_id} has been merged into {survivor_id}. You can undo this below.")
            return redirect("administration:merge-detail", merge_id=done.pk)
    context = {"preview": preview, "form": form, "errors": errors or preview.conflicts,
               "labels": forms.FIELD_LABELS, "swap_url": f"{reverse('administration:merge-compare')}"
               f"?survivor={merged_id}&merged={survivor_id}"}  # fmt: skip
    return render(request, "administration/merges/compare.html", context)


def _merge(merge_id: int) -> PersonMerge:
    return get_object_or_404(PersonMerge.objects.select_related("by", "undone_by"), pk=merge_id)


@roles_required(PERSON_MERGERS | AUDIT_READERS)
def merge_detail(request: HttpRequest, merge_id: int) -> HttpResponse:
    done = _merge(merge_id)
    taken = [forms.FIELD_LABELS.get(k, k) for k, v in done.choices.items() if v == merge.MERGED]
    context = {
        "merge": done,
        "taken": taken,
        "may_merge": user_may(request.user, PERSON_MERGERS),
        "survivor_exists": Person.objects.filter(pk=done.survivor_id).exists(),
        "merged_exists": Person.objects.filter(pk=done.merged_id).exists(),
    }
    return render(request, "administration/merges/detail.html", context)


@roles_required(PERSON_MERGERS)
def merge_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    done = _merge(merge_id)
    errors: list[str] = []
    if request.method == "POST":
        try:
            merge.person_merge_undo(merge_id=done.pk, by=request.user)
        except merge.MergeRefused as refused:
            errors = refused.errors
        else:
            messages.success(request, f"The merge has been undone: {done.merged_id} and {done.survivor_id} are "
                                      "separate records again.")  # fmt: skip
            return redirect("administration:merge-detail", merge_id=done.pk)
    return render(request, "administration/merges/undo.html", {"merge": done, "errors": errors,
                                                                "form": forms.ConfirmForm()})  # fmt: skip


# --- the audit viewer ---------------------------------------------------------------------------------------------


def _filters(form: Any) -> dict[str, Any]:
    return form.cleaned_data if form.is_bound and form.is_valid() else {}


def _csv_safe(value: Any) -> str:
    """A value for a CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(request: HttpRequest, *, name: str, what: str, header: list[str], rows: Iterable[list[Any]],
         filters: dict[str, Any]) -> HttpResponse:  # fmt: skip
    """A CSV download, logged in the export log with how many rows left the service."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate().isoformat()}.csv"'
    response.write("\ufeff")  # so Excel reads UTF-8
    writer = csv.writer(response)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([_csv_safe(v) for v in row])
        count += 1
    audit.export_log_record(user=request.user, what=what, rows=count, filters=filters)
    return response


def _people_matching(text: str) -> list[Person]:
    from sendtrack.records.forms import search_criteria

    return list(selectors.people_search(**search_criteria(text).as_kwargs())[:21])


def _change_filters(form: forms.ChangesFilterForm) -> tuple[audit.ChangeFilters | None, list[Person]]:
    """The search as the auditor asked it; a child given by name is found first (several matches: choose)."""
    data = _filters(form)
    if not data:
        return (audit.ChangeFilters() if not form.is_bound else None), []
    person_text = (data.get("person") or "").strip()
    person_id = None
    if person_text:
        person_id = Person.objects.filter(pk__iexact=person_text).values_list("pk", flat=True).first()
        person_id = (
            person_id
            or PersonAlias.objects.filter(merged_id__iexact=person_text).values_list("merged_id", flat=True).first()
        )
        if person_id is None:
            matches = _people_matching(person_text)
            if len(matches) != 1:
                return None, matches
            person_id = matches[0].pk
    filters = audit.ChangeFilters(
        person_id=person_id,
        record=(data.get("record") or "").strip() or None,
        kind=data.get("kind") or None,
        username=(data.get("user") or "").strip() or None,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    return filters, []


@roles_required(AUDIT_READERS)
def audit_changes(request: HttpRequest) -> HttpResponse:
    """Who changed what, when and why, across every audited record; newest first."""
    form = forms.ChangesFilterForm(request.GET or None)
    filters, matches = _change_filters(form)
    context: dict[str, Any] = {"form": form, "matches": matches, "filters": filters,
                               "searched": form.is_bound and bool(request.GET)}  # fmt: skip
    if filters is not None:
        paged = _page(request, audit.change_history(filters))
        context.update(paged, changes=audit.change_details(paged["page"].object_list))
        context["existing"] = set(
            Person.objects.filter(pk__in={c.person_id for c in context["changes"] if c.person_id}).values_list(
                "pk", flat=True
            )
        )
    return render(request, "administration/audit/changes.html", context)


CHANGES_CSV_LIMIT = 100_000


@roles_required(AUDIT_READERS)
def audit_changes_csv(request: HttpRequest) -> HttpResponse:
    form = forms.ChangesFilterForm(request.GET or None)
    filters, _ = _change_filters(form)
    if filters is None:
        return redirect(f"{reverse('administration:audit-changes')}?{request.GET.urlencode()}")

    def rows() -> Iterable[list[Any]]:
        for change in audit.change_history_all(filters, limit=CHANGES_CSV_LIMIT):
            base = [change.when, change.who_username, change.who_name, change.kind_label, change.record_key,
                    change.person_id or "", change.action, change.reason]  # fmt: skip
            if not change.changes:
                yield [*base, "", "", ""]
            for name, before, after in change.changes:
                yield [*base, name, before, after]

    header = ["when", "username", "who", "kind", "record", "child", "action", "reason", "field", "before", "after"]
    return _csv(request, name="change-history", what="Audit: change history", header=header, rows=rows(),
                filters=filters.as_dict())  # fmt: skip


def _reads(request: HttpRequest) -> tuple[forms.ReadsFilterForm, Any, dict[str, Any]]:
    form = forms.ReadsFilterForm(request.GET or None)
    data = _filters(form)
    reads = audit.page_reads(person_id=(data.get("person") or "").strip() or None,
                             username=(data.get("user") or "").strip() or None,
                             date_from=data.get("date_from"), date_to=data.get("date_to"))  # fmt: skip
    return form, reads, data


@roles_required(AUDIT_READERS)
def audit_reads(request: HttpRequest) -> HttpResponse:
    """Who read which child's page or record history, and when."""
    form, reads, _ = _reads(request)
    return render(request, "administration/audit/reads.html", {"form": form, **_page(request, reads)})


@roles_required(AUDIT_READERS)
def audit_reads_csv(request: HttpRequest) -> HttpResponse:
    _, reads, data = _reads(request)
    rows = ([r.viewed_at, r.username, r.person_id, r.page] for r in reads.iterator(chunk_size=2000))
    return _csv(request, name="page-reads", what="Audit: who read children's records",
                header=["when", "username", "child", "page"], rows=rows, filters=data)  # fmt: skip


def _exports(request: HttpRequest) -> tuple[forms.ExportsFilterForm, Any, dict[str, Any]]:
    form = forms.ExportsFilterForm(request.GET or None)
    data = _filters(form)
    rows = audit.exports(
        username=(data.get("user") or "").strip() or None,
        what=(data.get("what") or "").strip() or None,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    return form, rows, data


@roles_required(AUDIT_READERS)
def audit_exports(request: HttpRequest) -> HttpResponse:
    """Every export and download: who, when, what, how many rows, with which filters."""
    form, rows, _ = _exports(request)
    return render(request, "administration/audit/exports.html", {"form": form, **_page(request, rows)})


@roles_required(AUDIT_READERS)
def audit_exports_csv(request: HttpRequest) -> HttpResponse:
    _, rows, data = _exports(request)
    out = ([e.exported_at, e.username, e.what, e.rows, e.filters] for e in rows.iterator(chunk_size=2000))
    return _csv(request, name="exports", what="Audit: exports and downloads",
                header=["when", "username", "what", "rows", "filters"], rows=out, filters=data)  # fmt: skip


def _account_events(request: HttpRequest) -> tuple[forms.AccountsFilterForm, Any, dict[str, Any]]:
    form = forms.AccountsFilterForm(request.GET or None)
    data = _filters(form)
    qs = AccountEvent.objects.all()
    name = (data.get("user") or "").strip()
    if name:
        qs = qs.filter(Q(username__iexact=name) | Q(by_name__iexact=name))
    if data.get("action"):
        qs = qs.filter(action=data["action"])
    if data.get("date_from"):
        qs = qs.filter(at__gte=audit.local_day_start(data["date_from"]))
    if data.get("date_to"):
        qs = qs.filter(at__lt=audit.local_day_start(data["date_to"] + dt.timedelta(days=1)))
    return form, qs.order_by("-at", "-id"), data


@roles_required(AUDIT_READERS)
def audit_accounts(request: HttpRequest) -> HttpResponse:
    """Changes to user accounts: created, roles changed, deactivated, sign-in links issued..."""
    form, events, _ = _account_events(request)
    return render(request, "administration/audit/accounts.html", {"form": form, **_page(request, events)})


@roles_required(AUDIT_READERS)
def audit_accounts_csv(request: HttpRequest) -> HttpResponse:
    _, events, data = _account_events(request)
    rows = ([e.at, e.username, e.get_action_display(), e.by_name, e.detail] for e in events.iterator(chunk_size=2000))
    return _csv(request, name="account-changes", what="Audit: changes to user accounts",
                header=["when", "account", "what", "by", "detail"], rows=rows, filters=data)  # fmt: skip
