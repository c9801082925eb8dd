"""List filters shared by the API's apps."""

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from backend.core.bounds import checked_moment
from backend.core.errors import DomainError


class BoundedIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment within the sane bounds of backend/core/bounds.py: a year
    0000 or 9999, or an offset of +20:00, is refused with its code, not sent to the database."""

    def clean(self, value):
        moment = super().clean(value)
        if moment is not None:
            try:
                checked_moment(moment, self.label or "at")
            except DomainError as error:
                raise forms.ValidationError(error.message, code=error.code) from None
        return moment


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField
