"""One of everything the pages act on, and a reader for the forms the pages show.

The fuzzer and the security tests walk every route; `world()` gives each route an object in a
state where its form does real work (a proposed assignment to approve, a task to start, a handover
in each stage, a case in each state), and `route_values()` says which id each route gets.
"""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from html.parser import HTMLParser

from PIL import Image
from sqlalchemy import select

from propmgmt.assignments.models import Assignment
from propmgmt.assignments.services import approve_assignment, propose_assignment
from propmgmt.complaints.services import acknowledge, open_case, resolve
from propmgmt.handovers.models import InspectionItem
from propmgmt.handovers.rules import Vote
from propmgmt.handovers.services import advance, record_inspection, record_owners_decision, select_firm, start_handover
from propmgmt.outbox.models import Notification
from propmgmt.plans.generation import generate_tasks
from propmgmt.plans.models import ServicePlan, Task, TaskPhoto
from propmgmt.plans.transitions import Completion, complete_task, start_task
from propmgmt.renovation.consultation import ItemData, give_opinion, open_consultation
from propmgmt.renovation.models import Problem, ProgressEntry
from propmgmt.renovation.supervision import file_note
from propmgmt.surveys.figures import OVERALL
from propmgmt.surveys.models import Question
from propmgmt.surveys.services import RoundData, ensure_questions, open_round, submit_answer

from ..factories import AssignmentFactory, CompoundFactory, OrganisationFactory, RenovationProjectFactory, UserFactory

PASSING = Vote(300, Decimal("30000"), 200, Decimal("20000"), 101, Decimal("10000.01"))


def _served(setting, now, **fields):
    compound = CompoundFactory(renovation_status="completed", **fields)
    approve_assignment(setting.official, propose_assignment(setting.official, compound, setting.proposal(
        start_date=now.date(), review_date=None), now=now), now=now)
    return compound


def _to_firm_selection(official, compound, now):
    handover = start_handover(official, compound, owner_id=official.id, due_on=None, now=now)
    advance(official, handover, to_stage="owners_decision", owner_id=official.id, due_on=None, now=now)
    record_owners_decision(official, handover, PASSING, decided_on=now.date(), note="", now=now)
    advance(official, handover, to_stage="firm_selection", owner_id=official.id, due_on=None, now=now)
    return handover


