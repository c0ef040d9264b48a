"""The OpenAPI 3.1 description of /api/v1, kept beside the endpoints it describes."""

# Every operation may answer 400: input with NUL characters is refused before anything else.
_ERROR = {"$ref": "#/components/responses/Error"}
_READ_ERRORS = {"400": _ERROR, "401": _ERROR, "403": _ERROR}
_PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
]
_DATE = {"type": "string", "format": "date"}
_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}


def _list_of(schema: str) -> dict:
    return {"type": "object", "required": ["data", "meta"], "properties": {
        "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}},
        "meta": {"$ref": "#/components/schemas/PageMeta"}}}


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Fallback property operations API", "version": "1.0.0",
                 "description": "Token: `flask --app app create-token USERNAME`; send `Authorization: Bearer TOKEN`. "
                                "A token acts with its user's role."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/handovers": {"get": {
                "summary": "Handovers to professional firms (roles: admin, official, dispatcher)",
                "parameters": _PAGING + [{"name": "stage", "in": "query", "schema": {"type": "string", "enum": [
                    "assessing", "owners_decision", "firm_selection", "joint_inspection", "transition", "completed",
                    "aborted"]}}],
                "responses": {"200": {"description": "A page of handovers", "content": {
                    "application/json": {"schema": _list_of("Handover")}}}, **_READ_ERRORS}}},
            "/handovers/{handover_id}/advance": {"post": {
                "summary": "Move a handover to its next stage (roles: admin, official); stages cannot be skipped",
                "parameters": [{"name": "handover_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["to_stage"], "properties": {
                        "to_stage": {"type": "string"}, "owner_id": {"type": ["integer", "null"]},
                        "due_on": _NULLABLE_DATE, "transition_end": _NULLABLE_DATE}}}}},
                "responses": {"200": {"description": "The handover", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"data": {"$ref": "#/components/schemas/Handover"}}}}}},
                    "400": _ERROR, "401": _ERROR, "403": _ERROR, "404": _ERROR, "409": _ERROR, "422": _ERROR}}},
            "/compounds": {"get": {
                "summary": "The compound register (roles: admin, official, dispatcher)",
                "parameters": _PAGING + [
                    {"name": "subdistrict", "in": "query", "schema": {"type": "integer"}},
                    {"name": "community", "in": "query", "schema": {"type": "integer"}},
                    {"name": "mode", "in": "query", "schema": {"$ref": "#/components/schemas/ManagementMode"}},
                    {"name": "renovation_status", "in": "query", "schema": {"type": "string", "enum": [
                        "reserve", "under_construction", "new_start", "completed"]}},
                    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 60}}],
                "responses": {"200": {"description": "A page of compounds", "content": {
                    "application/json": {"schema": _list_of("Compound")}}}, **_READ_ERRORS}}},
            "/assignments": {
                "get": {
                    "summary": "The fallback ledger (roles: admin, official, dispatcher)",
                    "parameters": _PAGING + [
                        {"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/AssignmentStatus"}},
                        {"name": "subdistrict", "in": "query", "schema": {"type": "integer"}},
                        {"name": "leader", "in": "query", "schema": {"type": "integer"}},
                        {"name": "start_from", "in": "query", "schema": _DATE},
                        {"name": "start_to", "in": "query", "schema": _DATE},
                        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 60}}],
                    "responses": {"200": {"description": "A page of assignments", "content": {
                        "application/json": {"schema": _list_of("Assignment")}}}, **_READ_ERRORS}},
                "post": {
                    "summary": ("Propose fallback service for an unmanaged compound "
                                "(roles: admin, official, dispatcher)"),
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/NewAssignment"}}}},
                    "responses": {
                        "201": {"description": "The proposal", "content": {"application/json": {"schema": {
                            "type": "object", "required": ["data"],
                            "properties": {"data": {"$ref": "#/components/schemas/Assignment"}}}}}},
                        "400": _ERROR, "401": _ERROR, "403": _ERROR, "404": _ERROR, "409": _ERROR, "422": _ERROR}},
            },
            "/complaints": {"post": {
                "summary": "Receive a 12345 hotline ticket (roles: admin, dispatcher). The ticket number "
                           "deduplicates: the same ticket again answers 200 with the existing case. A compound "
                           "that cannot be matched by name or alias leaves the case unmatched (compound_id null) "
                           "for a dispatcher; a subdistrict that disagrees with the register is a warning.",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/NewHotlineTicket"}}}},
                "responses": {
                    "201": {"description": "A new case", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["data"],
                        "properties": {"data": {"$ref": "#/components/schemas/Complaint"}}}}}},
                    "200": {"description": "The ticket was already received: the existing case", "content": {
                        "application/json": {"schema": {"type": "object", "required": ["data"], "properties": {
                            "data": {"$ref": "#/components/schemas/Complaint"}}}}}},
                    "400": _ERROR, "401": _ERROR, "403": _ERROR, "422": _ERROR}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "An error", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Error"}}}}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": ["string", "integer"]}, "message": {"type": "string"},
                                   "field": {"type": ["string", "null"]}}}}},
                "Handover": {"type": "object", "required": ["id", "compound_id", "stage"], "properties": {
                    "id": {"type": "integer"}, "compound_id": {"type": "integer"}, "compound": {"type": "string"},
                    "stage": {"type": "string"}, "stage_owner_id": {"type": ["integer", "null"]},
                    "stage_due_on": _NULLABLE_DATE, "stage_entered_at": {"type": "string", "format": "date-time"},
                    "firm": {"type": ["string", "null"]}, "transition_end": _NULLABLE_DATE,
                    "started_at": {"type": "string", "format": "date-time"}}},
                "PageMeta": {"type": "object", "required": ["page", "per_page", "total"], "properties": {
                    "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}}},
                "ManagementMode": {"type": "string", "enum": ["professional", "fallback", "self_managed",
                                                              "unmanaged"]},
                "AssignmentStatus": {"type": "string", "enum": ["proposed", "active", "ended", "rejected"]},
                "Compound": {"type": "object", "required": ["id", "name", "management_mode"], "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "subdistrict": {"type": "string"},
                    "community": {"type": "string"}, "address": {"type": "string"},
                    "year_built": {"type": ["integer", "null"]}, "buildings": {"type": "integer"},
                    "households": {"type": "integer"}, "floor_area": {"type": ["number", "null"]},
                    "renovation_tier": {"type": ["string", "null"]}, "renovation_status": {"type": ["string", "null"]},
                    "renovation_completed_on": _NULLABLE_DATE,
                    "management_mode": {"$ref": "#/components/schemas/ManagementMode"},
                    "mode_since": {"type": "string", "format": "date-time"}}},
                "Assignment": {"type": "object", "required": ["id", "compound_id", "status", "decision_no"],
                               "properties": {
                    "id": {"type": "integer"}, "compound_id": {"type": "integer"}, "compound": {"type": "string"},
                    "subdistrict": {"type": "string"}, "households": {"type": "integer"},
                    "decision_no": {"type": "string"}, "reason": {"type": "string"},
                    "status": {"$ref": "#/components/schemas/AssignmentStatus"},
                    "service_types": {"type": "array", "items": {"type": "string"}},
                    "responsible_leader": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "name": {"type": "string"}}},
                    "crew_id": {"type": ["integer", "null"]}, "start_date": _DATE, "review_date": _NULLABLE_DATE,
                    "end_date": _NULLABLE_DATE, "end_reason": {"type": ["string", "null"]},
                    "days_in_fallback": {"type": ["integer", "null"]},
                    "proposed_at": {"type": "string", "format": "date-time"}}},
                "NewAssignment": {"type": "object",
                                  "required": ["compound_id", "decision_no", "service_types", "responsible_leader_id",
                                               "start_date"],
                                  "properties": {
                    "compound_id": {"type": "integer"}, "decision_no": {"type": "string", "maxLength": 60},
                    "reason": {"type": "string"},
                    "service_types": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                                      "examples": [["cleaning", "garbage_sorting"]]},
                    "responsible_leader_id": {"type": "integer"}, "crew_id": {"type": ["integer", "null"]},
                    "start_date": _DATE, "review_date": _NULLABLE_DATE}},
                "NewHotlineTicket": {"type": "object", "required": ["ticket_no", "description", "compound_name"],
                                     "properties": {
                    "ticket_no": {"type": "string", "maxLength": 40, "examples": ["YQ12345-20261102-0017"]},
                    "category": {"type": "string", "maxLength": 40,
                                 "description": "the classification (工单分类), e.g. 市政设施/污水外溢"},
                    "nature": {"type": "string", "maxLength": 12,
                               "description": "诉求类型: 咨询, 求助, 投诉, 建议, 举报 or 感谢"},
                    "resolve_workdays": {"type": "integer", "minimum": 1, "maximum": 250,
                                         "description": "working days on the mainland calendar"},
                    "resolve_due": {"type": "string", "format": "date-time", "description": "办结期限"},
                    "description": {"type": "string", "maxLength": 4000}, "compound_name": {"type": "string",
                                                                                             "maxLength": 120},
                    "subdistrict": {"type": "string", "maxLength": 80}, "address": {"type": "string",
                                                                                    "maxLength": 200},
                    "contact_phone": {"type": "string", "maxLength": 30},
                    "received_at": {"type": "string", "format": "date-time",
                                    "description": "without an offset: the district's time"},
                    "resolve_hours": {"type": "number", "exclusiveMinimum": 0}}},
                "Complaint": {"type": "object", "required": ["id", "tracking_code", "status"], "properties": {
                    "id": {"type": "integer"}, "tracking_code": {"type": "string"},
                    "ticket_no": {"type": ["string", "null"]}, "compound_id": {"type": ["integer", "null"]},
                    "compound": {"type": ["string", "null"]}, "matched": {"type": "boolean"},
                    "category": {"type": "string"}, "severity": {"type": "string",
                                                                 "enum": ["urgent", "high", "normal"]},
                    "status": {"type": "string", "enum": ["received", "acknowledged", "dispatched", "resolved",
                                                          "closed", "reopened"]},
                    "received_at": {"type": "string", "format": "date-time"},
                    "acknowledge_due_at": {"type": ["string", "null"], "format": "date-time"},
                    "resolve_due_at": {"type": ["string", "null"], "format": "date-time"},
                    "resolved_at": {"type": ["string", "null"], "format": "date-time"},
                    "resolution_note": {"type": "string"},
                    "warnings": {"type": "array", "items": {"type": "string"}}}},
            },
        },
    }
