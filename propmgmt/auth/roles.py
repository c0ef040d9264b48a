"""Who may do what, by role: every role set the views and services check, defined once.

A view declares its roles with auth.access.roles_required(*SET); a service checks the same set
before it changes anything. The names say the job, not the page.
"""
from .models import ROLES

EVERYONE_SIGNED_IN = ROLES
ADMINS = ("admin",)
STAFF = ("admin", "official", "dispatcher")  # read the oversight pages, ledgers, plans and handovers
DISTRICT = ("admin", "official")  # decide: approve assignments and handovers, edit the register
REGISTER_READERS = ("admin", "official", "dispatcher", "operator", "firm", "inspector")
REGISTER_EDITORS = DISTRICT
ASSIGNMENT_PROPOSERS = STAFF
ASSIGNMENT_DECIDERS = DISTRICT
RESPONSIBLE_LEADERS = DISTRICT  # who may be named the responsible leader of an item
RENOVATION_READERS = STAFF  # the renovation pipeline, projects and their ledger
RENOVATION_EDITORS = DISTRICT  # create projects, move their stages, report progress, keep the content list
CONSULTATION_EDITORS = DISTRICT  # open and close a project's consultation, record how the plan changed
OPINION_READERS = DISTRICT  # residents' room numbers and words in a consultation (others see the tally)
# Answer supervision notes: these roles, and any user on the project's team or its leader (renovation.supervision).
NOTE_ANSWERERS = DISTRICT
PLAN_EDITORS = ("admin", "dispatcher")
STANDARD_EDITORS = ("admin",)
OPERATORS = ("operator",)
TASK_VERIFIERS = ("admin", "dispatcher")
CASE_HANDLERS = ("admin", "dispatcher")
HOTLINE_MAPPING_EDITORS = DISTRICT  # which hotline classification is which category of ours
CONTACT_READERS = ("dispatcher",)  # see a resident's phone number in full (they call back)
CASE_TEXT_READERS = ("admin", "official", "dispatcher")  # residents' and dispatchers' words about a case
HANDOVER_DECIDERS = DISTRICT
HANDOVER_PARTIES = ("admin", "official", "dispatcher", "firm")  # see a handover (the firm: its own)
HANDOVER_SIGNERS = ("admin", "official", "firm")  # sign the joint inspection
READINESS_POLICY_EDITORS = ADMINS
OUTBOX_KEEPERS = ADMINS  # see and requeue undelivered messages
ROBOT_KEEPERS = ADMINS  # set the group robots (their addresses and secrets)
TASK_PHOTO_VIEWERS = ("operator", "dispatcher", "official", "admin")
POSTER_PRINTERS = STAFF
LEDGER_EXPORTERS = STAFF
REPORT_RECIPIENTS = ("official",)  # receive the monthly report when it is archived
USER_ADMINS = ADMINS  # add, edit, deactivate users; reset passwords; end sessions; revoke API tokens
ORGANISATION_KEEPERS = DISTRICT  # the registry of the fallback operator and the property firms
AUDIT_READERS = DISTRICT  # the audit log and its export
PHONE_READERS = ("admin", "dispatcher")  # a colleague's mobile number in full (they call operators)
CREW_READERS = STAFF  # see crews, their members' phones and the compounds they serve
CREW_EDITORS = ("admin", "dispatcher")  # form crews, move operators and compounds between them
FIRMS = ("firm",)  # a professional firm's own pages: its handovers and the compounds it serves
SPOT_CHECKERS = ("admin", "official", "inspector")  # spot-check a compound against the score sheet
RECTIFICATION_VERIFIERS = ("admin", "dispatcher", "official", "inspector")  # accept a rectification as fixed
ASSESSMENT_READERS = ("admin", "official", "dispatcher", "inspector")  # the policy and the monthly scores
ASSESSMENT_POLICY_EDITORS = DISTRICT
STATEMENT_READERS = STAFF
STATEMENT_CONTESTERS = ("admin", "dispatcher")  # the operator's side reviews the draft
STATEMENT_APPROVERS = DISTRICT
SURVEY_READERS = STAFF  # survey rounds and their results per compound
SURVEY_EDITORS = DISTRICT  # open and close rounds, keep the questions
SURVEY_TEXT_READERS = DISTRICT  # residents' free texts and room numbers in their answers (others see figures)