def build_world(db, setting, upload_dir: str) -> dict:
    """Returns the objects by name; every user's password is factories.PASSWORD."""
    now = datetime.now(timezone.utc)
    official = setting.official
    w = {"setting": setting, "admin": UserFactory(role="admin"), "official": official,
         "dispatcher": setting.dispatcher, "anonymous": None}
    w["operator"] = UserFactory(role="operator", crew=setting.crew, organisation=setting.operator)
    w["free_operator"] = UserFactory(role="operator", organisation=setting.operator, work_no="JC9001")
    w["served"] = _served(setting, now, name="育英小区")
    w["unmanaged"] = CompoundFactory(name="印刷厂小区")
    w["professional"] = CompoundFactory(name="新华西街二区", management_mode="professional")
    w["proposed"] = AssignmentFactory(responsible_leader=official)
    w["active"] = db.session.scalars(select(Assignment).where(Assignment.compound_id == w["served"].id)).one()

    generate_tasks(now.date() + timedelta(days=1), now=now - timedelta(days=1))
    tasks = db.session.scalars(select(Task).where(Task.compound_id == w["served"].id)
                               .order_by(Task.window_start)).all()
    for i, task in enumerate(tasks):  # every window open now
        task.window_start, task.window_end = now - timedelta(minutes=30, seconds=i), now + timedelta(hours=2)
        task.assignee_id = w["operator"].id
    db.session.commit()
    w["task"], w["done_task"] = tasks[0], tasks[1]
    start_task(w["operator"], w["done_task"], now=now)
    done = Completion(checklist={}, note="全部完成", photos=[Image.new("RGB", (64, 48))])
    complete_task(w["operator"], w["done_task"], done, now=now, upload_dir=upload_dir)
    w["photo"] = db.session.scalars(select(TaskPhoto).where(TaskPhoto.task_id == w["done_task"].id)).one()
    w["plan"] = db.session.scalars(select(ServicePlan).where(ServicePlan.compound_id == w["served"].id)).first()
    w["paused_plan"] = ServicePlan(compound_id=w["served"].id, service_type_id=w["plan"].service_type_id,
                                   rrule="FREQ=WEEKLY;BYDAY=SA", windows=[{"start": "14:00", "end": "15:00"}],
                                   starts_on=now.date(), status="paused", crew_id=setting.crew.id)
    db.session.add(w["paused_plan"])
    db.session.commit()

    case = dict(compound_id=w["served"].id, source="resident", category="garbage_not_collected", description="垃圾没清",
                now=now)
    w["received"] = open_case(**case)
    w["acknowledged"] = acknowledge(setting.dispatcher, open_case(**case), now=now)
    w["resolved"] = resolve(setting.dispatcher, acknowledge(setting.dispatcher, open_case(**case), now=now),
                            now=now, note="已清理")
    w["unmatched"] = open_case(compound_id=None, source="hotline", category="garbage_not_collected",
                               description="无名小区",
                               now=now, hotline_ticket_no="YQ-0001")

    firm = OrganisationFactory(name="示例物业服务有限公司")
    w["firm"] = firm
    w["firm_user"] = UserFactory(role="firm", organisation=firm)
    w["ready"] = _served(setting, now, name="南庄村众康北区")  # no handover yet: can be started
    w["assessing"] = start_handover(official, _served(setting, now), owner_id=official.id, due_on=None, now=now)
    w["deciding"] = start_handover(official, _served(setting, now), owner_id=official.id, due_on=None, now=now)
    advance(official, w["deciding"], to_stage="owners_decision", owner_id=official.id, due_on=None, now=now)
    w["selecting"] = _to_firm_selection(official, _served(setting, now), now)
    inspecting = _to_firm_selection(official, _served(setting, now), now)
    select_firm(official, inspecting, firm_id=firm.id, contract_start=date(2027, 1, 1), contract_end=date(2029, 12, 31),
                fee_standard="0.8元/㎡·月", now=now)
    advance(official, inspecting, to_stage="joint_inspection", owner_id=official.id, due_on=None, now=now)
    record_inspection(official, inspecting, facility="fire_equipment", result="defect", defect="灭火器过期",
                      blocking=True, fixer="示例物业", fix_by=now.date() + timedelta(days=30), now=now)
    w["inspecting"] = inspecting
    w["item"] = db.session.scalars(select(InspectionItem).where(InspectionItem.handover_id == inspecting.id)).first()

    note = Notification(subject_type="task", subject_id=w["task"].id, kind="overdue", channel="in_app",
                        recipient_id=w["admin"].id, recipient_key=f"user:{w['admin'].id}",
                        payload={"compound": "育英小区", "service": "保洁"}, status="parked", sent_at=None)
    unread = Notification(subject_type="task", subject_id=w["task"].id, kind="due_soon", channel="in_app",
                          recipient_id=w["admin"].id, recipient_key=f"user:{w['admin'].id}",
                          payload={"compound": "育英小区", "service": "保洁"}, status="sent", sent_at=now)
    db.session.add_all([note, unread])
    w["spare_user"] = UserFactory(role="official", display_name="备用账号")  # the user pages' hostile posts
    w["project"] = RenovationProjectFactory(compounds=[w["served"]], stage="under_construction")
    entry = ProgressEntry(project=w["project"], month=now.date().replace(day=1), percent=10, done="拆除违建")
    w["problem"] = Problem(entry=entry, description="道路开挖影响出行", solver="施工方",
                           solve_by=now.date() + timedelta(days=7))
    db.session.add_all([entry, w["problem"]])
    db.session.commit()
    w["notification"], w["unread"] = note, unread
    _residents_voice(db, w, now, upload_dir)
    db.session.commit()
    return w


