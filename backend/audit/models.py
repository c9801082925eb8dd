"""The audit trail: every change to restaurants, bins, tags, accounts, tariffs,
scales and hold rules is copied into a history table here (django-simple-history), with who, when,
what and why. The tables live in this app, so the apps they record need no change.

Saves through the ORM are recorded; bulk writes (`QuerySet.update`, `bulk_create`,
COPY in the register import) are not, by the library's design.
"""

from simple_history import register

from backend.accounts.models import User
from backend.billing.models import Tariff
from backend.collection_events.models import HoldRules, Scale
from backend.restaurants.models import Bin, Restaurant
from backend.tags.models import Tag

APP = "backend.audit"

# updated_at is the crews' directory's bookkeeping, a history row has its own date;
# a restaurant's number (the rollups' bit) never changes.
register(Restaurant, app=APP, excluded_fields=["updated_at", "number"])
register(Bin, app=APP, excluded_fields=["updated_at"])
register(Tag, app=APP, excluded_fields=["updated_at"])
# Accounts: never the password hash; signing in (last_login) is not a change to audit.
register(User, app=APP, excluded_fields=["password", "last_login"])
register(Tariff, app=APP)
register(Scale, app=APP)
register(HoldRules, app=APP, excluded_fields=["updated_at"])
