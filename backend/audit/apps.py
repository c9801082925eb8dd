from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "backend.audit"
    label = "audit"
    verbose_name = "변경 이력 · Audit trail"

    def ready(self) -> None:
        from simple_history.signals import pre_create_historical_record

        from backend.audit.recording import record_reason

        pre_create_historical_record.connect(record_reason, dispatch_uid="audit.record_reason")