def _residents_voice(db, w: dict, now: datetime, upload_dir: str) -> None:
    """What residents say of the served compound: an open consultation on a project in reserve (an item
    with its image, one opinion), a supervision note with a photo on the project under construction, and an
    open survey round (one answer). Posted from an address of their own: the crawl's keeps its limits."""
    official, served, image = w["official"], w["served"], Image.new("RGB", (64, 48))
    resident = {"device": "w" * 32, "address": "10.9.9.9", "now": now}
    w["consultation"] = open_consultation(
        official, RenovationProjectFactory(compounds=[served]), title="改造方案征求意见",
        ends_on=now.date() + timedelta(days=14), now=now, upload_dir=upload_dir,
        items=[ItemData("整修小区道路", image=image), ItemData("新建口袋公园")])
    w["consultation_item"] = w["consultation"].items[0]
    give_opinion(served, w["consultation"], room="2-1-101", text="支持修路",
                 votes={item.id: True for item in w["consultation"].items}, **resident)
    w["note"] = file_note(served, w["project"], text="工地夜间施工太吵", photos=[image], address="10.9.9.9", now=now,
                          upload_dir=upload_dir)
    w["note_photo"] = w["note"].photos[0]
    ensure_questions()
    w["round"] = open_round(official, RoundData("本季度满意度调查", now.date(), now.date() + timedelta(days=30),
                                                "compound", compound_id=served.id), now=now)
    submit_answer(served, w["round"], room="2-1-101", scores={q.id: 4 for q in w["round"].questions},
                  text="楼道很干净", **resident)
    w["question"] = db.session.scalars(select(Question).where(Question.code != OVERALL)
                                       .order_by(Question.position)).first()


# Which object each route acts on (by endpoint; the defaults serve every other route).
def route_values(w: dict) -> dict[str, dict]:
    defaults = {"compound_id": w["served"].id, "assignment_id": w["active"].id, "type_id": w["plan"].service_type_id,
                "plan_id": w["plan"].id, "task_id": w["task"].id, "complaint_id": w["received"].id,
                "handover_id": w["assessing"].id, "item_id": w["item"].id, "notification_id": w["notification"].id,
                "photo_id": w["photo"].id,
                "code": w["served"].public_code, "tracking_code": w["resolved"].tracking_code,
                "subdistrict_id": w["served"].community.subdistrict_id, "filename": "css/app.css", "token": "x",
                "month": "2026-10", "kind": "pdf", "crew_id": w["setting"].crew.id, "user_id": w["operator"].id,
                "organisation_id": w["firm"].id, "project_id": w["project"].id, "problem_id": w["problem"].id,
                "consultation_id": w["consultation"].id, "note_id": w["note"].id, "round_id": w["round"].id,
                "question_id": w["question"].id,
                # No spot check or statement in this world: their pages answer 404 (headers still checked);
                # their forms are fuzzed in their own tests.
                "rectification_id": 0, "statement_id": 0, "line_id": 0}
    per_endpoint = {
        "assignments.approve": {"assignment_id": w["proposed"].id},
        "assignments.reject": {"assignment_id": w["proposed"].id},
        "assignments.release": {"compound_id": w["professional"].id},
        "handovers.start": {"compound_id": w["ready"].id},
        "complaints.dispatch": {"complaint_id": w["acknowledged"].id},
        "complaints.resolve": {"complaint_id": w["acknowledged"].id},
        "complaints.close": {"complaint_id": w["resolved"].id},
        "complaints.match": {"complaint_id": w["unmatched"].id},
        "field.accept": {"task_id": w["done_task"].id},
        "field.reject": {"task_id": w["done_task"].id},
        "handovers.decision": {"handover_id": w["deciding"].id},
        "handovers.firm": {"handover_id": w["selecting"].id},
        "handovers.inspection": {"handover_id": w["inspecting"].id},
        "handovers.fixed": {"handover_id": w["inspecting"].id},
        "handovers.sign": {"handover_id": w["inspecting"].id},
        "reminders.read": {"notification_id": w["unread"].id},
        "plans.resume_plan": {"plan_id": w["paused_plan"].id},
        "residents_renovation.item_image": {"item_id": w["consultation_item"].id},
        "residents_renovation.note": {"tracking_code": w["note"].tracking_code},
        "renovation_voice.note_photo": {"photo_id": w["note_photo"].id},
        # The admin's user actions act on a spare account: resetting the signed-in roles' passwords or
        # deactivating them would end the crawl.
        **{f"users.{name}": {"user_id": w["spare_user"].id}
           for name in ("edit_user", "deactivate", "reactivate", "reset", "sign_out_everywhere", "revoke")},
    }
    return {endpoint: defaults | values for endpoint, values in per_endpoint.items()} | {"*": defaults}


