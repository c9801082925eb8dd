import uuid

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.core.errors import DomainError
from backend.municipalities.models import Municipality
from backend.restaurants.models import Bin, BinStatus, RestaurantStatus
from backend.tags import codes
from backend.tags.models import Tag, TagReport, TagReportKind
from backend.tags.notices import notify_owner_of_tag_report


def issue_tag(*, bin: Bin, issued_by: User, reason: str = "replaced by a new tag") -> Tag:
    """Issue the bin's tag; a tag already on the bin (lost, damaged) is revoked first."""
    with transaction.atomic():
        bin = Bin.objects.select_for_update().get(pk=bin.pk)
        if bin.status != BinStatus.ACTIVE:
            raise DomainError("bin_retired", _("This bin is retired."), status_code=409)
        for old in Tag.objects.filter(bin=bin).active():
            old.revoke(by=issued_by, reason=reason)
        # The owner's "lost or damaged" report is answered by the new tag.
        TagReport.objects.filter(bin=bin).open().update(resolved_at=timezone.now(), resolved_by=issued_by)
        return Tag.objects.create(bin=bin, issued_by=issued_by)


def retire_bin(*, bin: Bin, by: User, reason: str = "bin retired") -> Bin:
    """A bin taken out of service: its tag is revoked so that no scan can bill it. Tags own
    this rule (a retired bin has no active tag); restaurants know nothing of tags."""
    with transaction.atomic():
        bin = Bin.objects.select_for_update().get(pk=bin.pk)
        for tag in Tag.objects.filter(bin=bin).active():
            tag.revoke(by=by, reason=reason)
        bin.status = BinStatus.RETIRED
        bin.save(update_fields=["status", "updated_at"])
    return bin


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Please give a reason."), fields={"reason": ["required"]})
    return reason[:200]


def replace_tag(*, tag: Tag, by: User, reason: str) -> Tag:
    """A lost or damaged tag: the bin gets a new one and the old is revoked with the reason."""
    reason = _required_reason(reason)
    if not tag.is_active:
        raise DomainError("tag_revoked", _("This tag is already revoked."))
    return issue_tag(bin=tag.bin, issued_by=by, reason=reason)


def revoke_tag(*, tag: Tag, by: User, reason: str) -> Tag:
    """Revoke a tag without a replacement (the bin keeps no active tag)."""
    reason = _required_reason(reason)
    with transaction.atomic():
        tag = Tag.objects.select_for_update().get(pk=tag.pk)
        if not tag.is_active:
            raise DomainError("tag_revoked", _("This tag is already revoked."))
        tag.revoke(by=by, reason=reason)
    return tag


def bins_without_active_tag(municipality_id: uuid.UUID) -> QuerySet[Bin]:
    """Active bins of open restaurants that carry no active tag: what a bulk issue covers."""
    return (
        Bin.objects.active()
        .filter(restaurant__municipality_id=municipality_id, restaurant__status=RestaurantStatus.OPEN)
        .exclude(Exists(Tag.objects.filter(bin=OuterRef("pk")).active()))
    )


def issue_missing_tags(*, municipality_id: uuid.UUID, issued_by: User) -> int:
    """One new tag for every active bin of an open restaurant that has none; the number issued.
    Under a lock on the municipality, so that two officials clicking at once issue once."""
    with transaction.atomic():
        Municipality.objects.select_for_update().filter(pk=municipality_id).first()
        bin_ids = list(bins_without_active_tag(municipality_id).order_by("pk").values_list("pk", flat=True))
        Tag.objects.bulk_create([Tag(bin_id=pk, issued_by=issued_by) for pk in bin_ids], batch_size=2000)
    return len(bin_ids)


def find_tags(references: list[str], *, queryset: "QuerySet[Tag] | None" = None) -> dict[str, Tag | DomainError]:
    """Resolve what scanners sent (URLs, codes, manual codes) to tags, in one query."""
    parsed = {raw: codes.parse_tag_reference(raw) for raw in set(references)}
    wanted_codes = {ref.code for ref in parsed.values() if ref.code}
    wanted_manual = {ref.manual_code for ref in parsed.values() if ref.manual_code and not ref.bad_check_character}
    queryset = queryset if queryset is not None else Tag.objects.all()
    found: list[Tag] = []
    if wanted_codes or wanted_manual:
        found = list(
            queryset.filter(Q(code__in=wanted_codes) | Q(manual_code__in=wanted_manual)).select_related(
                "bin__restaurant"
            )
        )
    by_code = {tag.code: tag for tag in found}
    by_manual = {tag.manual_code: tag for tag in by_code.values()}

    resolved: dict[str, Tag | DomainError] = {}
    for raw, ref in parsed.items():
        if ref.bad_check_character:
            resolved[raw] = DomainError(
                "manual_code_typo",
                _("The manual code has a typo; please check it."),
                fields={"tag": ["check character does not match"]},
            )
            continue
        tag = by_code.get(ref.code) if ref.code else by_manual.get(ref.manual_code or "")
        resolved[raw] = tag or unknown_tag()
    return resolved


def unknown_tag() -> DomainError:
    """A code no tag has; also the answer to a crew scanning a tag outside its service
    area (collection_events), which must not learn that the code is real."""
    return DomainError("unknown_tag", _("This tag is not registered."), fields={"tag": ["unknown"]})


def report_tag_problem(*, bin: Bin, by: User, kind: str, note: str = "") -> TagReport:
    """An owner tells the officials that the bin's tag is lost or damaged (or an outside
    app does, through Open311: then the owner is told). One open report per bin: a
    second one, before an official acts, is refused with a code saying so."""
    if kind not in TagReportKind.values:
        raise DomainError(
            "validation_error",
            _("Choose lost or damaged."),
            fields={"kind": [f"one of {', '.join(TagReportKind.values)}"]},
        )
    note = (note or "").strip()
    if len(note) > 200 or "\x00" in note:
        raise DomainError(
            "validation_error", _("The note takes at most 200 characters."), fields={"note": ["too long"]}
        )
    if bin.status != BinStatus.ACTIVE:
        raise DomainError("bin_retired", _("This bin is retired."), status_code=409)
    tag = Tag.objects.filter(bin=bin).active().first()
    try:
        with transaction.atomic():
            report = TagReport.objects.create(bin=bin, tag=tag, kind=kind, note=note, reported_by=by)
            notify_owner_of_tag_report(report=report)
            return report
    except IntegrityError:
        raise DomainError(
            "tag_report_open",
            _("A report for this bin's tag is already open."),
            status_code=409,
        ) from None


def close_tag_report(*, report: TagReport, by: User) -> bool:
    """An official closes a report without issuing a tag (e.g. the owner found it). Once:
    a conditional UPDATE, so a second click changes nothing."""
    return bool(TagReport.objects.filter(id=report.id).open().update(resolved_at=timezone.now(), resolved_by=by))
