"""The crew app as the server serves it: the shell to crews only, a manifest with the
project's own icons, and a service worker that may serve the whole site and names its
cache after the release."""

import json

import pytest

from backend.crew import shell


def test_the_app_asks_for_sign_in_first(client, db):
    response = client.get("/crew/")
    assert (response.status_code, response["Location"]) == (302, "/login/?next=/crew/")


@pytest.mark.parametrize("path", ["/crew/", "/crew/weigh", "/crew/scan"])
def test_every_screen_is_the_same_shell_for_a_crew(client, collector, path):
    client.force_login(collector)
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-release="{shell.release()}"' in page
    assert 'src="/static/crew/app.js"' in page and 'type="module"' in page
    assert "csrftoken" in response.cookies


@pytest.mark.parametrize("name", ["official", "owner"])
def test_others_get_the_forbidden_page(client, request, name):
    client.force_login(request.getfixturevalue(name))
    response = client.get("/crew/")
    assert response.status_code == 403
    assert "접근 권한이 없습니다" in response.content.decode()


def test_the_manifest_names_the_app_and_its_icons(client, db):
    manifest = json.loads(client.get("/crew/manifest.webmanifest").content)
    assert manifest["start_url"] == "/crew/" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}


def test_the_service_worker_may_serve_the_site_and_is_never_cached(client, collector):
    client.force_login(collector)
    response = client.get("/crew/sw.js")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] in ("no-cache", "no-store")
    assert response["Content-Type"].startswith("text/javascript")
    script = response.content.decode()
    assert f'const RELEASE = "{shell.release()}";' in script
    for url in shell.precache_urls():
        assert json.dumps(url) in script
        if url != "/crew/":
            assert client.get(url).status_code == 200


def test_the_release_changes_with_any_file_the_phone_caches():
    assert "/static/crew/app.js" in shell.precache_urls()
    assert "/static/crew/db.js" in shell.precache_urls()
    assert len(shell.release()) == 12
