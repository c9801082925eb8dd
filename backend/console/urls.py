from django.urls import path

from backend.console.views import api_keys, bins, labels, restaurants, tag_reports, tags

app_name = "console"
urlpatterns = [
    path("restaurants/", restaurants.restaurant_list, name="restaurants"),
    path("restaurants/new/", restaurants.restaurant_create, name="restaurant-create"),
    path("restaurants/<uuid:restaurant_id>/", restaurants.restaurant_detail, name="restaurant"),
    path("restaurants/<uuid:restaurant_id>/edit/", restaurants.restaurant_edit, name="restaurant-edit"),
    path("restaurants/<uuid:restaurant_id>/close/", restaurants.restaurant_close, name="restaurant-close"),
    path("restaurants/<uuid:restaurant_id>/bins/new/", bins.bin_add, name="bin-add"),
    path("bins/<uuid:bin_id>/edit/", bins.bin_edit, name="bin-edit"),
    path("bins/<uuid:bin_id>/retire/", bins.bin_retire, name="bin-retire"),
    path("bins/<uuid:bin_id>/tag/", tags.tag_issue, name="tag-issue"),
    path("bins/bulk/", bins.bins_bulk, name="bins-bulk"),
    path("bins/bulk/missing/", bins.bins_for_restaurants_without, name="bins-bulk-missing"),
    path("bins/bulk/file/", bins.bins_from_file, name="bins-bulk-file"),
    path("tags/bulk/", tags.tags_bulk, name="tags-bulk"),
    path("tags/<str:code>/replace/", tags.tag_replace, name="tag-replace"),
    path("tags/<str:code>/revoke/", tags.tag_revoke, name="tag-revoke"),
    path("tag-reports/", tag_reports.tag_reports, name="tag-reports"),
    path("tag-reports/<uuid:report_id>/close/", tag_reports.tag_report_close, name="tag-report-close"),
    path("api-keys/", api_keys.api_keys, name="api-keys"),
    path("api-keys/<uuid:key_id>/revoke/", api_keys.api_key_revoke, name="api-key-revoke"),
    path("label-sheets/", labels.label_sheets, name="label-sheets"),
    path("label-sheets/new/", labels.label_sheet_create, name="label-sheet-create"),
    path("label-sheets/<uuid:sheet_id>/", labels.label_sheet, name="label-sheet"),
    path("label-sheets/<uuid:sheet_id>/progress/", labels.label_sheet_progress, name="label-sheet-progress"),
    path("label-sheets/<uuid:sheet_id>/labels.pdf", labels.label_sheet_download, name="label-sheet-download"),
]
