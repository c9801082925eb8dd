"""`/open311/v2/`: Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) for
other apps, in JSON or XML (the path's `.json` or `.xml`); answers use the spec's
English field names, texts are Korean unless `locale=en`. Errors are the spec's
`[{"code", "description"}]` with its HTTP codes (400, 403, 404), plus 429 when a key
files too fast.

Each view reads the spec's parameters, calls one function (services.py for writes)
and shapes the answer with georeport.py."""

import re
import uuid
from datetime import UTC, datetime, timedelta

from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.api import exception_handler as api_exception_handler
from backend.core.bounds import checked_moment
from backend.core.errors import DomainError
from backend.municipalities.models import Municipality
from backend.open311 import georeport, services
from backend.open311.models import ServiceRequest
from backend.open311.throttles import ApiKeyThrottle, submitted_api_key
from backend.open311.xml import to_xml

LOCALES = {"ko": "ko", "en": "en"}
DEFAULT_LOCALE = "ko"
#: The spec's default span for requests.json: 90 days or 1,000 requests, whichever is smaller.
DEFAULT_SPAN = timedelta(days=90)
MAX_REQUESTS = 1000
_ATTRIBUTE = re.compile(r"^attribute\[([A-Za-z0-9_]{1,40})\]$")
_JURISDICTION = re.compile(r"^[0-9A-Za-z_-]{1,10}$")


def open311_errors(status: int, description: str, reason: str = "") -> Response:
    error = {"code": status, "description": description}
    if reason:
        error["reason"] = reason  # our stable machine code, beside the spec's two fields
    return Response([error], status=status)


def _spec_status(status: int) -> int:
    """The spec's codes: 403 and 404 as they are, every other refusal a 400 (a request
    that breaks a rule, e.g. a duplicate, is a bad request to an Open311 client)."""
    return status if status in (403, 404, 405, 429, 503) else 400


def _described(error: DomainError) -> str:
    hints = "; ".join(
        f"{field}: {', '.join(map(str, value))}"
        for field, value in error.fields.items()
        if isinstance(value, list) and value
    )
    return f"{error.message} ({hints})" if hints else str(error.message)


def open311_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return open311_errors(_spec_status(exc.status_code), _described(exc), exc.code)
    response = api_exception_handler(exc, context)
    if response is None:
        return None
    error = response.data.get("error", {}) if isinstance(response.data, dict) else {}
    shaped = open311_errors(_spec_status(response.status_code), str(error.get("message", "")), error.get("code", ""))
    for header in ("Retry-After", "Allow"):
        if header in response:
            shaped[header] = response[header]
    return shaped


