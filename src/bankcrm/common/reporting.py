"""Error reports (the 500 page in DEBUG, the e-mail to ADMINS, any other reporter) without
personal data.

Django's default filter hides only settings and parameters with "secret"-like names; a bank
CRM's request bodies, query strings and local variables hold ID numbers, mobiles and balances.
This filter hides every POST value and every local variable of every frame; the reporter also
hides every GET value and the query string. What is left (the exception, the code lines, the
path, the view, header names) is enough to find the bug.
"""

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

HIDDEN = "********************"


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    def is_active(self, request):
        return True  # also in DEBUG: a developer's screen shows real data too

    def get_post_parameters(self, request):
        if request is None:
            return {}
        cleansed = request.POST.copy()
        for name in cleansed:
            cleansed[name] = HIDDEN
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, HIDDEN) for name in tb_frame.f_locals]

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        for name in ("QUERY_STRING", "REQUEST_URI", "RAW_URI"):
            if meta.get(name):
                meta[name] = HIDDEN
        return meta


class PersonalDataExceptionReporter(ExceptionReporter):
    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is not None:
            data["request_GET_items"] = [(name, HIDDEN) for name in self.request.GET]
            data["request_insecure_uri"] = self.request.path
        return data
