"""Running the service at /service/."""

from django.urls import path

from sendtrack.administration import views

app_name = "administration"
urlpatterns = [
    path("", views.index, name="index"),
    path("users/", views.user_list, name="user-list"),
    path("users/add/", views.user_add, name="user-add"),
    path("users/<str:username>/", views.user_detail, name="user-detail"),
    path("users/<str:username>/edit/", views.user_edit, name="user-edit"),
    path("users/<str:username>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("users/<str:username>/reactivate/", views.user_reactivate, name="user-reactivate"),
    path("users/<str:username>/sign-in-link/", views.user_sign_in_link, name="user-sign-in-link"),
    path("users/<str:username>/authenticator/remove/", views.user_two_factor_reset, name="user-two-factor-reset"),
    path("password/<uidb64>/<token>/", views.password_set, name="password-set"),
    path("authenticator/", views.two_factor_setup, name="two-factor-setup"),
    path("authenticator/code/", views.two_factor_verify, name="two-factor-verify"),
    path("teams/", views.team_list, name="team-list"),
    path("teams/add/", views.team_add, name="team-add"),
    path("teams/<int:team_id>/", views.team_detail, name="team-detail"),
    path("teams/<int:team_id>/rename/", views.team_rename, name="team-rename"),
    path("teams/<int:team_id>/merge/", views.team_merge, name="team-merge"),
    path("caseworkers/", views.caseworker_list, name="caseworker-list"),
    path("caseworkers/add/", views.caseworker_add, name="caseworker-add"),
    path("caseworkers/<str:caseworker_id>/", views.caseworker_edit, name="caseworker-edit"),
    path("caseworkers/<str:caseworker_id>/left/", views.caseworker_leave, name="caseworker-leave"),
    path("settings/", views.settings_edit, name="settings"),
    path("settings/history/", views.settings_history, name="settings-history"),
    path("merges/", views.merge_list, name="merge-list"),
    path("merges/compare/", views.merge_compare, name="merge-compare"),
    path("merges/<int:merge_id>/", views.merge_detail, name="merge-detail"),
    path("merges/<int:merge_id>/undo/", views.merge_undo, name="merge-undo"),
    path("audit/", views.audit_changes, name="audit-changes"),
    path("audit/changes.csv", views.audit_changes_csv, name="audit-changes-csv"),
    path("audit/reads/", views.audit_reads, name="audit-reads"),
    path("audit/reads.csv", views.audit_reads_csv, name="audit-reads-csv"),
    path("audit/exports/", views.audit_exports, name="audit-exports"),
    path("audit/exports.csv", views.audit_exports_csv, name="audit-exports-csv"),
    path("audit/accounts/", views.audit_accounts, name="audit-accounts"),
    path("audit/accounts.csv", views.audit_accounts_csv, name="audit-accounts-csv"),
]
