"""Recording interactions and tasks from the customer 360 page, and completing tasks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bankcrm.common.errors import ConflictError
from bankcrm.customers.forms import apply_service_errors
from bankcrm.customers.selectors import customer_get
from bankcrm.customers.views import render_360
from bankcrm.interactions.forms import InteractionForm, TaskCompleteForm, TaskForm
from bankcrm.interactions.models import Task
from bankcrm.interactions.selectors import tasks_visible_to
from bankcrm.interactions.services import interaction_create, task_create, task_update


@login_required
@require_POST
def interaction_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(actor=request.user, pk=pk)
    if not request.user.has_perm("interactions.add_interaction"):
        raise PermissionDenied
    form = InteractionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            interaction_create(
                actor=request.user,
                customer=customer,
                channel=data["channel"],
                subject=data["subject"],
                occurred_at=data["occurred_at"] or timezone.now(),
                outcome=data["outcome"],
                notes=data["notes"],
                follow_up_title=data["follow_up_title"],
                follow_up_due=data["follow_up_due"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Interaction recorded."))
            return redirect(reverse("customers:detail", args=[customer.pk]) + "#interactions")
    return render_360(request, pk, interaction_form=form)


@login_required
@require_POST
def task_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(actor=request.user, pk=pk)
    if not request.user.has_perm("interactions.add_task"):
        raise PermissionDenied
    form = TaskForm(request.POST, actor=request.user, customer=customer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            task_create(
                actor=request.user,
                customer=customer,
                assignee=data["assignee"],
                title=data["title"],
                due_date=data["due_date"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Task created."))
            return redirect(reverse("customers:detail", args=[customer.pk]) + "#tasks")
    return render_360(request, pk, task_form=form)


@login_required
@require_POST
def task_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a task done in one click; the task must belong to a customer in scope (else 404)."""
    try:
        task = tasks_visible_to(request.user).get(pk=pk)
    except Task.DoesNotExist as exc:
        raise Http404 from exc
    form = TaskCompleteForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("The task's version is missing."))
    try:
        task_update(
            actor=request.user,
            task=task,
            version=form.cleaned_data["version"],
            status=Task.Status.DONE,
        )
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Task “%(title)s” done.") % {"title": task.title})
    target = form.cleaned_data["next"]
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("customers:detail", args=[task.customer_id]) + "#tasks"
    return redirect(target)
