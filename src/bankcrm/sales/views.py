"""Sales pages: leads, the shared pool, opportunities (list, kanban board, detail with quotes,
contracts, collection plans and payments) and the sales reports. Thin: selectors read (scoped,
out of scope = 404), services write."""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bankcrm.common.errors import ConflictError
from bankcrm.customers.forms import apply_service_errors
from bankcrm.sales import reports, selectors, services
from bankcrm.sales.forms import (
    AssignForm,
    ContractForm,
    ConvertForm,
    FollowUpForm,
    LeadFilterForm,
    LeadForm,
    LeadImportForm,
    MoveForm,
    OpportunityEditForm,
    OpportunityFilterForm,
    OpportunityForm,
    PaymentForm,
    QuoteForm,
    QuoteStatusForm,
    ReportFilterForm,
    RevealForm,
)
from bankcrm.sales.imports import leads_import
from bankcrm.sales.models import Instalment, Lead, Opportunity, ProductLine, Quote, Stage

PAGE = 50


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _after(request: HttpRequest) -> int | None:
    try:
        return int(request.GET.get("after", "")) or None
    except ValueError:
        return None


def _page(qs, request: HttpRequest) -> tuple[list, int | None]:
    after = _after(request)
    if after:
        qs = qs.filter(pk__lt=after)
    rows = list(qs.order_by("-pk")[: PAGE + 1])
    return rows[:PAGE], (rows[PAGE - 1].pk if len(rows) > PAGE else None)


