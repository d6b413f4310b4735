from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
def audit_search_view(request):
    return HttpResponse("")
