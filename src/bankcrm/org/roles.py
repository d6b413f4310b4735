"""Staff roles, what each may do, and how far each one sees. The one table to read or change."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    ANALYST = "analyst", _("Head-office analyst")
    BRANCH_MANAGER = "branch_manager", _("Branch manager")
    RELATIONSHIP_MANAGER = "relationship_manager", _("Relationship manager")
    MARKETING = "marketing", _("Marketing")
    RISK_OFFICER = "risk_officer", _("Risk officer")
    SERVICE_AGENT = "service_agent", _("Service agent")
    AUDITOR = "auditor", _("Auditor")


class Scope(models.TextChoices):
    ALL = "all", _("The whole bank")
    BRANCH_SUBTREE = "branch", _("Own branch and its sub-branches")
    OWN_BOOK = "own", _("Own customers")


SCOPE: dict[str, str] = {
    Role.SYSTEM_ADMIN: Scope.ALL,
    Role.AUDITOR: Scope.ALL,
    Role.ANALYST: Scope.BRANCH_SUBTREE,
    Role.BRANCH_MANAGER: Scope.BRANCH_SUBTREE,
    Role.MARKETING: Scope.BRANCH_SUBTREE,
    Role.RISK_OFFICER: Scope.BRANCH_SUBTREE,
    Role.SERVICE_AGENT: Scope.BRANCH_SUBTREE,
    Role.RELATIONSHIP_MANAGER: Scope.OWN_BOOK,
}

_VIEW = {
    "customers.view_customer",
    "products.view_holding",
    "interactions.view_interaction",
    "interactions.view_task",
}
# Segments (segments app) and the analytical reports (7P pages, dashboards): each viewer sees
# only the customers of their scope in every figure and member list.
_SEGMENTS = {"segments.view_segment", "segments.add_segment", "segments.change_segment"}
_REPORTS = {"analytics.view_reports"}

_WORK = {
    "interactions.add_interaction",
    "interactions.add_task",
    "interactions.change_task",
}

# Reference data a system administrator keeps in the admin site (/admin/).
_ADMINISTER = {
    f"{model}.{verb}_{name}"
    for model, names in {
        "org": ("staff", "branch", "team"),
        "products": ("product",),
        "customers": ("tag",),
    }.items()
    for name in names
    for verb in ("view", "add", "change")
} | {"org.view_apitoken", "org.change_apitoken"}

PERMISSIONS: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset(
        _VIEW
        | _ADMINISTER
        | {"org.manage_staff", "org.manage_branches", "org.manage_api_tokens"}
        | {"integration.push_transactions"}  # the payment system's real-time feed
        | {"analytics.refresh_values"}
    ),
    Role.ANALYST: frozenset(
        _VIEW | _SEGMENTS | _REPORTS | {"customers.export_customer", "analytics.refresh_values"}
    ),
    Role.BRANCH_MANAGER: frozenset(
        _VIEW
        | _WORK
        | _SEGMENTS
        | _REPORTS
        | {
            "customers.add_customer",
            "customers.change_customer",
            "customers.reveal_customer",
            "customers.export_customer",
            "customers.assign_customer",
            "customers.change_consent",
            "customers.change_lifecycle",
            "products.change_holding",
        }
    ),
    Role.RELATIONSHIP_MANAGER: frozenset(
        _VIEW
        | _WORK
        | _SEGMENTS
        | _REPORTS
        | {
            "customers.add_customer",
            "customers.change_customer",
            "customers.reveal_customer",
            "customers.change_consent",
            "customers.change_lifecycle",
            "products.change_holding",
        }
    ),
    Role.MARKETING: frozenset(_VIEW | _SEGMENTS | _REPORTS | {"customers.export_customer"}),
    Role.RISK_OFFICER: frozenset(
        _VIEW | _REPORTS | {"customers.reveal_customer", "segments.view_segment"}
    ),
    Role.SERVICE_AGENT: frozenset(
        _VIEW | _WORK | {"customers.change_customer", "customers.change_consent"}
    ),
    Role.AUDITOR: frozenset(_VIEW | {"audit.view_auditevent"}),
}

# The operational CRM's domains (sales, service, people, messaging, surveys, knowledge): each
# one's grants per role, kept beside each other here and merged into PERMISSIONS below.
_SALES_VIEW = {"sales.view_lead", "sales.view_opportunity"}
_SALES_WORK = _SALES_VIEW | {
    "sales.add_lead",
    "sales.change_lead",
    "sales.claim_lead",
    "sales.reveal_lead",
    "sales.add_opportunity",
    "sales.change_opportunity",
    "sales.add_quote",
    "sales.change_quote",
    "sales.add_contract",
    "sales.add_payment",
    "sales.view_sales_reports",
}
SALES: dict[str, frozenset[str]] = {
    Role.RELATIONSHIP_MANAGER: frozenset(_SALES_WORK),
    # Managers also assign leads and opportunities to their RMs and import lead lists.
    Role.BRANCH_MANAGER: frozenset(
        (_SALES_WORK - {"sales.claim_lead"}) | {"sales.assign_lead", "sales.import_lead"}
    ),
    # Marketing brings leads in from events and campaigns; the rules assign them.
    Role.MARKETING: frozenset(
        _SALES_VIEW | {"sales.add_lead", "sales.import_lead", "sales.view_sales_reports"}
    ),
    # The counter records walk-ins and referrals for the RMs.
    Role.SERVICE_AGENT: frozenset({"sales.view_lead", "sales.add_lead"}),
    Role.ANALYST: frozenset(_SALES_VIEW | {"sales.view_sales_reports"}),
    Role.AUDITOR: frozenset(_SALES_VIEW),
    # Product lines, stages, pool settings and assignment rules are kept in the admin site.
    Role.SYSTEM_ADMIN: frozenset(
        f"sales.{verb}_{name}"
        for name in ("productline", "stage", "poolsetting", "assignmentrule")
        for verb in ("view", "add", "change")
    ),
}
# Service cases: agents work and escalate them; branch managers also assign; RMs open and work
# their own customers' cases; the dashboards for agents, managers and analysts; the calendar,
# categories, SLA policies and assignment rules are reference data in the admin.
_CASE_WORK = {"service.view_case", "service.add_case", "service.change_case"}
SERVICE: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset(
        {"service.view_case", "service.view_service_dashboard"}
        | {
            f"service.{verb}_{name}"
            for name in ("category", "slapolicy", "workinghours", "calendarday", "assignmentrule")
            for verb in ("view", "add", "change")
        }
    ),
    Role.ANALYST: frozenset({"service.view_case", "service.view_service_dashboard"}),
    Role.AUDITOR: frozenset({"service.view_case"}),
    Role.BRANCH_MANAGER: frozenset(
        _CASE_WORK
        | {"service.assign_case", "service.escalate_case", "service.view_service_dashboard"}
    ),
    Role.RELATIONSHIP_MANAGER: frozenset(_CASE_WORK),
    Role.SERVICE_AGENT: frozenset(
        _CASE_WORK | {"service.escalate_case", "service.view_service_dashboard"}
    ),
}
# People: every role takes training; RMs see their own performance and the rankings, branch
# managers set targets and assign training in their branch; training content is kept by the
# system administrators (head office).
_LEARN = {"people.view_course"}
PEOPLE: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset(
        _LEARN | {"people.manage_training", "people.view_assignment", "people.view_performance"}
    ),
    Role.ANALYST: frozenset(_LEARN | {"people.view_performance", "people.view_assignment"}),
    Role.BRANCH_MANAGER: frozenset(
        _LEARN
        | {
            "people.view_performance",
            "people.set_target",
            "people.assign_training",
            "people.view_assignment",
        }
    ),
    Role.RELATIONSHIP_MANAGER: frozenset(_LEARN | {"people.view_performance"}),
    Role.MARKETING: frozenset(_LEARN),
    Role.RISK_OFFICER: frozenset(_LEARN),
    Role.SERVICE_AGENT: frozenset(_LEARN),
    Role.AUDITOR: frozenset(_LEARN | {"people.view_assignment", "people.view_performance"}),
}
# The outbox page (/messaging/): administrators (the whole bank) and branch managers (their
# subtree's customers); retrying a failed message is theirs too.
MESSAGING: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset({"messaging.view_message", "messaging.retry_message"}),
    Role.BRANCH_MANAGER: frozenset({"messaging.view_message", "messaging.retry_message"}),
}
# Satisfaction results are read by whoever serves or manages the customers; a survey is requested
# (surveys.add_survey) by the staff who close a case (service agents, RMs, branch managers).
SURVEYS: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset({"surveys.view_survey"}),
    Role.ANALYST: frozenset({"surveys.view_survey"}),
    Role.AUDITOR: frozenset({"surveys.view_survey"}),
    Role.BRANCH_MANAGER: frozenset({"surveys.view_survey", "surveys.add_survey"}),
    Role.RELATIONSHIP_MANAGER: frozenset({"surveys.view_survey", "surveys.add_survey"}),
    Role.SERVICE_AGENT: frozenset({"surveys.view_survey", "surveys.add_survey"}),
}
# Knowledge base: articles are bank-wide reference content (no customer data). Readers search
# and open published articles; editors (change) draft and revise; approvers publish and retire,
# never their own revision (knowledge/services.py).
_KB_READ = frozenset({"knowledge.view_article"})
_KB_EDIT = _KB_READ | {"knowledge.change_article", "knowledge.approve_article"}
KNOWLEDGE: dict[str, frozenset[str]] = {
    Role.SERVICE_AGENT: _KB_READ,
    Role.RELATIONSHIP_MANAGER: _KB_READ,
    Role.AUDITOR: _KB_READ,
    Role.BRANCH_MANAGER: _KB_EDIT,
    Role.SYSTEM_ADMIN: _KB_EDIT,
}

for _domain in (SALES, SERVICE, PEOPLE, MESSAGING, SURVEYS, KNOWLEDGE):
    for _role, _perms in _domain.items():
        PERMISSIONS[_role] = PERMISSIONS[_role] | _perms

# A second factor (TOTP) is compulsory for system administrators and for every role that can see
# clear personal data or take it out of the system in bulk: reveal, export (customers or the
# audit trail). The others (today: service agents) may turn it on for themselves.
_MFA_PERMISSIONS = frozenset(
    {
        "customers.reveal_customer",
        "customers.export_customer",
        "audit.view_auditevent",
        "org.manage_staff",
    }
)


def mfa_required(role: str) -> bool:
    return role == Role.SYSTEM_ADMIN or bool(PERMISSIONS.get(role, frozenset()) & _MFA_PERMISSIONS)
