"""Shared set-up for the assignment tests: the fallback operator, its standards, people."""
from datetime import date

import pytest

from propmgmt.assignments.services import Proposal

from ..factories import CrewFactory, FallbackOperatorFactory, ServiceStandardFactory, ServiceTypeFactory, UserFactory


@pytest.fixture
def setting(db):
    """Everything a proposal needs: returns a namespace with official, dispatcher, types, crew."""
    operator = FallbackOperatorFactory()
    cleaning = ServiceStandardFactory(service_type=ServiceTypeFactory(code="cleaning", name_zh="保洁")).service_type
    sorting = ServiceStandardFactory(
        service_type=ServiceTypeFactory(code="garbage_sorting", name_zh="垃圾分类督导", name_en="Garbage sorting"),
        default_windows=[{"start": "07:00", "end": "08:30"}, {"start": "18:00", "end": "19:30"}],
    ).service_type

    class Setting:
        pass

    s = Setting()
    s.operator = operator
    s.types = [cleaning, sorting]
    s.crew = CrewFactory(organisation=operator)
    s.official = UserFactory(role="official", display_name="王科长")
    s.dispatcher = UserFactory(role="dispatcher", organisation=operator)
    s.operator_user = UserFactory(role="operator", organisation=operator)

    def proposal(**overrides) -> Proposal:
        values = dict(decision_no="城住建物管〔2026〕7号", reason="无物业", service_type_ids=[t.id for t in s.types],
                      leader_id=s.official.id, start_date=date(2026, 12, 1), review_date=date(2027, 6, 1),
                      crew_id=s.crew.id)
        return Proposal(**(values | overrides))

    s.proposal = proposal
    return s
