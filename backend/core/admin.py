from django.contrib import admin

from backend.core.models import UnsentTask

# Read-only: the sweep queues these again and deletes them; an operator only looks.
admin.site.register(
    UnsentTask,
    list_display=["task", "failed_at", "attempts", "error"],
    readonly_fields=["task", "args", "error", "failed_at", "attempts"],
)
