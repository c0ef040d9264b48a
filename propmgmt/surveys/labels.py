"""Display words of the surveys' codes."""
from flask_babel import lazy_gettext as _l

SCOPE_LABELS = {"fallback": _l("All compounds under fallback service"), "subdistrict": _l("One subdistrict"),
                "compound": _l("One compound"), "project": _l("A renovation project's compounds")}
ORIGIN_LABELS = {"manual": _l("Opened by an official"), "quarterly": _l("Quarterly (scheduled)"),
                 "renovation": _l("After a renovation (scheduled)")}
STATE_LABELS = {"upcoming": _l("Upcoming"), "open": _l("Open"), "closed": _l("Closed")}
SCORE_LABELS = {1: _l("Very dissatisfied"), 2: _l("Dissatisfied"), 3: _l("So-so"), 4: _l("Satisfied"),
                5: _l("Very satisfied")}
