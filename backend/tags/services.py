from django.db import transaction
from django.db.models import Q

from backend.core.errors import DomainError
from backend.restaurants.models import Bin, BinStatus
from backend.tags import codes
from backend.tags.models import Tag, TagQuerySet


def issue_tag(*, bin: Bin, issued_by, reason: str = "replaced by a new tag") -> Tag:
    """Issue the bin's tag; a tag already on the bin (lost, damaged) is revoked first."""
    with transaction.atomic():
        bin = Bin.objects.select_for_update().get(pk=bin.pk)
        if bin.status != BinStatus.ACTIVE:
            raise DomainError("bin_retired", "사용 중지된 용기입니다. This bin is retired.", status_code=409)
        for old in Tag.objects.filter(bin=bin).active():
            old.revoke(by=issued_by, reason=reason)
        return Tag.objects.create(bin=bin, issued_by=issued_by)


def retire_bin(*, bin: Bin, by) -> Bin:
    """A bin taken out of service: its tag is revoked so that no scan can bill it. Tags own
    this rule (a retired bin has no active tag); restaurants know nothing of tags."""
    with transaction.atomic():
        bin = Bin.objects.select_for_update().get(pk=bin.pk)
        for tag in Tag.objects.filter(bin=bin).active():
            tag.revoke(by=by, reason="bin retired")
        bin.status = BinStatus.RETIRED
        bin.save(update_fields=["status"])
    return bin


def find_tags(references: list[str], *, queryset: TagQuerySet | None = None) -> dict[str, Tag | DomainError]:
    """Resolve what scanners sent (URLs, codes, manual codes) to tags, in one query."""
    parsed = {raw: codes.parse_tag_reference(raw) for raw in set(references)}
    wanted_codes = {ref.code for ref in parsed.values() if ref.code}
    wanted_manual = {ref.manual_code for ref in parsed.values() if ref.manual_code and not ref.bad_check_character}
    queryset = queryset if queryset is not None else Tag.objects.all()
    found = []
    if wanted_codes or wanted_manual:
        found = queryset.filter(Q(code__in=wanted_codes) | Q(manual_code__in=wanted_manual)).select_related(
            "bin__restaurant"
        )
    by_code = {tag.code: tag for tag in found}
    by_manual = {tag.manual_code: tag for tag in by_code.values()}

    resolved: dict[str, Tag | DomainError] = {}
    for raw, ref in parsed.items():
        if ref.bad_check_character:
            resolved[raw] = DomainError(
                "manual_code_typo",
                "수동 입력 코드가 맞지 않습니다. 다시 확인해 주세요. The manual code has a typo; please check it.",
                fields={"tag": ["check character does not match"]},
            )
            continue
        tag = by_code.get(ref.code) if ref.code else by_manual.get(ref.manual_code)
        resolved[raw] = tag or DomainError(
            "unknown_tag", "등록되지 않은 태그입니다. This tag is not registered.", fields={"tag": ["unknown"]}
        )
    return resolved
