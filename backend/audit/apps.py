from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "backend.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from simple_history.signals import pre_create_historical_record

        from backend.audit.recording import record_reason

        pre_create_historical_record.connect(record_reason, dispatch_uid="audit.record_reason")