def _query_without_after(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("after", None)
    return query.urlencode()


# ---------------------------------------------------------------------------------- leads


@login_required
@permission_required("sales.view_lead", raise_exception=True)
def lead_list(request: HttpRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET or {"status": "open"}, actor=request.user)
    filters = selectors.LeadFilters(status="open")
    if form.is_valid():
        d = form.cleaned_data
        filters = selectors.LeadFilters(
            status=d["status"],
            source=d["source"],
            branch_id=d["branch"].pk if d.get("branch") else None,
            assignee_id=d["assignee"].pk if d.get("assignee") else None,
        )
    leads, next_after = _page(selectors.lead_search(actor=request.user, filters=filters), request)
    return _no_store(
        render(
            request,
            "sales/lead_list.html",
            {
                "form": form,
                "leads": leads,
                "next_after": next_after,
                "query": _query_without_after(request),
            },
        )
    )


@login_required
@permission_required("sales.add_lead", raise_exception=True)
def lead_create_view(request: HttpRequest) -> HttpResponse:
    form = LeadForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            lead = services.lead_create(
                actor=request.user,
                data=services.LeadData(
                    source=d["source"],
                    branch=d["branch"],
                    customer=d["customer"],
                    prospect_name=d["prospect_name"],
                    prospect_mobile=d["prospect_mobile"],
                    product_line=d["product_line"],
                    product=d["product"],
                    expected_amount=d["expected_amount"],
                    referrer=d["referrer"],
                    referrer_line=d["referrer_line"],
                    source_detail=d["source_detail"],
                    notes=d["notes"],
                ),
                assignee=d["assignee"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if lead.assignee_id:
                messages.success(
                    request, _("Lead recorded and assigned to %(name)s.") % {"name": lead.assignee}
                )
            else:
                messages.warning(
                    request, _("Lead recorded; no RM below the cap, so it waits in the pool.")
                )
            if selectors.leads_visible_to(request.user).filter(pk=lead.pk).exists():
                return redirect("sales:lead_detail", pk=lead.pk)
            return redirect("sales:lead_create")
    return _no_store(render(request, "sales/lead_form.html", {"form": form}))


@login_required
@permission_required("sales.import_lead", raise_exception=True)
def lead_import_view(request: HttpRequest) -> HttpResponse:
    form = LeadImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if not request.user.has_perm("sales.add_lead"):
            raise PermissionDenied
        try:
            result = leads_import(
                actor=request.user, content=upload.read(), filename=upload.name or ""
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.info(
                request,
                _("%(created)s of %(rows)s rows imported.")
                % {"created": len(result.created), "rows": result.rows},
            )
    return _no_store(render(request, "sales/lead_import.html", {"form": form, "result": result}))


def _lead_context(request: HttpRequest, lead: Lead, **forms) -> dict:
    actor = request.user
    can_work = lead.is_open and (
        lead.assignee_id == actor.pk or actor.has_perm("sales.assign_lead")
    )
    context = {
        "lead": lead,
        "activities": list(selectors.lead_activities(lead=lead)[:50]),
        "opportunities": list(
            selectors.opportunities_visible_to(actor)
            .filter(lead=lead)
            .select_related("stage", "line")
        ),
        "can_work": can_work and actor.has_perm("sales.change_lead"),
        "can_assign": lead.is_open and actor.has_perm("sales.assign_lead"),
        "follow_up_form": forms.get("follow_up_form")
        or FollowUpForm(initial={"version": lead.version}),
        "assign_form": forms.get("assign_form")
        or AssignForm(actor=actor, initial={"version": lead.version, "assignee": lead.assignee_id}),
        "convert_form": forms.get("convert_form")
        or ConvertForm(
            actor=actor,
            lead=lead,
            initial={
                "version": lead.version,
                "amount": lead.expected_amount,
                "product": lead.product_id,
            },
        ),
        "reveal_form": RevealForm(),
    }
    return context


def _act(
    request: HttpRequest,
    form,
    run: Callable[[dict], object],
    *,
    done: str | Callable[[object], str],
    back: str,
    success: Callable[[object], str] | None = None,
    again: Callable[[], HttpResponse],
) -> HttpResponse:
    """A form posted to a service: on success a message (`done`, or what it makes of the
    service's result) and a redirect (to `back`, or where `success` sends it given the
    service's result); someone else's change first: the message and `back`; invalid input:
    `again` (the page with the form's errors, 400)."""
    if form.is_valid():
        try:
            result = run(form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except ConflictError as exc:
            messages.error(request, exc.message)
            return redirect(back)
        else:
            messages.success(request, done(result) if callable(done) else done)
            return redirect(success(result) if success else back)
    return again()


def _lead_page(request: HttpRequest, lead: Lead, **forms) -> HttpResponse:
    context = _lead_context(request, lead, **forms)
    return _no_store(render(request, "sales/lead_detail.html", context, status=400))


def _opp_page(request: HttpRequest, opp: Opportunity, **forms) -> HttpResponse:
    context = _opp_context(request, opp, **forms)
    return _no_store(render(request, "sales/opportunity_detail.html", context, status=400))


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get(actor=request.user, pk=pk)
    return _no_store(render(request, "sales/lead_detail.html", _lead_context(request, lead)))


@login_required
@require_POST
def lead_follow_up_view(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get(actor=request.user, pk=pk)
    if not request.user.has_perm("sales.change_lead"):
        raise PermissionDenied
    form = FollowUpForm(request.POST)
    return _act(
        request,
        form,
        lambda d: services.lead_follow_up(
            actor=request.user, lead=lead, version=d["version"], note=d["note"], status=d["status"]
        ),
        done=_("Follow-up recorded."),
        back=reverse("sales:lead_detail", args=[pk]),
        again=lambda: _lead_page(request, lead, follow_up_form=form),
    )


@login_required
@require_POST
def lead_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get(actor=request.user, pk=pk)
    if not request.user.has_perm("sales.assign_lead"):
        raise PermissionDenied
    form = AssignForm(request.POST, actor=request.user)
    return _act(
        request,
        form,
        lambda d: services.lead_assign(
            actor=request.user, lead=lead, assignee=d["assignee"], version=d["version"]
        ),
        done=_("Lead assigned."),
        back=reverse("sales:lead_detail", args=[pk]),
        again=lambda: _lead_page(request, lead, assign_form=form),
    )


@login_required
@require_POST
def lead_convert_view(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get(actor=request.user, pk=pk)
    if not request.user.has_perm("sales.change_lead"):
        raise PermissionDenied
    form = ConvertForm(request.POST, actor=request.user, lead=lead)
    return _act(
        request,
        form,
        lambda d: services.lead_convert(
            actor=request.user,
            lead=lead,
            version=d["version"],
            customer=d.get("customer"),
            line=d["line"],
            name=d["name"],
            amount=d["amount"],
            expected_close=d["expected_close"],
            product=d["product"],
        ),
        done=_("Lead converted into an opportunity."),
        back=reverse("sales:lead_detail", args=[pk]),
        success=lambda opp: reverse("sales:opportunity_detail", args=[opp.pk]),
        again=lambda: _lead_page(request, lead, convert_form=form),
    )


@login_required
@require_POST
def lead_reveal_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The prospect's mobile in clear (htmx fragment), for a stated reason; audited."""
    lead = selectors.lead_get(actor=request.user, pk=pk)
    form = RevealForm(request.POST)
    form.is_valid()
    try:
        value = services.lead_reveal(
            actor=request.user, lead=lead, reason=form.cleaned_data.get("reason", "")
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return _no_store(
            render(request, "sales/_reveal.html", {"lead": lead, "reveal_form": form}, status=400)
        )
    return _no_store(render(request, "sales/_reveal.html", {"lead": lead, "revealed": value}))


# ---------------------------------------------------------------------------------- the pool


@login_required
@permission_required("sales.view_lead", raise_exception=True)
def pool(request: HttpRequest) -> HttpResponse:
    actor = request.user
    leads = list(
        selectors.pool_leads_for(actor)
        .select_related("branch", "product_line", "customer")
        .order_by("pooled_at", "id")[:PAGE]
    )
    customers = list(
        selectors.pool_customers_for(actor).select_related("branch").order_by("id")[:PAGE]
    )
    rules = selectors.pool_setting_for(actor.branch)
    return _no_store(
        render(
            request,
            "sales/pool.html",
            {
                "leads": leads,
                "customers": customers,
                "rules": rules,
                "can_claim": actor.has_perm("sales.claim_lead")
                and actor.role == "relationship_manager",
                "open_leads": Lead.objects.filter(
                    assignee=actor, status__in=Lead.OPEN_STATUSES
                ).count(),
            },
        )
    )


@login_required
@require_POST
def pool_lead_claim(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.pool_lead_get(actor=request.user, pk=pk)
    if not request.user.has_perm("sales.claim_lead"):
        raise PermissionDenied
    try:
        services.lead_claim(actor=request.user, lead=lead)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Lead claimed: it is yours now."))
        return redirect("sales:lead_detail", pk=lead.pk)
    return redirect("sales:pool")


@login_required
@require_POST
def pool_customer_claim(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.pool_customer_get(actor=request.user, pk=pk)
    try:
        services.customer_claim(actor=request.user, customer=customer)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Customer claimed: they are in your book now."))
        return redirect("customers:detail", pk=customer.pk)
    return redirect("sales:pool")


# ---------------------------------------------------------------------------------- opportunities


def _opp_filters(form: OpportunityFilterForm) -> selectors.OpportunityFilters:
    if not form.is_valid():
        return selectors.OpportunityFilters()
    d = form.cleaned_data
    return selectors.OpportunityFilters(
        line_id=d["line"].pk if d["line"] else None,
        status=d["status"],
        branch_id=d["branch"].pk if d.get("branch") else None,
        owner_id=d["owner"].pk if d.get("owner") else None,
        close_from=d["close_from"],
        close_to=d["close_to"],
    )


@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def opportunity_list(request: HttpRequest) -> HttpResponse:
    form = OpportunityFilterForm(request.GET, actor=request.user)
    qs = selectors.opportunity_search(actor=request.user, filters=_opp_filters(form))
    opps, next_after = _page(qs, request)
    return _no_store(
        render(
            request,
            "sales/opportunity_list.html",
            {
                "form": form,
                "opportunities": opps,
                "next_after": next_after,
                "query": _query_without_after(request),
                "today": timezone.localdate(),
                "overdue": list(
                    selectors.overdue_instalments(actor=request.user, today=timezone.localdate())[
                        :10
                    ]
                ),
            },
        )
    )


@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def opportunity_board(request: HttpRequest) -> HttpResponse:
    lines = list(ProductLine.objects.filter(active=True))
    line = next(
        (x for x in lines if x.code == request.GET.get("line")), lines[0] if lines else None
    )
    form = OpportunityFilterForm(request.GET, actor=request.user)
    filters = _opp_filters(form)
    columns = (
        selectors.board(
            actor=request.user,
            line=line,
            filters=selectors.OpportunityFilters(
                branch_id=filters.branch_id, owner_id=filters.owner_id
            ),
        )
        if line
        else []
    )
    return _no_store(
        render(
            request,
            "sales/board.html",
            {"lines": lines, "line": line, "columns": columns, "form": form},
        )
    )


@login_required
@permission_required("sales.add_opportunity", raise_exception=True)
def opportunity_create_view(request: HttpRequest) -> HttpResponse:
    initial = {}
    if request.GET.get("customer"):
        initial["customer"] = request.GET["customer"][:12]
    form = OpportunityForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            opp = services.opportunity_create(
                actor=request.user,
                customer=d["customer"],
                line=d["line"],
                name=d["name"],
                amount=d["amount"],
                expected_close=d["expected_close"],
                product=d["product"],
                owner=d["owner"] or request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Opportunity opened."))
            return redirect("sales:opportunity_detail", pk=opp.pk)
    return _no_store(render(request, "sales/opportunity_form.html", {"form": form}))


def _opp_context(request: HttpRequest, opp: Opportunity, **forms) -> dict:
    today = timezone.localdate()
    return {
        "opp": opp,
        "file": selectors.opportunity_file(opportunity=opp, today=today),
        "today": today,
        "stages": list(opp.line.stages.order_by("position")),
        "edit_form": forms.get("edit_form")
        or OpportunityEditForm(
            initial={
                "version": opp.version,
                "name": opp.name,
                "amount": opp.amount,
                "probability": opp.probability,
                "expected_close": opp.expected_close,
            }
        ),
        "move_form": forms.get("move_form")
        or MoveForm(opportunity=opp, initial={"version": opp.version}),
        "quote_form": forms.get("quote_form")
        or QuoteForm(initial={"valid_until": today + timedelta(days=30)}),
        "contract_form": forms.get("contract_form")
        or ContractForm(
            initial={
                "amount": opp.amount,
                "signed_on": today,
                "instalments": 1,
                "first_due": today + timedelta(days=30),
            }
        ),
        "payment_form": forms.get("payment_form") or PaymentForm(initial={"received_on": today}),
        "payment_for": forms.get("payment_for"),
        "can_change": opp.status == Opportunity.Status.OPEN
        and request.user.has_perm("sales.change_opportunity")
        and (opp.owner_id == request.user.pk or request.user.has_perm("sales.assign_lead")),
    }


@login_required
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opp = selectors.opportunity_get(actor=request.user, pk=pk)
    return _no_store(render(request, "sales/opportunity_detail.html", _opp_context(request, opp)))


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@login_required
@require_POST
def opportunity_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move to another stage: from the detail page's form, or dropped on the board (htmx,
    answering the moved card, or 409/400 with the reason for the board to show)."""
    opp = selectors.opportunity_get(actor=request.user, pk=pk)
    if not request.user.has_perm("sales.change_opportunity"):
        raise PermissionDenied
    form = MoveForm(request.POST, opportunity=opp)

    def move(d: dict) -> Opportunity:
        return services.opportunity_move(
            actor=request.user,
            opportunity=opp,
            stage=d["stage"],
            version=d["version"],
            reason=d["reason"],
        )

    if request.headers.get("HX-Request") != "true":
        return _act(
            request,
            form,
            move,
            done=lambda moved: (
                _("Moved to %(stage)s.") % {"stage": moved.stage.display_name(get_language())}
            ),
            back=reverse("sales:opportunity_detail", args=[pk]),
            again=lambda: _opp_page(request, opp, move_form=form),
        )
    if not form.is_valid():
        return _plain(" ".join(str(m) for errs in form.errors.values() for m in errs), 400)
    try:
        moved = move(form.cleaned_data)
    except ValidationError as exc:
        return _plain(" ".join(exc.messages), 400)
    except ConflictError as exc:
        return _plain(str(exc.message), 409)
    return render(request, "sales/_card.html", {"opp": moved})


@login_required
@require_POST
def opportunity_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    opp = selectors.opportunity_get(actor=request.user, pk=pk)
    if not request.user.has_perm("sales.change_opportunity"):
        raise PermissionDenied
    form = OpportunityEditForm(request.POST)
    return _act(
        request,
        form,
        lambda d: services.opportunity_update(
            actor=request.user,
            opportunity=opp,
            version=d["version"],
            name=d["name"],
            amount=d["amount"],
            probability=d["probability"],
            expected_close=d["expected_close"],
        ),
        done=_("Opportunity updated."),
        back=reverse("sales:opportunity_detail", args=[pk]),
        again=lambda: _opp_page(request, opp, edit_form=form),
    )


def _parse_items(text: str) -> list[services.QuoteLine]:
    lines = []
    for raw in (text or "").splitlines():
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.split("|")]
        parts += [""] * (3 - len(parts))
        lines.append(services.QuoteLine(parts[0], parts[1], parts[2]))
    return lines


@login_required
@require_POST
def quote_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    opp = selectors.opportunity_get(actor=request.user, pk=pk)
    if not request.user.has_perm("sales.add_quote"):
        raise PermissionDenied
    form = QuoteForm(request.POST)
    return _act(
        request,
        form,
        lambda d: services.quote_create(
            actor=request.user,
            opportunity=opp,
            title=d["title"],
            valid_until=d["valid_until"],
            items=_parse_items(d["items"]),
        ),
        done=_("Quote created."),
        back=reverse("sales:opportunity_detail", args=[pk]) + "#quotes",
        again=lambda: _opp_page(request, opp, quote_form=form),
    )


@login_required
@require_POST
def quote_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    quote = get_object_or_404(
        Quote.objects.filter(
            opportunity__in=selectors.opportunities_visible_to(request.user).values("pk")
        ).select_related("opportunity"),
        pk=pk,
    )
    if not request.user.has_perm("sales.change_quote"):
        raise PermissionDenied
    form = QuoteStatusForm(request.POST)
    if form.is_valid():
        try:
            services.quote_set_status(
                actor=request.user,
                quote=quote,
                status=form.cleaned_data["status"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except ConflictError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Quote updated."))
    else:
        messages.error(request, _("Choose a status."))
    return redirect(reverse("sales:opportunity_detail", args=[quote.opportunity_id]) + "#quotes")


@login_required
@require_POST
def contract_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    opp = selectors.opportunity_get(actor=request.user, pk=pk)
    if not request.user.has_perm("sales.add_contract"):
        raise PermissionDenied
    form = ContractForm(request.POST)

    def record(d: dict):
        plan = []
        if d["amount"] and d["first_due"]:
            plan = services.equal_instalments(
                amount=Decimal(d["amount"]), first_due=d["first_due"], count=d["instalments"] or 1
            )
        try:
            return services.contract_create(
                actor=request.user,
                opportunity=opp,
                number=d["number"],
                signed_on=d["signed_on"],
                amount=d["amount"],
                term_months=d["term_months"],
                plan=plan,
            )
        except ValidationError as exc:  # the plan is made from the first due date
            errors = exc.message_dict
            if "plan" in errors:
                errors = {"first_due": errors.pop("plan"), **errors}
            raise ValidationError(errors) from exc

    return _act(
        request,
        form,
        record,
        done=_("Contract recorded with its collection plan."),
        back=reverse("sales:opportunity_detail", args=[pk]) + "#contracts",
        again=lambda: _opp_page(request, opp, contract_form=form),
    )


@login_required
@require_POST
def payment_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    instalment = get_object_or_404(
        Instalment.objects.filter(
            contract__opportunity__in=selectors.opportunities_visible_to(request.user).values("pk")
        ).select_related("contract__opportunity"),
        pk=pk,
    )
    if not request.user.has_perm("sales.add_payment"):
        raise PermissionDenied
    opp_pk = instalment.contract.opportunity_id
    form = PaymentForm(request.POST)
    return _act(
        request,
        form,
        lambda d: services.payment_record(
            actor=request.user,
            instalment=instalment,
            amount=d["amount"],
            received_on=d["received_on"],
            reference=d["reference"],
        ),
        done=_("Payment recorded."),
        back=reverse("sales:opportunity_detail", args=[opp_pk]) + "#contracts",
        again=lambda: _opp_page(
            request,
            selectors.opportunity_get(actor=request.user, pk=opp_pk),
            payment_form=form,
            payment_for=instalment.pk,
        ),
    )


# ---------------------------------------------------------------------------------- reports


@login_required
@permission_required("sales.view_sales_reports", raise_exception=True)
def report(request: HttpRequest) -> HttpResponse:
    actor = request.user
    today = timezone.localdate()
    defaults = {"start": date(today.year, 1, 1), "end": today}
    if request.GET:
        form = ReportFilterForm(request.GET, actor=actor)
        data = form.cleaned_data if form.is_valid() else {}
    else:
        form = ReportFilterForm(initial=defaults, actor=actor)
        data = {}
    start = data.get("start") or defaults["start"]
    end = data.get("end") or defaults["end"]
    if end < start:
        start, end = end, start
    line = data.get("line") or ProductLine.objects.filter(active=True).first()
    branch = data.get("branch")
    filters = reports.ReportFilters(start=start, end=end, branch_id=branch.pk if branch else None)
    language = get_language() or "zh-hans"
    funnel = reports.funnel(actor=actor, filters=filters, line=line) if line else []
    cycles = reports.stage_cycle_times(actor=actor, filters=filters, line=line) if line else []
    by = {
        key: reports.win_rates(actor=actor, filters=filters, by=key, language=language)
        for key in ("line", "branch", "owner")
    }
    forecast = reports.forecast(actor=actor, filters=filters, today=today)
    referrals = reports.referral_credit(actor=actor, filters=filters)
    charts = {
        "funnel": {
            "labels": [s.stage.display_name(language) for s in funnel if s.stage.kind != "lost"],
            "counts": [s.reached for s in funnel if s.stage.kind != "lost"],
            "amounts": [str(s.reached_amount) for s in funnel if s.stage.kind != "lost"],
        },
        "cycle": {
            "labels": [c.stage.display_name(language) for c in cycles],
            "days": [c.average_days for c in cycles],
        },
        "forecast": {
            "labels": [f"{m.month:%Y-%m}" for m in forecast],
            "amounts": [str(m.amount) for m in forecast],
            "weighted": [str(m.weighted) for m in forecast],
        },
        "win_owner": {
            "labels": [r.label for r in by["owner"][:15]],
            "rates": [r.rate for r in by["owner"][:15]],
        },
        "names": {
            "count": _("Opportunities"),
            "amount": _("Amount (¥)"),
            "days": _("Average days"),
            "pipeline": _("Pipeline amount"),
            "weighted": _("Expected (weighted by probability)"),
            "rate": _("Win rate (%)"),
        },
    }
    return _no_store(
        render(
            request,
            "sales/report.html",
            {
                "form": form,
                "start": start,
                "end": end,
                "line": line,
                "funnel": funnel,
                "cycles": cycles,
                "by_line": by["line"],
                "by_branch": by["branch"],
                "by_owner": by["owner"],
                "forecast": forecast,
                "referrals": referrals,
                "charts": charts,
                "kinds": Stage.Kind,
            },
        )
    )
