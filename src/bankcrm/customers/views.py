"""Customer pages: list and search, create and edit, the customer 360 and its small actions.

Views stay thin: objects come from the scoped selectors (out of scope → 404 like a missing
customer), writes go through the services, which check permissions and validate.
"""

from collections import OrderedDict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bankcrm.common.errors import ConflictError
from bankcrm.customers.forms import (
    AssignForm,
    ConsentForm,
    CustomerFilterForm,
    CustomerForm,
    LifecycleForm,
    RevealForm,
    apply_service_errors,
)
from bankcrm.customers.models import Customer
from bankcrm.customers.selectors import (
    consent_grid,
    customer_360,
    customer_get,
    customer_page,
)
from bankcrm.customers.services import (
    consent_set,
    customer_assign,
    customer_create,
    customer_reveal,
    customer_update,
    lifecycle_change,
    lifecycle_next_stages,
)
from bankcrm.products.models import LIABILITY_TYPES, ProductType

# ---------------------------------------------------------------------------------------------
# List and search


@login_required
@require_http_methods(["GET", "POST"])
def customer_list(request: HttpRequest) -> HttpResponse:
    """Search and filter the customers in scope, one keyset page at a time.

    The search box posts (a query may be a mobile or ID number: never in a URL or a log). A GET
    accepts only the non-personal filters, so filtered views can still be linked.
    """
    if request.method == "POST":
        data = request.POST
    else:
        data = QueryDict(mutable=True)
        for name in CustomerFilterForm.URL_SAFE:
            if name in request.GET:
                data[name] = request.GET[name]
    form = CustomerFilterForm(data, actor=request.user)
    page = None
    if form.is_valid():
        page = customer_page(
            actor=request.user,
            filters=form.filters(),
            after=form.cleaned_data.get("after"),
            before=form.cleaned_data.get("before"),
        )
        prefetch_related_objects(page.items, "tags")
    context = {
        "form": form,
        "page": page,
        "paging_fields": form.paging_fields() if page else [],
        "paging_url": reverse("customers:list"),
    }
    template = "customers/_results.html" if request.htmx else "customers/list.html"
    return render(request, template, context)


