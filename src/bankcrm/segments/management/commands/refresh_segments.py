"""bankcrm refresh_segments — evaluate dynamic segments again; record who entered and left."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bankcrm.segments.models import Segment, SegmentRefresh


class Command(BaseCommand):
    help = (
        "Refresh every dynamic segment (or the ones named by id) with its owner's scope; "
        "--schedule starts the self-renewing background refresh instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="segment ids (default: all dynamic)")
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="start (or restart) the scheduled refresh in the background worker",
        )
        parser.add_argument(
            "--interval", type=int, help="seconds between scheduled refreshes (with --schedule)"
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="refresh in the background worker instead (one task per segment)",
        )

    def handle(self, *args, **options):
        from bankcrm.segments.services import segment_refresh, segments_refresh_all

        if options["schedule"]:
            from bankcrm.segments.tasks import refresh_schedule

            if options["interval"] is not None and options["interval"] < 60:
                raise CommandError(_("The interval must be at least 60 seconds."))
            schedule = refresh_schedule(interval_seconds=options["interval"])
            self.stdout.write(
                _("Scheduled refresh started: every %(seconds)s seconds.")
                % {"seconds": schedule.interval_seconds}
            )
            return
        if options["enqueue"]:
            from bankcrm.segments.tasks import segment_refresh as task

            ids = options["ids"] or list(
                Segment.objects.filter(kind=Segment.Kind.DYNAMIC, archived=False)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for pk in ids:
                task.enqueue(pk)
            self.stdout.write(
                _("%(count)s refreshes queued for the background worker.") % {"count": len(ids)}
            )
            return
        if not options["ids"]:
            result = segments_refresh_all(trigger=SegmentRefresh.Trigger.MANUAL)
            self.stdout.write(
                _("%(done)s segments refreshed, %(failed)s failed.")
                % {"done": result["refreshed"], "failed": len(result["failed"])}
            )
            if result["failed"]:
                raise CommandError(
                    _("Refresh failed for segments %(ids)s.")
                    % {"ids": ", ".join(map(str, result["failed"]))}
                )
            return
        for pk in options["ids"]:
            segment = Segment.objects.filter(pk=pk).first()
            if segment is None:
                raise CommandError(_("No segment %(id)s.") % {"id": pk})
            try:
                done = segment_refresh(segment=segment, trigger=SegmentRefresh.Trigger.MANUAL)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            self.stdout.write(
                _("%(name)s: %(members)s members, %(entered)s entered, %(left)s left.")
                % {
                    "name": segment.name,
                    "members": done.member_count,
                    "entered": done.entered,
                    "left": done.left,
                }
            )