class JsonOnly(BaseContentNegotiation):
    """JSON whatever the Accept header says: the format is the path's `.json`."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if parser.media_type.split(";")[0] == (request.content_type or "").split(";")[0]:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return (renderers[0], renderers[0].media_type)


class Open311View(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    parser_classes = [FormParser, MultiPartParser, JSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnly
    versioning_class = None  # the version is the path's v2, not the API's namespace
    schema = None  # not part of /api/v1/'s OpenAPI schema: docs/api.md describes it

    #: The root element of the answer in XML (an error answer's is `errors`).
    xml_root = ""

    def dispatch(self, request, *args, **kwargs):
        fmt = kwargs.pop("fmt", "json")
        locale = LOCALES.get(request.GET.get("locale", "")[:2].lower(), DEFAULT_LOCALE)
        with translation.override(locale):
            response = super().dispatch(request, *args, **kwargs)
            if fmt == "xml" and isinstance(response, Response):
                root = "errors" if response.status_code >= 400 else self.xml_root
                xml_response = HttpResponse(to_xml(root, response.data), status=response.status_code)
                xml_response["Content-Type"] = "text/xml; charset=utf-8"
                for header in ("Retry-After", "Allow"):
                    if header in response:
                        xml_response[header] = response[header]
                response = xml_response
            else:
                response.render()
        response["Content-Language"] = locale
        return response

    def get_exception_handler(self):
        return open311_exception_handler

    def jurisdiction(self) -> Municipality | None:
        """The municipality `jurisdiction_id` names (its code), None when not given."""
        raw = self.request.query_params.get("jurisdiction_id", "")
        if not raw and self.request.method == "POST" and hasattr(self.request.data, "get"):
            raw = self.request.data.get("jurisdiction_id", "")
        if not raw:
            return None
        found = (
            Municipality.objects.filter(code=raw).first() if isinstance(raw, str) and _JURISDICTION.match(raw) else None
        )
        if found is None:
            raise DomainError("jurisdiction_not_found", _("jurisdiction_id not found."), status_code=404)
        return found


class DiscoveryView(Open311View):
    xml_root = "discovery"

    def get(self, request):
        return Response(georeport.discovery(request.build_absolute_uri("/open311/v2/")))


class ServiceListView(Open311View):
    xml_root = "services"

    def get(self, request):
        self.jurisdiction()
        return Response(georeport.service_list())


class ServiceDefinitionView(Open311View):
    xml_root = "service_definition"

    def get(self, request, service_code: str):
        self.jurisdiction()
        definition = georeport.service_definition(service_code)
        if definition is None:
            raise DomainError("service_not_found", _("There is no service with this service_code."), status_code=404)
        return Response(definition)


class RequestsView(Open311View):
    throttle_classes = [ApiKeyThrottle]
    xml_root = "service_requests"

    def get(self, request):
        jurisdiction = self.jurisdiction()
        filed = ServiceRequest.objects.all()
        if jurisdiction is not None:
            filed = filed.filter(municipality=jurisdiction)
        params = request.query_params
        if params.get("service_request_id"):
            # "This overrides all other arguments" (the spec).
            ids = [_uuid_or_none(part) for part in params["service_request_id"].split(",")[:MAX_REQUESTS]]
            filed = filed.filter(id__in=[i for i in ids if i is not None])
        else:
            filed = self._filtered(filed, params)
        rows = georeport.with_details(filed.order_by("-created_at"))[:MAX_REQUESTS]
        return Response([georeport.as_request(row) for row in rows])

    def _filtered(self, filed, params):
        codes = [code for code in params.get("service_code", "").split(",") if code]
        if codes:
            filed = filed.filter(service_code__in=codes)
        end = _moment(params.get("end_date", ""), "end_date") or timezone.now()
        start = _moment(params.get("start_date", ""), "start_date") or end - DEFAULT_SPAN
        filed = filed.filter(created_at__gte=start, created_at__lte=end)
        statuses = {status for status in params.get("status", "").split(",") if status}
        if statuses - {"open", "closed"}:
            raise DomainError("validation_error", _("status is open or closed."), fields={"status": ["open, closed"]})
        if statuses == {"open"}:
            filed = filed.open()
        elif statuses == {"closed"}:
            filed = filed.closed()
        return filed

    def post(self, request):
        data = request.data
        if not hasattr(data, "get"):
            raise DomainError("malformed_request", _("Send the request as a form."))
        key = services.key_for(submitted_api_key(request))
        jurisdiction = self.jurisdiction()
        if jurisdiction is not None and jurisdiction.id != key.municipality_id:
            raise DomainError(
                "jurisdiction_mismatch", _("The api_key is not for this jurisdiction_id."), status_code=403
            )
        filed = services.file_service_request(
            key=key,
            service_code=_text(data.get("service_code")),
            attributes=_attributes(data),
            description=_text(data.get("description")),
        )
        answer = {"service_request_id": str(filed.id), "service_notice": "", "account_id": None}
        return Response([answer], status=201)


class RequestView(Open311View):
    xml_root = "service_requests"

    def get(self, request, service_request_id: str):
        jurisdiction = self.jurisdiction()
        found = _uuid_or_none(service_request_id)
        filed = ServiceRequest.objects.filter(id=found) if found is not None else ServiceRequest.objects.none()
        if jurisdiction is not None:
            filed = filed.filter(municipality=jurisdiction)
        rows = list(georeport.with_details(filed))
        if not rows:
            raise DomainError("not_found", _("There is no request with this service_request_id."), status_code=404)
        return Response([georeport.as_request(rows[0])])  # the spec's array of one


class NotFoundView(Open311View):
    def get(self, request, *args, **kwargs):
        raise DomainError(
            "not_found",
            _("Not found. This server speaks GeoReport v2 in JSON and XML: see discovery.json."),
            status_code=404,
        )

    post = get


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _attributes(data) -> dict[str, str]:
    """`attribute[code]=value` pairs of the form (or an `attribute` object in JSON)."""
    found = {}
    nested = data.get("attribute")
    if isinstance(nested, dict):
        found.update({str(code): _text(value) for code, value in nested.items()})
    for name in data:
        match = _ATTRIBUTE.match(name) if isinstance(name, str) else None
        if match:
            found[match.group(1)] = _text(data.get(name))
    return found


def _uuid_or_none(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        return None


def _moment(raw: str, field: str) -> datetime | None:
    """An ISO 8601 moment with its offset (a bare one is read in UTC)."""
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(
            "validation_error",
            _("Give dates in ISO 8601, e.g. 2026-10-05T09:00:00+09:00."),
            fields={field: ["not an ISO 8601 date"]},
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return checked_moment(moment, field)
