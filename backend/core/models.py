from django.db import models
from django.utils import timezone


class UnsentTask(models.Model):
    """A background task that could not be queued after its transaction committed: the
    broker did not answer. The work it stands for is committed (the scans, the billing
    run, the notice), so it is kept here and queued again by the sweep
    (`queueing.requeue_unsent`) once the broker answers. Every task queued this way is
    idempotent, so a task queued twice does its work once."""

    task = models.CharField(max_length=200, help_text="the Celery task's name")
    args = models.JSONField(default=list, help_text="its positional arguments")
    error = models.TextField(blank=True, help_text="why it was last refused")
    failed_at = models.DateTimeField(default=timezone.now, help_text="when it was first refused")
    attempts = models.PositiveIntegerField(default=1, help_text="how many times queuing it has failed")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
