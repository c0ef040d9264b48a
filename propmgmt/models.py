"""Imports every domain's models so the metadata (and Alembic) sees the whole schema."""
from .assessment.models import AssessmentPolicy, Rectification, SpotCheck, SpotCheckItem, SpotCheckPhoto  # noqa: F401
from .assignments.models import Assignment, assignment_service_type  # noqa: F401
from .audit.models import AuditEntry  # noqa: F401
from .auth.models import ApiToken, LoginAttempt, User, UserSession  # noqa: F401
from .complaints.models import Complaint, ComplaintPhoto, ReportHit  # noqa: F401
from .compounds.models import Community, Compound, District, Subdistrict  # noqa: F401
from .compounds.rooms import Room  # noqa: F401
from .field.models import FieldSubmission  # noqa: F401
from .handovers.models import CompoundReadiness, Handover, InspectionItem, OwnersDecision, ReadinessPolicy  # noqa: F401
from .orgs.models import Crew, Organisation, crew_compound  # noqa: F401
from .outbox.models import Notification  # noqa: F401
from .oversight.models import ReportArchive, RollupDay, RollupStale, ServiceDayArea, ServiceDayCrew  # noqa: F401
from .plans.models import ServicePlan, ServiceStandard, ServiceType, Task, TaskPhoto  # noqa: F401
from .renovation.models import ContentItem, Funding, Problem, ProgressEntry, Project, TeamMember  # noqa: F401
from .renovation.voice_models import (  # noqa: F401
    Consultation,
    ConsultationItem,
    Opinion,
    OpinionVote,
    SupervisionNote,
    SupervisionPhoto,
)
from .scheduler.models import SchedulerCount, SchedulerRun  # noqa: F401
from .settlement.models import Statement, StatementLine  # noqa: F401
from .surveys.models import Answer, Question, Round, Score, round_compound, round_question  # noqa: F401
