import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("System administrator")
    OFFICIAL = "official", _("Official")
    COLLECTOR = "collector", _("Crew member")
    OWNER = "owner", _("Restaurant owner")


class User(AbstractUser):
    """A person who signs in. What they may see follows from `role` and the one
    organisation it ties them to: an official's municipality, a collector's hauler,
    an owner's restaurants (Restaurant.owner)."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.OWNER)
    municipality = models.ForeignKey(
        "municipalities.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="officials"
    )
    hauler = models.ForeignKey(
        "municipalities.Hauler", null=True, blank=True, on_delete=models.PROTECT, related_name="collectors"
    )
    phone = models.CharField(max_length=13, blank=True)
    # An owner account made by (or for) a municipality: its officials may attach the owner
    # to their restaurants (backend/accounts/services.py, check_owner_binding).
    invited_through = models.ForeignKey(
        "municipalities.Municipality",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invited_owners",
        verbose_name=_("Invited through"),
    )
    # The language the person chose (settings.LANGUAGES), with the header's switch while
    # signed in or on their notice settings: their notices are written in it, and signing
    # in on a phone without a language cookie sets it there. Blank: never chose (Korean).
    language = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="official_has_municipality",
                condition=~models.Q(role="official") | models.Q(municipality__isnull=False),
            ),
            models.CheckConstraint(
                name="collector_has_hauler",
                condition=~models.Q(role="collector") | models.Q(hauler__isnull=False),
            ),
        ]

    @property
    def is_official(self) -> bool:
        return self.role == Role.OFFICIAL

    @property
    def is_collector(self) -> bool:
        return self.role == Role.COLLECTOR

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def is_system_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser


class LinkKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    PASSWORD_RESET = "password_reset", _("Password reset")


class LinkChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    # No phone channel yet: the official passes the link on (by text message, on paper).
    HANDED = "handed", _("Passed on by the official")


class AccountLink(models.Model):
    """A one-time link that lets a person set their password: an invitation (a new
    owner's or crew member's first password) or a password reset.

    Only the SHA-256 of the link's token is stored, so the link cannot be read back from
    the database. It works until `expires_at`, and once: `used_at` is set in the same
    transaction as the password (backend/accounts/services.py, `use_link`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=LinkKind.choices)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_links")
    token_hash = models.CharField(max_length=64, unique=True)
    municipality = models.ForeignKey(
        "municipalities.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=LinkChannel.choices)
    sent_to = models.CharField(max_length=254, blank=True, help_text="the email address or phone number it was for")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.user}"


class Deactivation(models.Model):
    """An account switched off (`User.is_active` = False): by whom, when and why."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="deactivations")
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} {self.at:%Y-%m-%d}"
