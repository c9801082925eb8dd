"""The crew's web app: one page (the shell) that draws every screen on the phone, its
manifest and its service worker. The app's data comes from the API."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language, pgettext

from backend.collection_events.access import can_record_scans
from backend.crew import shell as app_files
from backend.crew import texts


@login_required
def shell(request, screen=None):
    """The same page for every screen (/crew/, /crew/weigh, ...): the phone routes. It
    carries the screens' texts in the visitor's language; the service worker keeps the
    latest copy of this release (X-Crew-Release), so the app opens with no signal in
    the language last chosen."""
    if not can_record_scans(request.user):
        raise PermissionDenied
    get_token(request)  # the app sends the CSRF cookie back as X-CSRFToken
    context = {
        "release": app_files.release(),
        "public_base_url": settings.PUBLIC_BASE_URL,
        "css": app_files.static_url("app.css"),
        "script": app_files.static_url("app.js"),
        "preload": [app_files.static_url(name) for name in app_files.start_modules()],
        "icon": app_files.static_url("icons/icon-192.png"),
        "manifest": "/crew/manifest.webmanifest",
        "texts": texts.catalog(),
    }
    response = render(request, "crew/shell.html", context)
    response["X-Crew-Release"] = app_files.release()
    return response


def manifest(request):
    """In the visitor's language (the shell asks for it with its cookies): the name a
    phone gives the app is the one of the language chosen when it was installed."""
    body = {
        "name": pgettext("crew app", "Crew: scan and weigh"),
        "short_name": pgettext("crew app", "Crew"),
        "description": pgettext("crew app", "Food-waste collections: scan, weigh, and save with no signal."),
        "lang": get_language(),
        "start_url": "/crew/",
        "scope": "/crew/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f6f6f3",
        "theme_color": "#0b5cad",
        "icons": [
            {"src": app_files.static_url(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
            for size in (192, 512)
        ]
        + [{"src": app_files.static_url("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


def service_worker(request):
    """Public (it holds nothing private) and never cached, so a new release is seen at
    the next visit. Served from /crew/ but allowed the whole site, so that a tag's URL
    (/t/...) opened with no signal still gets the app."""
    script = render_to_string(
        "crew/sw.js",
        {
            "release": json.dumps(app_files.release()),
            "precache": json.dumps(list(app_files.precache_urls())),
            "shell_url": json.dumps(app_files.SHELL_URL),
        },
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