def extra_pages(w: dict) -> list[str]:
    """Pages whose forms only appear with a query string."""
    crew = w["setting"].crew.id
    return [f"/assignments/propose?compound_ids={w['unmanaged'].id}&compound_ids={w['proposed'].compound_id}",
            f"/crews/{crew}/members/add?operator_id={w['free_operator'].id}",
            f"/crews/{crew}/compounds/add?compound_id={w['ready'].id}&starts_on=2099-01-01"]


def url_for_rule(rule, values: dict[str, dict]) -> str:
    try:
        return rule.build(values.get(rule.endpoint, values["*"]), append_unknown=False)[1]
    except TypeError:  # a route with an argument named nowhere above
        raise AssertionError(f"{rule.rule}: give its arguments a value in tests/hostile/world.py route_values")


# --- Forms on a page -------------------------------------------------------------------------------

class Form:
    def __init__(self, action: str, method: str, multipart: bool):
        self.action, self.method, self.multipart = action, method, multipart
        self.fields: dict[str, list[str]] = {}  # name -> the values a browser would send
        self.choices: dict[str, list[str]] = {}  # select name -> its option values
        self.files: list[str] = []

    def add(self, name: str, value: str | None):
        values = self.fields.setdefault(name, [])
        if value is not None:
            values.append(value)


class FormReader(HTMLParser):
    """Every <form method="post"> on a page with the values a browser would submit by default."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url, self.forms, self.form, self.select, self.textarea = page_url, [], None, None, None
        self.first_option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "get").lower() == "post":
            self.form = Form(a.get("action") or self.page_url, "post", "multipart" in a.get("enctype", ""))
            self.forms.append(self.form)
        if self.form is None or not a.get("name") and tag != "option":
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                self.form.files.append(a["name"])
            elif kind in ("checkbox", "radio"):
                self.form.add(a["name"], a.get("value", "on") if "checked" in a else None)
                self.form.choices.setdefault(a["name"], []).append(a.get("value", "on"))
            elif kind not in ("submit", "button", "reset", "image"):
                self.form.add(a["name"], a.get("value", ""))
            elif kind == "submit" and a.get("name"):
                self.form.choices.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "button" and a.get("name"):
            self.form.choices.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "select":
            self.select, self.first_option = a["name"], None
            self.form.fields.setdefault(self.select, [])
            self.form.choices.setdefault(self.select, [])
        elif tag == "option" and self.select:
            value = a.get("value", "")
            self.form.choices[self.select].append(value)
            if "selected" in a:
                self.form.add(self.select, value)
        elif tag == "textarea":
            self.textarea = a["name"]
            self.form.add(self.textarea, "")

    def handle_data(self, data):
        if self.textarea and self.form:
            self.form.fields[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select" and self.form and self.select:
            values = self.form.fields[self.select]
            options = [v for v in self.form.choices[self.select] if v]
            if not values and options:  # a browser sends the first option
                values.append(options[0])
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def forms_on(page_url: str, html: str) -> list[Form]:
    reader = FormReader(page_url)
    reader.feed(html)
    return reader.forms
