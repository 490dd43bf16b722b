from django.urls import path

from sendtrack.reporting.performance import views as performance
from sendtrack.reporting.worklists import views as worklists

app_name = "reporting"
urlpatterns: list = [
    # Performance (issue 6): dashboards, drill-down, indicators, benchmarks, the board view and pack.
    path("dashboard/", performance.dashboard, name="dashboard"),
    path("dashboard/cases/", performance.cases, name="cases"),
    path("indicators/", performance.indicators, name="indicators"),
    path("benchmarks/", performance.benchmarks, name="benchmarks"),
    path("board/", performance.board, name="board"),
    path("board/pack.pdf", performance.board_pack, name="board-pack"),
    # Worklists (issue 5): my work, team work with caseload and reallocation, the review planner, exports.
    path("my-work/", worklists.my_work, name="my-work"),
    path("my-work/export/", worklists.my_work_export, name="my-work-export"),
    path("team-work/", worklists.team_work, name="team-work"),
    path("team-work/export/", worklists.team_work_export, name="team-work-export"),
    path("team-work/reallocate/", worklists.reallocate, name="reallocate"),
    path("review-planner/", worklists.planner, name="planner"),
    path("review-planner/export/", worklists.planner_export, name="planner-export"),
]
