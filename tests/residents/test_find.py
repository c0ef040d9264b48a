"""Following a post by its tracking code: a report's page and a supervision note's page are the same form
(one macro), each sending the code to its own page, and saying so when a code finds nothing."""
import re

import pytest


@pytest.mark.parametrize("path, title, action, missing", [
    ("/r/track", "进度", "/r/track", "/r/track/NOSUCHCODE"),
    ("/r/notes", "监督", "/r/notes", "/r/notes/NOSUCHCODE"),
])
def test_find_pages_ask_for_the_code_and_say_when_it_finds_nothing(client, db, path, title, action, missing):
    html = client.get(path).get_data(as_text=True)
    h1 = re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert title in h1 and f"<title>{h1}" in html
    assert f'<form method="get" action="{action}" class="card">' in html
    assert 'name="code" maxlength="16" value=""' in html and 'role="alert"' not in html
    response = client.get(missing)
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'role="alert"' in page and 'value="NOSUCHCODE"' in page and f'action="{action}"' in page
    assert client.get(f"{path}?code=abc").headers["Location"].endswith(f"{action}/ABC")
