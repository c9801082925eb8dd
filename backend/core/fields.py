"""Integer fields stricter than DRF's and Django's own.

DRF's IntegerField reads its input with Python's `int()` after dropping a trailing
".0", and Django's forms.IntegerField with `int()` too: `"1_000"`, `" 10 "`, `"１０"`
(full-width digits) and `true` all pass as numbers. For prices and capacities an
integer is a JSON integer, or ASCII digits in a form."""

import re

from django import forms
from django.db import models
from rest_framework import serializers

_DIGITS = re.compile(r"-?[0-9]{1,18}")


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not (type(data) is int or (isinstance(data, str) and _DIGITS.fullmatch(data))):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose integer columns are read by StrictIntegerField."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        **{
            field: StrictIntegerField
            for field in (
                models.IntegerField,
                models.SmallIntegerField,
                models.BigIntegerField,
                models.PositiveIntegerField,
                models.PositiveSmallIntegerField,
                models.PositiveBigIntegerField,
            )
        },
    }


class StrictIntegerFormField(forms.IntegerField):
    """forms.IntegerField for the pages, reading only ASCII digits (spaces around them,
    which people type, are dropped)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if value and not _DIGITS.fullmatch(value):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
