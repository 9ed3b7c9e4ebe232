"""Untrusted Markdown to HTML (apps.core.rendering): markup stays text, links are sanitised, math and code are
kept, and images load only from this site: one anywhere else is a plain link, so showing an imported response
makes no reader's browser fetch an outside URL (a tracking pixel, an IP address leak)."""
import json
import re

import pytest
from django.template import Context, Template

from apps.core.rendering import render_markdown


def img_sources(html: str) -> list[str]:
    return re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", html)


def test_raw_html_and_script_links_stay_inert():
    html = render_markdown('<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript' not in html and "[x](javascript:alert(1))" in html


def test_links_keep_their_target_with_a_safe_rel():
    html = render_markdown("[docs](https://example.org/a?b=1)")
    assert html == '<p><a href="https://example.org/a?b=1" rel="noopener noreferrer nofollow">docs</a></p>\n'


def test_math_and_code_are_kept():
    html = render_markdown("$x^2$ and\n\n```python\nprint('<b>')\n```")
    assert '<span class="math inline">x^2</span>' in html
    assert '<pre class="highlight"><code class="language-python">' in html and "&lt;b&gt;" in html


@pytest.mark.parametrize("src", [
    "https://tracker.example/pixel.gif",
    "http://tracker.example/pixel.gif?user=1",
    "HTTPS://TRACKER.EXAMPLE/p.png",
    "//tracker.example/pixel.gif",  # protocol-relative: another host all the same
])
def test_remote_images_become_plain_links(src):
    html = render_markdown(f"Look: ![the chart]({src}) here")
    assert "<img" not in html
    link = re.search(r'<a href="([^"]*)" rel="noopener noreferrer nofollow">Image: the chart</a>', html)
    assert link and link.group(1).lower() == src.lower().replace("&", "&amp;")


def test_a_remote_image_without_alt_text_is_still_a_link():
    html = render_markdown("![](https://tracker.example/p.gif)")
    assert "<img" not in html and '>Image</a>' in html


def test_a_remote_image_inside_a_link_leaves_just_the_link():
    html = render_markdown("[![badge](https://tracker.example/b.svg)](https://example.org/project)")
    assert "<img" not in html and html.count("<a ") == 1
    assert '<a href="https://example.org/project" rel="noopener noreferrer nofollow">Image: badge</a>' in html


def test_alt_text_of_a_remote_image_stays_text():
    html = render_markdown("![<script>alert(1)</script> *x*](https://tracker.example/p.gif)")
    assert "<script" not in html and "<img" not in html
    assert "Image: &lt;script&gt;alert(1)&lt;/script&gt; x" in html


@pytest.mark.parametrize("src", ["/static/img/diagram.png", "img/diagram.png", "../diagram.png"])
def test_images_from_this_site_still_show(src):
    html = render_markdown(f'![diagram]({src} "A title")')
    assert img_sources(html) == [src]
    assert 'alt="diagram"' in html and 'title="A title"' in html


@pytest.mark.parametrize("text", [
    "![x](/\\tracker.example/p.gif)",  # a browser reads "/\host" as "//host"
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",  # data: images were never allowed
    "![x](javascript:alert(1))",
    "![x](<https://tracker.example/p.gif>)",
    "![x][pixel]\n\n[pixel]: https://tracker.example/p.gif",  # reference-style
])
def test_nothing_loads_from_elsewhere_whatever_the_spelling(text):
    html = render_markdown(text)
    sources = img_sources(html)
    assert not [src for src in sources if src.startswith(("//", "http", "data:", "javascript:")) or "\\" in src]
    assert sources in ([], ["/%5Ctracker.example/p.gif"])  # "/\host": a path on this site, the backslash encoded


def test_raw_img_tags_cannot_bring_a_remote_source_back():
    from apps.core.rendering import sanitize_html

    html = sanitize_html('<img src="https://tracker.example/p.gif" alt="a"><img src="//t.example/x"><img src="/s.png">')
    assert img_sources(html) == ["/s.png"]


def test_pages_use_it_through_the_markdown_filter():
    html = Template("{% load rendering %}{{ text|markdown }}").render(
        Context({"text": "![pixel](https://tracker.example/p.gif) ![local](/static/a.png)"}))
    assert img_sources(html) == ["/static/a.png"]
    assert "Image: pixel" in html


def test_an_imported_response_with_a_tracking_pixel_loads_nothing_on_the_annotator_page(client, project, annotator):
    from apps.datasets.services import import_file
    from tests.conftest import login

    row = {"prompt": "Describe it ![p](https://tracker.example/q.gif)",
           "responses": ["Sure ![pixel](https://tracker.example/a.gif?who=annotator)", "No ![x](//t.example/b.gif)"]}
    batch = import_file(project=project, user=None, data=json.dumps(row).encode(), filename="r.jsonl", fmt="native")
    assert batch.status == "accepted", batch.errors
    html = login(client, annotator).get(f"/projects/{project.slug}/label/").content.decode()
    assert "Image: pixel" in html and "tracker.example" in html  # shown, as links
    assert not [src for src in img_sources(html) if "example" in src]
