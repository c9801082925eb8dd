"""Dates on Korean pages, as the pages wrote them before they were translated."""

DATE_FORMAT = "Y년 n월 j일"
DATETIME_FORMAT = "Y년 n월 j일 H:i"
MONTH_DAY_FORMAT = "n월 j일"
SHORT_DATETIME_FORMAT = "n월 j일 H:i"
YEAR_MONTH_FORMAT = "Y년 n월"
