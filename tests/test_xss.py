"""Hostile text in projects, rubrics, usernames and token names renders inert on every page here."""
from html.parser import HTMLParser

import pytest

from apps.accounts.models import Membership, Role
from apps.accounts.services import token_create
from apps.projects.services import DimensionSpec, project_create, rubric_update
from tests.conftest import login, make_user

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
MD_LINK = "[x](javascript:alert(1))"
SVG = "<svg onload=alert(1)>"
A_JS = '<a href="javascript:alert(1)">click</a>'
ALL = " ".join([SCRIPT, IMG, MD_LINK, SVG, A_JS])

EVIL_USER = "<script>alert(1)</script>"


@pytest.fixture
def evil(lead, staff):
    project = project_create(
        user=lead, name=f"Evil {SCRIPT}", description=f"Desc {IMG} {MD_LINK}", guidelines=f"# Rules\n\n{ALL}",
        dimensions=[
            DimensionSpec("harm", f"Harm {SVG}", f"About {A_JS} {MD_LINK}", 1, 3, {"1": SCRIPT, "3": IMG}),
        ],
        slug="evil",
    )
    rubric_update(project, user=lead, guidelines=f"Second {ALL}", note=f"note {SVG}",
                  dimensions=[DimensionSpec("harm", f"Harm {IMG}", SCRIPT, 1, 3, {"2": A_JS})])
    user = make_user(EVIL_USER)
    Membership.objects.create(user=user, project=project, role=Role.ANNOTATOR)
    token_create(user=lead, name=SCRIPT)
    return project


class _Tags(HTMLParser):
    """Every real tag of a page with its attributes (text, including escaped markup, is not a tag)."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags, self.script_text = [], []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text.append(data)


def assert_inert(html: str):
    assert SCRIPT not in html and "<img src=x" not in html and "<svg" not in html.lower()
    parsed = _Tags(html)
    assert not [t for t, _ in parsed.tags if t in ("svg", "img", "iframe", "object")]
    assert not [(t, a) for t, a in parsed.tags if any(name.startswith("on") for name in a)], "event handler"
    urls = [v for _, a in parsed.tags for k, v in a.items() if k in ("href", "src", "action") and v]
    assert not [u for u in urls if u.strip().lower().startswith("javascript:")], "javascript: URL"
    assert "alert" not in "".join(parsed.script_text)
    assert not [a for t, a in parsed.tags if t == "script" and "src" not in a], "inline script"


PAGES = [
    "/",
    "/projects/evil/",
    "/projects/evil/edit/",
    "/projects/evil/rubric/",
    "/projects/evil/rubric/versions/1/",
    "/projects/evil/rubric/versions/2/",
    "/projects/evil/members/",
    "/accounts/profile/",
]


@pytest.mark.parametrize("page", PAGES)
def test_pages_render_payloads_inert(client, evil, lead, page):
    response = login(client, lead).get(page)
    assert response.status_code == 200
    assert_inert(response.content.decode())


def test_escaped_text_remains_where_text_is_shown(client, evil, lead):
    html = login(client, lead).get("/projects/evil/").content.decode()
    assert "Evil &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in html  # the username
    assert "Harm &lt;img src=x onerror=alert(1)&gt;" in html
    assert '&lt;a href="javascript:alert(1)"&gt;click&lt;/a&gt;' in html  # in Markdown guidelines, as text


def test_markdown_link_with_javascript_is_not_a_link(client, evil, lead):
    html = login(client, lead).get("/projects/evil/rubric/versions/1/").content.decode()
    assert "[x](javascript:alert(1))" in html  # left as text


def test_annotator_view_is_inert_too(client, evil):
    user = evil.memberships.get(role=Role.ANNOTATOR).user
    html = login(client, user).get("/projects/evil/").content.decode()
    assert_inert(html)


def test_members_page_handles_a_hostile_username_in_urls(client, evil, lead):
    html = login(client, lead).get("/projects/evil/members/").content.decode()
    assert "/members/%3Cscript%3Ealert(1)%3C/script%3E/role/" in html
    response = client.post("/projects/evil/members/%3Cscript%3Ealert(1)%3C/script%3E/remove/")
    assert response.status_code == 302
    assert not evil.memberships.filter(user__username=EVIL_USER).exists()


def test_bad_input_echoed_in_forms_is_escaped(client, project, lead):
    response = login(client, lead).post("/projects/helpfulness/members/", {"username": SCRIPT, "role": "annotator"})
    html = response.content.decode()
    assert response.status_code == 400
    assert_inert(html)
    assert "No user named &#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27;." in html


def test_rubric_form_errors_echo_escaped(client, project, lead):
    from tests.conftest import rubric_form_data

    data = rubric_form_data(ALL, [{"key": "k", "name": SCRIPT, "anchors": f"9: {IMG}"}], initial=2)
    response = login(client, lead).post("/projects/helpfulness/rubric/", data)
    assert response.status_code == 400
    assert_inert(response.content.decode())


@pytest.mark.parametrize("page", ["/", "/accounts/profile/", "/projects/evil/"])
def test_pages_seen_by_the_hostile_user_are_inert(client, evil, page):
    user = evil.memberships.get(user__username=EVIL_USER).user
    response = login(client, user).get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_login_page_escapes_a_hostile_next(client, db):
    response = client.get("/accounts/login/", {"next": '"><script>alert(1)</script>'})
    assert_inert(response.content.decode())


def test_login_error_escapes_the_username(client, db):
    response = client.post("/accounts/login/", {"username": SCRIPT, "password": "x"})
    html = response.content.decode()
    assert_inert(html)
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html
