"""`/api/v1/invitations/`, `/api/v1/users/` and the one-time links' endpoints.

Officials invite an owner (for a restaurant) or a crew member (for a hauler serving
their districts) and deactivate accounts; anyone holding a link sets a password with
it; anyone may ask for a reset link (the answer never says whether the account exists)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from backend.accounts import services as accounts
from backend.accounts.access import can_deactivate, can_manage_people, people_visible_to
from backend.accounts.models import AccountLink, LinkKind, User
from backend.core.errors import DomainError
from backend.core.permissions import AccessPolicy
from backend.core.schema import ErrorAutoSchema
from backend.municipalities.models import Hauler
from backend.people import services
from backend.restaurants.models import Restaurant


class PersonSerializer(serializers.ModelSerializer):
    hauler = serializers.CharField(source="hauler.name", default=None, read_only=True)
    restaurants = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "role", "first_name", "email", "phone", "is_active", "hauler", "restaurants"]
        read_only_fields = fields

    def get_restaurants(self, user) -> list[str]:
        return [r.name for r in user.restaurants.all()]


class InvitationSerializer(serializers.ModelSerializer):
    user = PersonSerializer(read_only=True)
    restaurant = serializers.UUIDField(write_only=True, required=False)
    hauler = serializers.UUIDField(write_only=True, required=False)
    email = serializers.EmailField(write_only=True, required=False, allow_blank=True)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20)
    name = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=150)
    url = serializers.SerializerMethodField(
        help_text="The link itself, only when nobody else delivers it (no email address): pass it on."
    )
    emailed = serializers.SerializerMethodField()

    class Meta:
        model = AccountLink
        fields = [
            "id",
            "user",
            "channel",
            "sent_to",
            "created_at",
            "expires_at",
            "used_at",
            "url",
            "emailed",
            "restaurant",
            "hauler",
            "email",
            "phone",
            "name",
        ]
        read_only_fields = ["id", "user", "channel", "sent_to", "created_at", "expires_at", "used_at"]

    def get_url(self, link) -> str | None:
        invitation = self.context.get("invitation")
        return invitation.handed_url if invitation is not None else None

    def get_emailed(self, link) -> bool:
        return link.channel == "email"

    def validate(self, attrs):
        if bool(attrs.get("restaurant")) == bool(attrs.get("hauler")):
            message = _("Give either a restaurant or a hauler.")
            raise serializers.ValidationError({"restaurant": [message]})
        return attrs


class InvitationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Invitations this official's municipality sent. `POST` with a `restaurant` (the
    owner's) or a `hauler` (a crew member's) and an `email`, a `phone` (010-XXXX-XXXX)
    or a `name`: 201 with the invitation; `url` is set when the link was not emailed.
    A person who has already set a password gets no new link: 200 with
    `already_active: true` (an owner's restaurant is added to their account)."""

    serializer_class = InvitationSerializer
    permission_classes = [AccessPolicy]
    access_policy = {"create": can_manage_people}

    def get_queryset(self):
        links = (
            AccountLink.objects.filter(kind=LinkKind.INVITATION)
            .select_related("user", "user__hauler")
            .prefetch_related("user__restaurants")
        )
        user = self.request.user
        if not can_manage_people(user):
            return links.none()
        if user.is_system_admin:
            return links
        return links.filter(municipality_id=user.municipality_id)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contact = {key: data.get(key, "") for key in ("email", "phone", "name")}
        if data.get("restaurant"):
            restaurant = Restaurant.objects.visible_to(request.user).filter(pk=data["restaurant"]).first()
            if restaurant is None:
                raise DomainError("not_found", _("Not found."), status_code=404)
            invitation = services.invite_owner(by=request.user, restaurant=restaurant, **contact)
        else:
            hauler = Hauler.objects.filter(pk=data["hauler"]).first()
            if hauler is None:
                raise DomainError("not_found", _("Not found."), status_code=404)
            invitation = services.invite_crew(by=request.user, hauler=hauler, **contact)
        if invitation.already_active:
            # The person signs in already: nothing to accept, no link made (nor shown).
            body = {"id": None, "user": PersonSerializer(invitation.user).data, "already_active": True, "url": None}
            return Response(body, status=200)
        body = InvitationSerializer(invitation.link, context={"invitation": invitation}).data
        return Response({**body, "already_active": False}, status=201)


class DeactivateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    """Owners and crew members the official looks after (`?search=` name, username,
    email or phone; `?role=owner|collector`). `POST …/{id}/deactivate/` `{reason}`
    switches an account off and revokes its tokens."""

    serializer_class = PersonSerializer
    permission_classes = [AccessPolicy]
    access_policy = {"deactivate": can_manage_people}

    def get_queryset(self):
        people = people_visible_to(self.request.user).select_related("hauler").prefetch_related("restaurants")
        params = self.request.query_params
        if search := params.get("search", "").strip():
            people = people.filter(
                Q(username__icontains=search)
                | Q(first_name__icontains=search)
                | Q(email__icontains=search)
                | Q(phone__icontains=search)
                | Q(restaurants__name__icontains=search)
            ).distinct()
        if role := params.get("role"):
            people = people.filter(role=role)
        return people.order_by("username")

    @extend_schema(request=DeactivateSerializer, responses={200: PersonSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        person = self.get_object()
        if not can_deactivate(request.user, person):
            raise DomainError("permission_denied", _("You may not do this."), status_code=403)
        serializer = DeactivateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accounts.deactivate(by=request.user, person=person, reason=serializer.validated_data["reason"])
        person.refresh_from_db()
        return Response(PersonSerializer(person).data)


class SetPasswordSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})


class LinkThrottle(AnonRateThrottle):
    scope = "account_links"
    rate = "30/min"


class LinkSchema(ErrorAutoSchema):
    """Open to all, yet a link that is unknown, used or expired answers 404 `link_invalid`."""

    def error_statuses(self) -> list[int]:
        return sorted({*super().error_statuses(), 404})


class AcceptLinkView(APIView):
    """`POST {password}` with an invitation's or a reset's token: sets the password
    once. 404 `link_invalid` for an unknown, used or expired link."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LinkThrottle]
    schema = LinkSchema()
    kind = LinkKind.INVITATION

    @extend_schema(request=SetPasswordSerializer, responses={200: PersonSerializer})
    def post(self, request, token: str):
        serializer = SetPasswordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = accounts.open_link(token)
        if link.kind != self.kind:
            raise accounts.link_invalid()
        user = accounts.use_link(token=token, password=serializer.validated_data["password"])
        return Response({"username": user.username, "role": user.role})


class AcceptResetView(AcceptLinkView):
    kind = LinkKind.PASSWORD_RESET


class ResetRequestSerializer(serializers.Serializer):
    login = serializers.CharField(max_length=254, help_text="username, email or phone number")


class PasswordResetView(APIView):
    """`POST {login}` → 202, the same answer whether or not such an account exists; a
    reset link is emailed when it does and has an email address."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LinkThrottle]

    @extend_schema(request=ResetRequestSerializer, responses={202: None})
    def post(self, request):
        serializer = ResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.request_password_reset(login=serializer.validated_data["login"])
        return Response({"detail": _("Received.")}, status=202)
