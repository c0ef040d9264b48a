"""Static files under versioned addresses (propmgmt/static_files.py): a page names each with a hash
of its content, so a browser keeps it for a year and asks again only when the file has changed."""
import re
import types

from propmgmt.static_files import YEAR, version_of


def test_a_page_names_its_static_files_by_version_and_that_version_is_kept_for_a_year(client, login_as):
    login_as("official")
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    address = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', html).group(1)
    kept = client.get(address)
    assert kept.status_code == 200 and kept.headers["Cache-Control"] == f"public, max-age={YEAR}, immutable"


def test_an_address_without_the_current_version_is_not_kept(client):
    for address in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        response = client.get(address)
        assert response.status_code == 200 and "immutable" not in response.headers.get("Cache-Control", "")
    assert client.get("/static/css/nothing.css?v=000000000000").status_code == 404


def test_a_changed_file_gets_a_new_version(tmp_path):
    app = types.SimpleNamespace(static_folder=str(tmp_path))
    file = tmp_path / "app.css"
    file.write_text("body { color: red }")
    first = version_of(app, "app.css")
    assert first == version_of(app, "app.css")  # the same content, the same address
    file.write_text("body { color: blue }")
    assert version_of(app, "app.css") not in (first, None)
    assert version_of(app, "missing.css") is None
