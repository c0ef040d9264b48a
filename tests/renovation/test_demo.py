"""The demo's renovation pipeline: every stage, some late, the article's resettlement compounds finished,
and each project's compounds saying in the register what their project says."""
from sqlalchemy import func, select

from propmgmt.clock import local_today
from propmgmt.renovation.models import PROJECT_STAGES, Problem, Project
from propmgmt.renovation.rules import COMPOUND_STATUS, is_late


def test_the_demo_has_projects_in_every_stage_some_late(app, db, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    projects = db.session.scalars(select(Project)).all()
    assert {p.stage for p in projects} == set(PROJECT_STAGES)
    today = local_today()
    assert {p.stage for p in projects if is_late(p, today)} >= {"reserve", "new_start", "under_construction"}
    finished = {c.name: p.stage for p in projects for c in p.compounds}
    assert finished["南庄村众康北区"] == "accepted" and finished["义东沟村南苑东西区"] == "completed"
    for p in projects:
        for compound in p.compounds:
            assert compound.renovation_status == COMPOUND_STATUS[p.stage] or p.stage == "reserve", p.name
    assert any(len(p.compounds) == 2 for p in projects)
    overdue = db.session.scalars(select(Problem).where(Problem.solved_on.is_(None), Problem.solve_by < today)).all()
    assert overdue
    # The residents' voice: an open consultation with about twenty opinions, support and oppose, with words;
    # a closed one whose plan changed in answer; notes on the projects under construction, all answered but one.
    from propmgmt.renovation.voice_models import Consultation, SupervisionNote
    from propmgmt.renovation.voice_queries import tally

    consultations = db.session.scalars(select(Consultation)).all()
    open_now = [c for c in consultations if c.is_open(today)]
    assert len(open_now) == 1 and tally(open_now[0]).opinions >= 15 and tally(open_now[0]).with_text
    counts = tally(open_now[0]).items
    assert all(i.support for i in counts) and any(i.oppose for i in counts)
    assert any(c.plan_change and not c.is_open(today) for c in consultations)
    notes = db.session.scalars(select(SupervisionNote)).all()
    assert {n.project.stage for n in notes} == {"under_construction"}
    assert len([n for n in notes if n.answered_at is None]) == 1 and len(notes) > 3
    again = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and db.session.scalar(select(func.count(SupervisionNote.id))) == len(notes)