@login_required
@require_POST
def customer_export_view(request: HttpRequest) -> HttpResponse:
    """The customers of the search shown (its filters come back in the POST body) as a file.

    The export service checks the permissions, masks by default and audits with the reason.
    """
    from bankcrm.common.exports import ExportUnavailable
    from bankcrm.customers.exports import customer_export

    if not request.user.has_perm("customers.export_customer"):
        raise PermissionDenied
    form = CustomerFilterForm(request.POST, actor=request.user)
    if not form.is_valid():
        messages.error(request, _("Please correct the filters before exporting."))
        return redirect("customers:list")
    try:
        exported = customer_export(
            actor=request.user,
            filters=form.filters(),
            fmt=request.POST.get("format", ""),
            reason=request.POST.get("reason", ""),
            unmasked=request.POST.get("unmasked") == "1",
            language=get_language() or "zh-hans",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("customers:list")
    except ExportUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("customers:list")
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


# ---------------------------------------------------------------------------------------------
# Create and edit


def _show_warnings(request: HttpRequest, warnings: list[str]) -> None:
    for warning in warnings:
        messages.warning(request, warning)


@login_required
@require_http_methods(["GET", "POST"])
def customer_create_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("customers.add_customer"):
        raise PermissionDenied
    form = CustomerForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        rm = form.cleaned_data.get("rm") if "rm" in form.fields else request.user
        try:
            customer, warnings = customer_create(
                actor=request.user,
                branch=form.cleaned_data.get("branch") or request.user.branch,
                rm=rm,
                tags=list(form.cleaned_data.get("tags") or []),
                **form.service_fields(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            _show_warnings(request, warnings)
            messages.success(
                request,
                _("Customer %(name)s created with number %(number)s.")
                % {"name": customer.name, "number": customer.number},
            )
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": None})


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(actor=request.user, pk=pk)
    if not request.user.has_perm("customers.change_customer"):
        raise PermissionDenied
    form = CustomerForm(request.POST or None, actor=request.user, customer=customer)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            customer, warnings = customer_update(
                actor=request.user,
                customer=customer,
                version=form.cleaned_data["version"],
                tags=list(form.cleaned_data.get("tags") or []),
                **form.service_fields(),
            )
        except ConflictError as exc:
            # Keep what the user typed: the form is re-shown with their input, nothing lost.
            conflict = True
            form.add_error(None, exc.message)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            _show_warnings(request, warnings)
            messages.success(request, _("Changes saved."))
            return redirect("customers:detail", pk=customer.pk)
    status = 409 if conflict else 200
    return render(
        request,
        "customers/form.html",
        {"form": form, "customer": customer, "conflict": conflict},
        status=status,
    )


# ---------------------------------------------------------------------------------------------
# Customer 360

ACTION_LABELS = {
    "customer.create": gettext_lazy("Customer created"),
    "customer.update": gettext_lazy("Profile edited"),
    "customer.assign": gettext_lazy("Assigned"),
    "customer.reveal": gettext_lazy("Protected field revealed"),
    "customer.lifecycle": gettext_lazy("Lifecycle stage changed"),
    "consent.grant": gettext_lazy("Consent granted"),
    "consent.withdraw": gettext_lazy("Consent withdrawn"),
    "relationship.add": gettext_lazy("Relationship added"),
    "interaction.create": gettext_lazy("Interaction recorded"),
    "task.create": gettext_lazy("Task created"),
    "task.update": gettext_lazy("Task updated"),
    "holding.create": gettext_lazy("Holding opened"),
    "holding.update": gettext_lazy("Holding updated"),
}


def _models_by_object_type() -> dict:
    from bankcrm.customers.models import Consent, Relationship
    from bankcrm.interactions.models import Interaction, Task
    from bankcrm.products.models import Holding

    return {
        "customer": Customer,
        "consent": Consent,
        "relationship": Relationship,
        "interaction": Interaction,
        "task": Task,
        "holding": Holding,
    }


STAFF_FIELDS = frozenset({"rm", "assignee", "actor", "staff"})


def _field_label_and_choices(model, name: str) -> tuple[str, dict]:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name.replace("_", " "), {}
    choices = {str(k): str(v) for k, v in (getattr(field, "flatchoices", None) or [])}
    return str(getattr(field, "verbose_name", name)), choices


def _display(value, choices: dict) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(choices.get(str(v), str(v)) for v in value) or "—"
    return choices.get(str(value), str(value))


def history_rows(events) -> list[dict]:
    """Audit events as the change history shows them. Protected values are never in the log,
    so they show only as a padlock; staff ids become names (one query for the whole list)."""
    from bankcrm.customers.models import Channel
    from bankcrm.org.models import Branch, Staff

    models = _models_by_object_type()
    staff_ids, branch_ids = set(), set()
    for event in events:
        for name, value in (event.changes or {}).items():
            values = value if isinstance(value, list) else [value]
            ints = {v for v in values if isinstance(v, int)}
            if name in STAFF_FIELDS:
                staff_ids |= ints
            elif name == "branch":
                branch_ids |= ints
    staff_names = (
        {
            str(pk): display or username
            for pk, display, username in Staff.objects.filter(pk__in=staff_ids).values_list(
                "pk", "display_name", "username"
            )
        }
        if staff_ids
        else {}
    )
    branch_names = (
        {
            str(b.pk): b.display_name(get_language() or "")
            for b in Branch.objects.filter(pk__in=branch_ids)
        }
        if branch_ids
        else {}
    )
    channel_labels = {str(k): str(v) for k, v in Channel.choices}
    rows = []
    for event in events:
        model = models.get(event.object_type, Customer)
        changes = []
        items = (event.changes or {}).items()
        if event.action == "customer.create":
            labels = [_field_label_and_choices(model, name)[0] for name, _v in items]
            changes.append({"field": _("Fields set"), "value": ", ".join(labels)})
            items = []
        for name, value in items:
            label, choices = _field_label_and_choices(model, name)
            if name in STAFF_FIELDS:
                choices = staff_names
            elif name == "branch":
                choices = branch_names
            elif name == "preferred_channels":
                choices = channel_labels
            if value is None:
                changes.append({"field": label, "protected": True})
            elif isinstance(value, list) and len(value) == 2:
                changes.append(
                    {
                        "field": label,
                        "old": _display(value[0], choices),
                        "new": _display(value[1], choices),
                    }
                )
            else:
                changes.append({"field": label, "value": _display(value, choices)})
        rows.append(
            {
                "event": event,
                "action": ACTION_LABELS.get(event.action, event.action),
                "changes": changes,
            }
        )
    return rows


def consent_rows(cells) -> list[tuple[str, list]]:
    """The consent grid as rows (one per purpose) of cells (one per channel)."""
    rows: OrderedDict[str, list] = OrderedDict()
    for cell in cells:
        rows.setdefault(cell.purpose_label, []).append(cell)
    return list(rows.items())


def holdings_chart(holdings) -> dict:
    """Assets by product type for the donut: active and frozen holdings, as the roll-up counts."""
    totals: OrderedDict[str, Decimal] = OrderedDict()
    for holding in holdings:
        if holding.status not in ("active", "frozen") or holding.product.type in LIABILITY_TYPES:
            continue
        label = str(ProductType(holding.product.type).label)
        totals[label] = totals.get(label, Decimal("0")) + holding.balance
    return {
        "title": _("Assets by product type"),
        "items": [{"name": k, "value": float(v)} for k, v in totals.items() if v > 0],
    }


def render_360(
    request: HttpRequest,
    pk: int,
    *,
    status: int = 200,
    interaction_form=None,
    task_form=None,
    lifecycle_form=None,
) -> HttpResponse:
    """The customer 360 page; other apps' form views re-render it with their bound form."""
    from bankcrm.interactions.forms import InteractionForm, TaskForm

    actor = request.user
    data = customer_360(actor=actor, pk=pk)
    customer = data.customer
    context = {
        "c360": data,
        "customer": customer,
        "tags": list(customer.tags.all()),
        "history": history_rows(data.history),
        "consent_rows": consent_rows(data.consents),
        "channels": [cell.channel_label for cell in data.consents[:5]],
        "holdings_chart": holdings_chart(data.holdings),
        "interaction_form": interaction_form or InteractionForm(),
        "task_form": task_form or TaskForm(actor=actor, customer=customer),
        "lifecycle_form": lifecycle_form or LifecycleForm(next_stages=data.next_stages),
        "assign_form": AssignForm(actor=actor)
        if actor.has_perm("customers.assign_customer")
        else None,
        "open_tasks": sum(1 for t in data.tasks if t.status == "open"),
        "today": timezone.localdate(),
    }
    return render(request, "customers/detail.html", context, status=status)


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_360(request, pk)


# ---------------------------------------------------------------------------------------------
# Small actions on the 360 page


@login_required
@require_POST
def customer_reveal_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one protected value after a stated reason. PermissionDenied becomes a 403."""
    customer = customer_get(actor=request.user, pk=pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown field."))
    field = form.cleaned_data["field"]
    context = {
        "customer": customer,
        "field": field,
        "masked": getattr(customer, f"{field}_masked"),
        "has_value": bool(getattr(customer, field)),
        "reason": form.cleaned_data["reason"],
    }
    try:
        context["value"] = customer_reveal(
            actor=request.user, customer=customer, field=field, reason=form.cleaned_data["reason"]
        )
        context["revealed"] = True
    except ValidationError as exc:
        context["errors"] = exc.messages
        context["open"] = True
    template = "customers/_reveal_field.html" if request.htmx else "customers/reveal.html"
    return render(request, template, context)


@login_required
@require_POST
def customer_consent_view(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(actor=request.user, pk=pk)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown channel or purpose."))
    consent_set(
        actor=request.user,
        customer=customer,
        channel=form.cleaned_data["channel"],
        purpose=form.cleaned_data["purpose"],
        granted=form.cleaned_data["granted"],
        source=f"staff:{request.user.username}"[:100],
    )
    if request.htmx:
        cells = consent_grid(customer=customer)
        return render(
            request,
            "customers/_consents.html",
            {
                "customer": customer,
                "consent_rows": consent_rows(cells),
                "channels": [cell.channel_label for cell in cells[:5]],
                "consent_saved": True,
            },
        )
    messages.success(request, _("Consent recorded."))
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_POST
def customer_lifecycle_view(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(actor=request.user, pk=pk)
    # Every stage is accepted here so that the service explains a refused move in its own words.
    form = LifecycleForm(request.POST)
    if not form.is_valid():
        return render_360(request, pk, status=200, lifecycle_form=form)
    try:
        lifecycle_change(
            actor=request.user,
            customer=customer,
            to_stage=form.cleaned_data["to_stage"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        form.limit_to(lifecycle_next_stages(customer.lifecycle_stage))
        return render_360(request, pk, lifecycle_form=form)
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Lifecycle stage changed."))
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_POST
def customer_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(actor=request.user, pk=pk)
    if not request.user.has_perm("customers.assign_customer"):
        raise PermissionDenied
    form = AssignForm(request.POST, actor=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose a relationship manager you can see."))
        return redirect("customers:detail", pk=customer.pk)
    rm = form.cleaned_data["rm"]
    customer_assign(actor=request.user, customer=customer, rm=rm, branch=rm.branch)
    messages.success(request, _("Assigned to %(rm)s.") % {"rm": rm.display_name or rm.username})
    return redirect("customers:detail", pk=customer.pk)
